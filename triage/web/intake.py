"""The form "Saisir une demande reçue par téléphone / courriel / visio" (/demandes/saisir)."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from triage.config import get_settings
from triage.db import get_session
from triage.models import ROUTABLE_TEAMS
from triage.services import intake as intake_service
from triage.services import schools as school_service
from triage.web.blueprint import bp


def _render(form=None, errors=None, status: int = 200):
    session_db = get_session()
    return render_template(
        "intake.html",
        form=form or {},
        errors=errors or {},
        channels=intake_service.CHANNELS,
        teams=ROUTABLE_TEAMS,
        schools=school_service.list_schools(session=session_db),
        recent=intake_service.recent_intakes(session=session_db),
        writeback=get_settings().itop_writeback,
    ), status


@bp.get("/demandes/saisir")
def intake():
    """The form, and the latest requests entered with it."""
    return _render()


@bp.post("/demandes/saisir")
def intake_post():
    """Queue the request's creation in iTop; errors: the form again, nothing queued."""
    session_db = get_session()
    try:
        write = intake_service.queue_intake(
            session=session_db, settings=get_settings(), form=request.form,
            actor=current_user.login,
        )  # fmt: skip
    except intake_service.IntakeError as exc:
        session_db.rollback()
        return _render(form=request.form, errors=exc.errors, status=400)
    flash(
        f"Demande « {write.payload['title']} » mise en file : elle est créée dans iTop au "
        "prochain passage de l'écriture iTop, puis arrive dans triage à la synchronisation.",
        "success",
    )
    return redirect(url_for("web.intake"))
