"""The admin page's account changes besides creation and activation."""

from flask import abort, flash, redirect, request, url_for

from triage.auth import role_required
from triage.db import get_session
from triage.models import User
from triage.services import users as user_service
from triage.web.blueprint import bp


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/admin/users/<int:user_id>/itop-person")
@role_required("admin")
def admin_set_itop_person(user_id: int):
    """Set (or clear, when empty) the iTop Person a user is."""
    user = _user_or_404(user_id)
    text = request.form.get("itop_person_id", "").strip()
    if text and not text.isdigit():
        flash("La personne iTop est un identifiant numérique (ex. 12).", "error")
        return redirect(url_for("web.admin"))
    try:
        user_service.set_itop_person(
            session=get_session(), user=user, person_id=int(text) if text else None
        )
    except user_service.AccountError as exc:
        flash(f"Compte non modifié : {exc}", "error")
        return redirect(url_for("web.admin"))
    what = f"la personne iTop n° {text}" if text else "aucune personne iTop"
    flash(f"Compte {user.login} : {what}.", "success")
    return redirect(url_for("web.admin"))
