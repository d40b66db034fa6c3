"""``triage scheduler``: the job process (APScheduler 3 ``BlockingScheduler``).

Runs in its own process, never in ``create_app`` or a web worker. Every job opens an app
context, calls one service, logs one line, records a JobRun row and survives its own
exceptions. Jobs are idempotent (row locks, unique keys), so two schedulers overlapping
during a deploy do no harm. SIGTERM / SIGINT stop it cleanly (running jobs finish first).
"""

import datetime as dt
import gc
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from triage.config import Settings, get_settings
from triage.db import get_session
from triage.services import figures
from triage.services.digest import queue_digest
from triage.services.escalation import check_ages
from triage.services.ingest import run_poll
from triage.services.itop_push import push_pending
from triage.services.jobs import record_job
from triage.services.outbox import OutboxError, send_pending
from triage.services.retrain import process_retrain_request
from triage.services.snapshots import take_snapshot
from triage.services.training import get_router, train

log = logging.getLogger(__name__)

RETRAIN_REQUEST_SECONDS = 60
DIGEST_CHECK_SECONDS = 900  # the weekly digest is queued within this delay of its hour
FIGURES_SECONDS = 300  # the dashboard's stored router figures lag at most this much
# The sync and the write-back take turns: a write is checked against what triage knows of
# iTop's team, which a sync running at the same moment could change under it.
ITOP_TURN = threading.Lock()


class JobSkipped(RuntimeError):
    """A job that cannot run with this configuration (recorded as an error)."""


def poll_job(*, session, settings: Settings) -> Any:
    """Sync with iTop once."""
    if not settings.itop_url:
        raise JobSkipped("TRIAGE_ITOP_URL n'est pas configuré : synchronisation impossible")
    settle_router(settings)
    with ITOP_TURN:
        result = run_poll(session=session, settings=settings)
    return {
        "fetched": result.fetched,
        "created": result.created,
        "updated": result.updated,
        "left": result.left + result.deleted,
        "seconds": round(result.seconds, 2),
        "itop_seconds": round(result.itop_seconds, 2),
    }


def age_check_job(*, session, settings: Settings) -> Any:
    """Warn and escalate ageing tickets."""
    return check_ages(session=session, settings=settings)


def outbox_job(*, session, settings: Settings) -> Any:
    """Send the due e-mails."""
    counts = send_pending(session=session, settings=settings)
    if counts["failed"]:
        # recorded as the job's error so /healthz and the admin page show it; nothing is lost
        raise OutboxError(
            f"{counts['failed']} e-mail(s) non envoyé(s), {counts['sent']} envoyé(s) : "
            f"{counts['last_error']}"
        )
    return counts


def writeback_job(*, session, settings: Settings) -> Any:
    """Push the queued iTop write-backs (retries)."""
    if not settings.itop_writeback:
        return "write-back désactivé"
    with ITOP_TURN:
        counts = push_pending(session=session, settings=settings)
    return {k: v for k, v in counts.items() if k != "last_error"}


def snapshot_job(*, session, settings: Settings) -> Any:
    """Record today's backlog snapshot."""
    rows = take_snapshot(session=session, settings=settings)
    return {"day": rows[0].day.isoformat(), "open": sum(row.open for row in rows)}


def digest_job(*, session, settings: Settings) -> Any:
    """Queue the weekly digest when it is due (once per week; the outbox job sends it)."""
    return queue_digest(session=session, settings=settings)


def dashboard_job(*, session, settings: Settings) -> Any:
    """Compute again the dashboard's stored figures (router quality, closed counts)."""
    return figures.refresh(session=session, settings=settings)


def retrain_job(*, session, settings: Settings) -> Any:
    """Retrain the router's model."""
    card = train(session=session, settings=settings)
    return {"model": card.get("version"), "kind": card.get("kind")}


def retrain_request_job(*, session, settings: Settings) -> Any:
    """Run the retraining an admin asked for on the admin page, if any."""
    return process_retrain_request(session=session, settings=settings)


_SETTLED: set[str] = set()  # the router models already left out of the collector's rounds


