"""Scheduler job bookkeeping: one JobRun row per job (last run, outcome, error, duration)."""

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from triage.models import JobRun, utcnow

log = logging.getLogger(__name__)

STALE_FACTOR = 3  # a job whose last run is older than 3 intervals is stale


@dataclass
class RunResult:
    """What a running job reports: set ``outcome`` to a short text (or a dict of counts)."""

    outcome: Any = ""


def _outcome_text(outcome: Any) -> str:
    if isinstance(outcome, dict):
        return ", ".join(f"{key}={value}" for key, value in outcome.items() if value is not None)
    return str(outcome or "ok")


def save_run(
    *,
    session: Session,
    job_id: str,
    started_at: dt.datetime,
    duration_ms: int,
    interval_seconds: int,
    outcome: str = "",
    error: str | None = None,
) -> None:
    """Store one run of a job in its JobRun row (created on its first run); commits."""
    for _ in range(2):  # a second scheduler may create the row at the same moment
        row = session.get(JobRun, job_id) or JobRun(job_id=job_id)
        row.last_run_at = started_at
        row.last_duration_ms = duration_ms
        row.interval_seconds = interval_seconds
        row.runs = (row.runs or 0) + 1
        if error is None:
            row.last_success_at = started_at
            row.last_outcome = outcome[:2000]
        else:
            row.last_error = error[:4000]
            row.last_error_at = started_at
            row.last_outcome = f"erreur : {error}"[:2000]
        session.add(row)
        try:
            session.commit()
            return
        except IntegrityError:
            session.rollback()
    log.warning("could not record the run of job %s", job_id)


@contextmanager
def record_job(*, session: Session, job_id: str, interval_seconds: int) -> Iterator[RunResult]:
    """Time a job, log one line and record its run; the job's exception is re-raised."""
    started_at = utcnow()
    clock = time.monotonic()
    result = RunResult()
    try:
        yield result
    except Exception as exc:
        duration_ms = int((time.monotonic() - clock) * 1000)
        error = f"{type(exc).__name__}: {exc}"
        log.error("job %s failed after %d ms: %s", job_id, duration_ms, error)
        _save_safely(session, job_id, started_at, duration_ms, interval_seconds, "", error)
        raise
    duration_ms = int((time.monotonic() - clock) * 1000)
    outcome = _outcome_text(result.outcome)
    log.info("job %s ok in %d ms: %s", job_id, duration_ms, outcome)
    _save_safely(session, job_id, started_at, duration_ms, interval_seconds, outcome, None)


def _save_safely(session, job_id, started_at, duration_ms, interval, outcome, error) -> None:
    """Record a run; a database that does not answer is logged, not raised (job survives)."""
    try:
        session.rollback()  # leave whatever the job left half-done
        save_run(
            session=session,
            job_id=job_id,
            started_at=started_at,
            duration_ms=duration_ms,
            interval_seconds=interval,
            outcome=outcome,
            error=error,
        )
    except SQLAlchemyError as exc:
        session.rollback()
        log.error("could not record the run of job %s: %s", job_id, exc)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def job_status(*, session: Session, now: dt.datetime | None = None) -> list[dict]:
    """Every job that ran: last run, success, error, duration, interval; stale/failing/ok."""
    now = now or utcnow()
    rows = session.exec(select(JobRun).order_by(JobRun.job_id)).all()
    status = []
    for row in rows:
        interval = row.interval_seconds or 0
        stale = bool(
            interval
            and (
                row.last_run_at is None
                or now - row.last_run_at > dt.timedelta(seconds=STALE_FACTOR * interval)
            )
        )
        failing = row.last_error_at is not None and (
            row.last_success_at is None or row.last_error_at > row.last_success_at
        )
        status.append(
            {
                "job_id": row.job_id,
                "last_run_at": _iso(row.last_run_at),
                "last_success_at": _iso(row.last_success_at),
                "last_error": row.last_error,
                "last_error_at": _iso(row.last_error_at),
                "last_duration_ms": row.last_duration_ms,
                "last_outcome": row.last_outcome,
                "runs": row.runs,
                "interval_seconds": interval,
                "stale": stale,
                "failing": failing,
                "ok": not stale and not failing,
            }
        )
    return status
