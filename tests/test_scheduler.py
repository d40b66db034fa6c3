"""The scheduler: jobs, their records, snapshots, and real ``triage scheduler`` processes."""

import datetime as dt
import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from tests.plugins.factories import make_ticket, seed_backlog
from triage import scheduler
from triage.config import get_settings, replace_settings
from triage.db import session_scope
from triage.models import (
    BacklogSnapshot,
    Escalation,
    JobRun,
    OutboxMessage,
    RoutingDecision,
    utcnow,
)
from triage.scheduler import JobSpec, build_scheduler, job_specs, run_job, settle_router
from triage.services.jobs import job_status
from triage.services.snapshots import snapshot_series, take_snapshot
from triage.services.training import get_router

NATIONAL = "national@example.org"
TRIAGE = str(Path(sys.executable).with_name("triage"))


def _spec(app, job_id: str) -> JobSpec:
    return next(spec for spec in job_specs(get_settings(app)) if spec.job_id == job_id)


def _row(app, job_id: str) -> JobRun | None:
    with session_scope(app) as own:
        return own.get(JobRun, job_id)


def test_jobs_have_fixed_ids_and_safe_defaults(app, settings):
    assert [s.job_id for s in job_specs(settings)] == [
        "poll",
        "age_check",
        "outbox",
        "itop_writeback",
        "snapshot",
        "dashboard",
        "retrain_request",
    ]
    settings = replace_settings(app, retrain_nightly=True, poll_seconds=7)
    specs = {s.job_id: s for s in job_specs(settings)}
    assert specs["retrain"].interval_seconds == 86400 and specs["poll"].interval_seconds == 7
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(specs)
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time >= 60


def _is_collected(thing) -> bool:
    """Whether the cyclic garbage collector still walks ``thing`` (frozen: it does not)."""
    return any(o is thing for o in gc.get_objects())


def test_the_router_is_loaded_before_a_poll_and_left_out_of_the_collector(settings):
    router = get_router(settings)
    gc.unfreeze()
    scheduler._SETTLED.clear()
    try:
        assert _is_collected(router.pipeline)
        settle_router(settings)  # what the poll job does first
        assert not _is_collected(router.pipeline) and gc.get_freeze_count() > 0
        gc.unfreeze()
        settle_router(settings)  # the same model: not frozen again (nothing new to leave out)
        assert _is_collected(router.pipeline)
    finally:
        gc.unfreeze()
        scheduler._SETTLED.clear()


def test_poll_without_itop_url_records_a_clear_error(app):
    settings = replace_settings(app, itop_url=None)
    run_job(app, _spec(app, "poll"))  # does not raise
    row = _row(app, "poll")
    assert "TRIAGE_ITOP_URL" in row.last_error and row.last_success_at is None
    assert row.runs == 1 and row.interval_seconds == settings.poll_seconds
    with session_scope(app) as own:
        status = {s["job_id"]: s for s in job_status(session=own)}
    assert status["poll"]["failing"] and not status["poll"]["ok"]
    assert "TRIAGE_ITOP_URL" in status["poll"]["last_error"]


def test_a_job_survives_its_exception_and_recovers(app):
    calls = []

    def flaky(*, session, settings):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return {"done": len(calls)}

    spec = JobSpec("flaky", flaky, None, 30)
    run_job(app, spec)
    assert _row(app, "flaky").last_error == "RuntimeError: boom"
    run_job(app, spec)
    row = _row(app, "flaky")
    assert row.runs == 2 and row.last_outcome == "done=2"
    assert row.last_success_at >= row.last_error_at
    with session_scope(app) as own:
        status = {s["job_id"]: s for s in job_status(session=own)}
        assert status["flaky"]["ok"] and not status["flaky"]["failing"]
        later = utcnow() + dt.timedelta(seconds=91)
        stale = {s["job_id"]: s for s in job_status(session=own, now=later)}
    assert stale["flaky"]["stale"] and not stale["flaky"]["ok"]


