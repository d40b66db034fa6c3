"""API routes: parse, call a service, serialise."""

import datetime as dt

from flask import current_app, jsonify, request

from triage.api import bp
from triage.db import get_session
from triage.services.stats import backlog_for_app


@bp.get("/stats")
def stats():
    """The backlog table, as ``triage stats --json``."""
    since = request.args.get("since")
    day = dt.date.fromisoformat(since) if since else None
    return jsonify(backlog_for_app(session=get_session(), config=current_app.config, since=day))
