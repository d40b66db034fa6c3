"""``/healthz``: the database, the scheduler's jobs and the iTop sync, without login."""

import logging

from flask import jsonify

from triage.api.blueprints import health_bp
from triage.config import Settings, get_settings
from triage.db import check_db, get_session
from triage.models import SyncState, utcnow
from triage.services.jobs import job_status
from triage.services.tickets import iso

log = logging.getLogger(__name__)


def sync_status(*, session, settings: Settings) -> dict | None:
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


def jobs_status(*, session):
    """The scheduler's jobs, or an error entry when they cannot be read."""
    try:
        return job_status(session=session)
    except Exception:  # noqa: BLE001 - health must answer even if a part is broken
        log.exception("job_status failed")
        return {"error": "job status unavailable"}


@health_bp.get("/healthz")
def healthz():
    """200 when the database answers, with the jobs' and the sync's state."""
    try:
        check_db()
    except Exception as exc:  # noqa: BLE001 - any database failure is "not ok"
        log.warning("healthz: database down: %s", exc)
        return jsonify(
            {
                "status": "error",
                "database": "down",
                "error": "database_unavailable",
                "message": str(exc),
            }
        ), 503
    session = get_session()
    body = {"status": "ok", "database": "ok"}
    try:
        body["sync"] = sync_status(session=session, settings=get_settings())
    except Exception:  # noqa: BLE001
        log.exception("healthz: sync state unreadable")
        session.rollback()  # PostgreSQL refuses every later query of a failed transaction
        body["sync"] = None
    body["jobs"] = jobs_status(session=session)
    return jsonify(body)
