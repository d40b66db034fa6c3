"""The agent's desk on the pages: "je prends", undo, bulk requalification from the queue."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from triage.config import get_settings
from triage.db import get_session
from triage.models import User
from triage.services import desk
from triage.services import tickets as ticket_service
from triage.services.teams import UnknownTeam
from triage.web.blueprint import bp
from triage.web.filters import TEAM_LABELS
from triage.web.views import _safe_next


def _ticket_or_404(ref: str):
    found = ticket_service.get_ticket(session=get_session(), ref=ref)
    if found is None:
        abort(404)
    return found


@bp.post("/tickets/<ref>/take")
def take_ticket(ref: str):
    """ "Je prends": the ticket is assigned to the signed-in user."""
    found, session = _ticket_or_404(ref), get_session()
    try:
        desk.take(
            session=session,
            settings=get_settings(),
            ticket=found,
            user=session.get(User, current_user.id),
        )
    except desk.DeskError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        flash(f"Vous avez pris le ticket {found.ref}.", "success")
    return redirect(url_for("web.ticket", ref=ref))


@bp.post("/tickets/<ref>/undo")
def undo_requalification(ref: str):
    """Undo one's own last requalification of the ticket."""
    found, session = _ticket_or_404(ref), get_session()
    try:
        desk.undo(session=session, settings=get_settings(), ticket=found, actor=current_user.login)
    except desk.DeskError as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        label = TEAM_LABELS.get(found.team, found.team)
        flash(f"Requalification annulée : {found.ref} est revenu en {label}.", "success")
    return redirect(url_for("web.ticket", ref=ref))


def _bulk_message(result: desk.BulkResult) -> tuple[str, str]:
    label = TEAM_LABELS.get(result.team, result.team)
    moved = len(result.moved)
    text = (
        f"{moved} ticket{'s' if moved > 1 else ''} requalifié{'s' if moved > 1 else ''} "
        f"vers {label}."
    )
    if result.refused:
        left = ", ".join(f"{r['ref']} ({r['message']})" for r in result.refused[:10])
        text += f" Non déplacés : {left}{' …' if len(result.refused) > 10 else ''}."
    return text, "success" if moved and not result.refused else ("info" if moved else "error")


@bp.post("/requalify")
def bulk_requalify():
    """The queue's bulk form: the ticked tickets go to one team."""
    session = get_session()
    try:
        result = desk.bulk_requalify(
            session=session,
            settings=get_settings(),
            refs=request.form.getlist("refs"),
            team=request.form.get("team", ""),
            user=current_user,
            comment=request.form.get("comment", ""),
        )
    except (desk.DeskError, UnknownTeam) as exc:
        session.rollback()
        message = str(exc) if isinstance(exc, desk.DeskError) else "Équipe inconnue."
        flash(f"Aucun ticket requalifié : {message}", "error")
    else:
        flash(*_bulk_message(result))
    return redirect(_safe_next(request.form.get("next")))
