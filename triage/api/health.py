"""``/healthz``: the database, the scheduler's jobs and the iTop sync, without login."""

from flask import jsonify

from triage.api.blueprints import health_bp
from triage.auth import admin_in_cookie
from triage.config import get_settings
from triage.db import RETRY_AFTER_SECONDS, get_session
from triage.services.status import health


@health_bp.get("/healthz")
def healthz():
    """200 when the database answers, with the jobs' and the sync's state; else 503 with
    Retry-After, the driver's error (host, port) only for an admin's session."""
    body, up = health(session=get_session(), settings=get_settings(), detail=admin_in_cookie())
    response = jsonify(body)
    if not up:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
