"""API routes of the agent's desk: take a ticket, undo one's last requalification, bulk."""

from flask import jsonify

from triage.api.blueprints import bp
from triage.api.errors import ApiError
from triage.api.json_body import json_object
from triage.api.routes import _ticket_or_404
from triage.api.schemas import BulkRequalify, parse
from triage.auth import api_identity
from triage.config import get_settings
from triage.db import get_session
from triage.models import User, utcnow
from triage.services import desk
from triage.services.teams import UnknownTeam
from triage.services.tickets import ticket_detail

STATUS_OF = {"forbidden": 403, "nothing_to_undo": 409, "no_team": 409}


def _detail(ticket):
    return jsonify(
        ticket_detail(session=get_session(), ticket=ticket, settings=get_settings(), now=utcnow())
    )


def _fail(exc: desk.DeskError):
    get_session().rollback()
    return ApiError(STATUS_OF.get(exc.code, 400), str(exc), exc.code)


@bp.post("/tickets/<ref>/take")
def take_ticket(ref: str):
    """Assign the ticket to the caller ("je prends"), written back to iTop when on."""
    found = _ticket_or_404(ref)
    session = get_session()
    user = session.get(User, api_identity().id)
    try:
        found = desk.take(session=session, settings=get_settings(), ticket=found, user=user)
    except desk.DeskError as exc:
        raise _fail(exc) from exc
    return _detail(found)


@bp.post("/tickets/<ref>/undo")
def undo_requalification(ref: str):
    """Undo the caller's own last requalification of the ticket."""
    found = _ticket_or_404(ref)
    try:
        found = desk.undo(
            session=get_session(),
            settings=get_settings(),
            ticket=found,
            actor=api_identity().login,
        )
    except desk.DeskError as exc:
        raise _fail(exc) from exc
    return _detail(found)


@bp.post("/tickets/requalify")
def bulk_requalify():
    """Requalify several tickets to one team: ``{"refs": [...], "team", "comment"}``."""
    body = parse(BulkRequalify, json_object())
    try:
        result = desk.bulk_requalify(
            session=get_session(),
            settings=get_settings(),
            refs=body.refs,
            team=body.team,
            user=api_identity(),
            comment=body.comment,
        )
    except UnknownTeam as exc:
        get_session().rollback()
        raise ApiError(400, str(exc), "unknown_team") from exc
    except desk.DeskError as exc:
        raise _fail(exc) from exc
    return jsonify(result.as_dict())