def settle_router(settings: Settings) -> None:
    """Load the router before a poll, and the first time a model is loaded in this process,
    leave what is alive then out of the cyclic garbage collector's rounds (``gc.freeze``,
    after a collection so that no garbage is kept). The model's 200,000-odd objects live as
    long as the process; unfrozen, every full collection a sync's allocations set off walks
    them again: a tenth of a first sync's own work (bench/sync_bench.py)."""
    try:
        version = get_router(settings).version
    except Exception as exc:  # noqa: BLE001 - the poll routes by prefix and says why
        log.warning("router not loaded before the poll: %s", exc)
        return
    if version not in _SETTLED:
        gc.collect()
        gc.freeze()
        _SETTLED.add(version)


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: fixed id, service, trigger and the interval used for staleness."""

    job_id: str
    func: Callable[..., Any]
    trigger: Any
    interval_seconds: int


def job_specs(settings: Settings) -> list[JobSpec]:
    """The jobs these settings run."""
    tz = settings.tz

    def every(seconds: int) -> IntervalTrigger:
        return IntervalTrigger(seconds=max(seconds, 1), timezone=tz)

    specs = [
        JobSpec("poll", poll_job, every(settings.poll_seconds), settings.poll_seconds),
        JobSpec(
            "age_check",
            age_check_job,
            every(settings.age_check_seconds),
            settings.age_check_seconds,
        ),
        JobSpec("outbox", outbox_job, every(settings.outbox_seconds), settings.outbox_seconds),
        JobSpec(
            "itop_writeback",
            writeback_job,
            every(settings.writeback_seconds),
            settings.writeback_seconds,
        ),
        JobSpec(
            "snapshot",
            snapshot_job,
            every(settings.snapshot_seconds),
            settings.snapshot_seconds,
        ),
        JobSpec("dashboard", dashboard_job, every(FIGURES_SECONDS), FIGURES_SECONDS),
        # the admin page's "Réentraîner" button is answered within this delay
        JobSpec(
            "retrain_request",
            retrain_request_job,
            every(RETRAIN_REQUEST_SECONDS),
            RETRAIN_REQUEST_SECONDS,
        ),
    ]
    return specs + _optional_specs(settings, every)


def _optional_specs(settings: Settings, every: Callable[[int], IntervalTrigger]) -> list[JobSpec]:
    """The jobs that only some settings run: the weekly digest, the nightly retraining."""
    specs = []
    if settings.digest_to:
        specs.append(
            JobSpec("digest", digest_job, every(DIGEST_CHECK_SECONDS), DIGEST_CHECK_SECONDS)
        )
    if settings.retrain_nightly:
        trigger = CronTrigger(hour=settings.retrain_hour, timezone=settings.tz)
        specs.append(JobSpec("retrain", retrain_job, trigger, 86400))
    return specs


def run_job(app: Flask, spec: JobSpec) -> None:
    """Run one job in its own app context; its exception is logged and recorded, not raised."""
    with app.app_context():
        session = get_session()
        try:
            with record_job(
                session=session, job_id=spec.job_id, interval_seconds=spec.interval_seconds
            ) as result:
                result.outcome = spec.func(session=session, settings=get_settings(app))
        except Exception:  # noqa: BLE001 - logged and recorded by record_job; keep running
            pass


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A BlockingScheduler with every job (fixed ids, coalesce, one instance at a time)."""
    settings = get_settings(app)
    specs = job_specs(settings)
    scheduler = BlockingScheduler(
        timezone=settings.tz,
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    start = dt.datetime.now(dt.UTC)
    for spec in specs:
        extra = {}
        if isinstance(spec.trigger, IntervalTrigger):
            # interval jobs run at start-up too, so a restart does not wait a whole period
            extra["next_run_time"] = start
        scheduler.add_job(
            run_job,
            trigger=spec.trigger,
            args=(app, spec),
            id=spec.job_id,
            name=spec.job_id,
            replace_existing=True,
            coalesce=True,  # runs missed while busy or asleep collapse into one
            max_instances=1,
            # a late run is still worth doing, up to one interval (at least a minute) late
            misfire_grace_time=max(spec.interval_seconds, 60),
            **extra,
        )
    return scheduler


def _shutdown(scheduler: BlockingScheduler) -> None:
    """Stop the scheduler once it runs (a signal may come before ``start()`` got going)."""
    for _ in range(600):
        if scheduler.running:
            break
        time.sleep(0.05)
    try:
        scheduler.shutdown(wait=True)
    except SchedulerNotRunningError:
        pass


def run(app: Flask) -> int:
    """Run the scheduler until SIGTERM or SIGINT; returns the process exit status."""
    scheduler = build_scheduler(app)
    stopper: list[threading.Thread] = []

    def stop(signum, _frame) -> None:
        if stopper:
            return
        log.info("signal %s received: stopping after the running jobs", signal.Signals(signum).name)
        # shutdown waits for running jobs: do it off the signal handler's (main) thread
        thread = threading.Thread(target=_shutdown, args=(scheduler,), daemon=True)
        stopper.append(thread)
        thread.start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own line per run
    ids = ", ".join(job.id for job in scheduler.get_jobs())
    log.info("scheduler started with jobs: %s", ids)
    try:
        scheduler.start()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for thread in stopper:
        thread.join()
    log.info("scheduler stopped")
    return 0
