"""The service's state for ``/healthz`` and the admin page: database, iTop sync, jobs."""

import logging

from sqlmodel import Session

from triage.config import Settings
from triage.db import check_db
from triage.models import SyncState, utcnow
from triage.services.jobs import job_status
from triage.services.tickets import iso

log = logging.getLogger(__name__)

DATABASE_DOWN = "the database does not answer"


def sync_status(*, session: Session, settings: Settings) -> dict | None:
    """The iTop sync's state (SyncState row "itop"), None before the first poll."""
    state = session.get(SyncState, "itop")
    if state is None:
        return None
    lag = None
    if state.last_success_at is not None:
        lag = round((utcnow() - state.last_success_at).total_seconds())
    return {
        "last_run_at": iso(state.last_run_at, settings),
        "last_success_at": iso(state.last_success_at, settings),
        "watermark": iso(state.watermark, settings),
        "last_error": state.last_error,
        "last_error_at": iso(state.last_error_at, settings),
        "last_fetched": state.last_fetched,
        "last_created": state.last_created,
        "last_updated": state.last_updated,
        "lag_seconds": lag,
    }


def jobs_status(*, session: Session):
    """The scheduler's jobs, or an error entry when they cannot be read."""
    try:
        return job_status(session=session)
    except Exception:  # noqa: BLE001 - health must answer even if a part is broken
        log.exception("job_status failed")
        session.rollback()
        return {"error": "job status unavailable"}


def _sync_or_none(*, session: Session, settings: Settings) -> dict | None:
    try:
        return sync_status(session=session, settings=settings)
    except Exception:  # noqa: BLE001 - health must answer even if a part is broken
        log.exception("health: sync state unreadable")
        session.rollback()  # PostgreSQL refuses every later query of a failed transaction
        return None


def health(*, session: Session, settings: Settings, detail: bool = False) -> tuple[dict, bool]:
    """(the ``/healthz`` body, whether the database answers). ``detail``: the driver's error
    (it names host, port and driver: only for an admin)."""
    try:
        check_db()
    except Exception as exc:  # noqa: BLE001 - any failure of SELECT 1 is "down"
        log.warning("health: database down: %s", exc)
        body = {"status": "error", "database": "down", "error": "database_unavailable",
                "message": DATABASE_DOWN}
        if detail:
            body["detail"] = str(exc)
        return body, False
    body = {"status": "ok", "database": "ok"}
    body["sync"] = _sync_or_none(session=session, settings=settings)
    body["jobs"] = jobs_status(session=session)
    return body, True
