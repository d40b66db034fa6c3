"""The pages' live updates: small JSON answers that static/live.js polls (no inline script,
so the Content-Security-Policy stays ``script-src 'self'``)."""

from flask import abort, jsonify, request

from triage.config import get_settings
from triage.db import get_session
from triage.models import utcnow
from triage.services import live
from triage.services import tickets as ticket_service
from triage.services.tab_counts import ALL_TAB, SOON_TAB
from triage.web.blueprint import bp
from triage.web.labels import plural

LIVE_SECONDS = 15  # how often an open queue or dashboard asks what changed


def queue_args(args, default_tab: str = ALL_TAB) -> tuple[str, dict]:
    """The queue page's tab and its listing parameters (the page and its live poll alike)."""
    values = args.to_dict()
    tab = (values.get("team") or default_tab).upper()
    values["team"] = "" if tab in (ALL_TAB, SOON_TAB) else tab
    if tab == SOON_TAB:
        values["soon_overdue"] = "true"
    return tab, values


@bp.app_context_processor
def _live_every() -> dict:
    """Every page knows how often to poll (static/live.js reads it from #live)."""
    return {"live_seconds": LIVE_SECONDS}


@bp.get("/live/queue")
def live_queue():
    """How many tickets arrived in this tab's listing since the page's newest, tab counts."""
    try:
        query = ticket_service.parse_query(queue_args(request.args)[1], allow_triage_tab=True)
    except ticket_service.InvalidQuery:
        abort(400, "Paramètre invalide.")
    after = request.args.get("after", type=int) or 0
    changes = live.queue_changes(
        session=get_session(), settings=get_settings(), query=query, after_id=after, now=utcnow()
    )
    new = changes["new"]
    changes["label"] = (
        plural(new, "nouveau ticket", "nouveaux tickets") + " : afficher" if new else ""
    )
    return jsonify(changes)


@bp.get("/live/stats")
def live_stats():
    """The backlog's signature: the dashboard offers to refresh when it changes."""
    return jsonify(
        {"signature": live.backlog_signature(session=get_session(), settings=get_settings())}
    )