def test_age_check_job_escalates_and_records_counts(app, session):
    replace_settings(app, escalation_to=(NATIONAL,))
    session.add(make_ticket(team="DRASI", created_at=utcnow() - dt.timedelta(days=16)))
    session.commit()
    run_job(app, _spec(app, "age_check"))
    assert "national=1" in _row(app, "age_check").last_outcome
    assert len(session.exec(select(OutboxMessage)).all()) == 1


def test_writeback_job_is_quiet_when_off_and_calls_push_pending_when_on(app):
    run_job(app, _spec(app, "itop_writeback"))
    assert _row(app, "itop_writeback").last_outcome == "write-back désactivé"
    replace_settings(app, itop_writeback=True, itop_url="http://127.0.0.1:9")
    run_job(app, _spec(app, "itop_writeback"))
    row = _row(app, "itop_writeback")
    assert row.runs == 2 and row.last_outcome != "write-back désactivé"


def test_snapshot_is_one_row_per_team_and_day(settings, session):
    session.add_all(seed_backlog(utcnow()))
    session.commit()
    now = utcnow()
    take_snapshot(session=session, settings=settings, now=now)
    take_snapshot(session=session, settings=settings, now=now + dt.timedelta(minutes=5))
    rows = {r.team: r for r in session.exec(select(BacklogSnapshot))}
    assert len(rows) == 4
    assert (rows["DRASI"].total, rows["DRASI"].open, rows["DRASI"].overdue) == (111, 45, 26)
    assert (rows["NATIONAL"].open, rows["NATIONAL"].overdue) == (12, 2)
    take_snapshot(session=session, settings=settings, now=now + dt.timedelta(days=1))
    series = snapshot_series(session=session)
    assert len(series) == 2 and series[0]["SI2C"] == {"total": 73, "open": 3, "overdue": 0}


def _env(app, smtp_server, **extra) -> dict:
    settings = get_settings(app)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        TRIAGE_INSTANCE_PATH=str(settings.instance_path),
        TRIAGE_DATABASE_URL=settings.database_url,
        TRIAGE_SECRET_KEY="test-secret",
        TRIAGE_POLL_SECONDS="3600",
        TRIAGE_AGE_CHECK_SECONDS="1",
        TRIAGE_OUTBOX_SECONDS="1",
        TRIAGE_WRITEBACK_SECONDS="2",
        TRIAGE_SNAPSHOT_SECONDS="2",
        TRIAGE_SMTP_HOST="127.0.0.1",
        TRIAGE_SMTP_PORT=str(smtp_server.port),
        TRIAGE_SMTP_TIMEOUT="5",
        TRIAGE_ESCALATION_TO=NATIONAL,
    )
    if settings.database_schema:
        env["TRIAGE_DATABASE_SCHEMA"] = settings.database_schema
    env.update(extra)
    return env


