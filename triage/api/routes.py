"""API routes: parse, call a service, serialise."""

import logging

from flask import jsonify, request

from triage.api.blueprints import bp
from triage.api.errors import ApiError
from triage.api.json_body import json_object
from triage.api.openapi import openapi_document
from triage.api.schemas import ClassifyRequest, Requalify, StatsQuery, TicketsQuery, parse
from triage.auth import api_identity
from triage.config import get_settings
from triage.db import get_session
from triage.models import utcnow
from triage.services.requalify import can_requalify, requalify
from triage.services.routing import classify as classify_text
from triage.services.stats import backlog_for_app
from triage.services.teams import UnknownTeam
from triage.services.tickets import (
    InvalidQuery,
    get_ticket,
    ticket_detail,
    ticket_page,
    ticket_to_dict,
)

log = logging.getLogger(__name__)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document())


@bp.get("/tickets")
def tickets():
    """A page of tickets, filtered."""
    query = parse(TicketsQuery, request.args.to_dict()).ticket_query()
    now, settings = utcnow(), get_settings()
    try:
        page = ticket_page(session=get_session(), settings=settings, query=query, now=now)
    except InvalidQuery as exc:  # a cursor that is not one
        raise ApiError(400, str(exc)) from exc
    return jsonify(
        {
            "items": [ticket_to_dict(t, settings=settings, now=now) for t in page.items],
            "total": page.total,
            "page": query.page,
            "per_page": query.per_page,
            "total_exact": page.total_exact,
            "next": page.next_cursor,
        }
    )


def _ticket_or_404(ref: str):
    ticket = get_ticket(session=get_session(), ref=ref)
    if ticket is None:
        raise ApiError(404, f"no ticket {ref}")
    return ticket


@bp.get("/tickets/<ref>")
def ticket(ref: str):
    """One ticket with its routing and escalation history."""
    found = _ticket_or_404(ref)
    return jsonify(
        ticket_detail(session=get_session(), ticket=found, settings=get_settings(), now=utcnow())
    )


@bp.post("/tickets/<ref>/requalify")
def requalify_ticket(ref: str):
    """Move a ticket to another queue as the caller's decision."""
    body = parse(Requalify, json_object())
    found = _ticket_or_404(ref)
    identity = api_identity()
    if not can_requalify(identity, found):
        raise ApiError(403, "agents requalify tickets of their own queue or unassigned ones")
    session = get_session()
    try:
        found = requalify(
            session=session,
            settings=get_settings(),
            ticket=found,
            team=body.team,
            actor=identity.login,
            comment=body.comment,
        )
    except UnknownTeam as exc:
        session.rollback()
        raise ApiError(400, str(exc), "unknown_team") from exc
    return jsonify(
        ticket_detail(session=session, ticket=found, settings=get_settings(), now=utcnow())
    )


@bp.get("/stats")
def stats():
    """The backlog table, as ``triage stats --json``."""
    since = parse(StatsQuery, request.args.to_dict()).since
    return jsonify(backlog_for_app(session=get_session(), settings=get_settings(), since=since))


@bp.post("/classify")
def classify():
    """One ``triage classify`` line for a title and description, with its explanation."""
    body = parse(ClassifyRequest, json_object())
    try:
        result = classify_text(
            settings=get_settings(), title=body.title, description=body.description, explain=True
        )
    except Exception as exc:  # noqa: BLE001 - e.g. no model trained yet
        log.exception("classify failed")
        raise ApiError(503, f"the classifier failed: {exc}", "unavailable") from exc
    result = dict(result)
    result["id"] = body.id
    result.setdefault("explanation", [])
    result["explanation"] = [list(pair) for pair in result["explanation"]]
    return jsonify(result)