def _start(env: dict, log_path: Path) -> tuple[subprocess.Popen, object]:
    log = open(log_path, "w")  # noqa: SIM115 - closed by _stop
    proc = subprocess.Popen([TRIAGE, "scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def _stop(proc: subprocess.Popen, log) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()


def _wait_for(predicate, timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _finished(log_path: Path, job_id: str) -> int:
    """How many runs of that job the scheduler's log shows finished (ok or failed)."""
    text = log_path.read_text()
    return text.count(f"job {job_id} ok in ") + text.count(f"job {job_id} failed after ")


def _runs(app, job_id: str) -> int:
    row = _row(app, job_id)
    return row.runs if row else 0


@pytest.mark.timeout(90)
def test_scheduler_process_runs_jobs_and_stops_on_sigterm(app, session, smtp_server, tmp_path):
    session.add_all(seed_backlog(utcnow()))
    session.commit()
    log_path = tmp_path / "scheduler.log"
    proc, log = _start(_env(app, smtp_server), log_path)
    try:
        ran = _wait_for(
            lambda: (
                _runs(app, "age_check") >= 2
                and _runs(app, "outbox") >= 2
                and len(smtp_server.messages) >= 26
            )
        )
    finally:
        code = _stop(proc, log)
    output = log_path.read_text()
    assert ran, output
    assert code == 0, output
    lines = output.strip().splitlines()
    assert "scheduler stopped" in lines[-1]
    assert any("signal SIGTERM received" in line for line in lines)
    assert len(smtp_server.to(NATIONAL)) == 26
    poll = _row(app, "poll")
    assert poll and "TRIAGE_ITOP_URL" in poll.last_error
    assert _row(app, "snapshot").last_success_at is not None


@pytest.mark.timeout(120)
def test_two_scheduler_processes_send_every_due_mail_once(app, session, smtp_server, tmp_path):
    if get_settings(app).database_url.startswith("sqlite"):
        pytest.skip("two schedulers on one database: the PostgreSQL run proves it (row locks)")
    smtp_server.delay = 0.02  # a slow server keeps both senders busy at the same time
    session.add_all(seed_backlog(utcnow()))
    session.commit()
    env = _env(app, smtp_server)
    started = [_start(env, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        _wait_for(lambda: len(smtp_server.messages) >= 5)
        # more tickets fall due while both schedulers run
        late = [
            make_ticket(team="SI2C", created_at=utcnow() - dt.timedelta(days=16)) for _ in range(10)
        ]
        session.add_all(late)
        session.commit()
        assert _wait_for(lambda: len(smtp_server.messages) >= 36, timeout=60)
        # then each scheduler finishes two more age checks, and after them one more outbox
        # run: a mail either of them queued or sent again would have gone by then
        paths = [tmp_path / f"scheduler-{n}.log" for n in (1, 2)]
        for job, more in (("age_check", 2), ("outbox", 1)):
            base = {path: _finished(path, job) for path in paths}
            assert _wait_for(
                lambda job=job, more=more, base=base: all(
                    _finished(path, job) >= base[path] + more for path in paths
                ),
                timeout=30,
            ), [path.read_text()[-2000:] for path in paths]
    finally:
        codes = [_stop(proc, log) for proc, log in started]
    logs = [(tmp_path / f"scheduler-{n}.log").read_text() for n in (1, 2)]
    assert codes == [0, 0], logs
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 36 and len(set(ids)) == 36
    assert len(session.exec(select(Escalation)).all()) == 36
    moves = session.exec(select(RoutingDecision).where(RoutingDecision.source == "escalation"))
    assert len(moves.all()) == 36
    rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"} and len(rows) == 36
    sent_by = [
        sum(
            int(part.split("=")[1])
            for line in text.splitlines()
            if "job outbox ok" in line
            for part in line.split(", ")
            if "sent=" in part
        )
        for text in logs
    ]
    print("sent by each scheduler:", sent_by)
    assert sum(sent_by) == 36, sent_by


def test_outbox_job_records_an_error_when_mail_cannot_go(app, session, smtp_server):
    replace_settings(app, **smtp_server.attributes(), escalation_to=(NATIONAL,))
    session.add(make_ticket(team="DRASI", created_at=utcnow() - dt.timedelta(days=16)))
    session.commit()
    run_job(app, _spec(app, "age_check"))
    smtp_server.stop()
    run_job(app, _spec(app, "outbox"))
    row = _row(app, "outbox")
    assert "1 e-mail(s) non envoyé(s)" in row.last_error and row.last_success_at is None
    assert session.exec(select(OutboxMessage)).one().status == "pending"
    smtp_server.start()
    session.exec(select(OutboxMessage)).one().next_attempt_at = utcnow()
    session.commit()
    run_job(app, _spec(app, "outbox"))
    assert _row(app, "outbox").last_outcome.startswith("claimed=1, sent=1")
    assert len(smtp_server.messages) == 1
