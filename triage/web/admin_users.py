"""The admin page's account changes besides creation and activation."""

from flask import abort, flash, redirect, request, url_for

from triage.auth import role_required
from triage.db import get_session
from triage.models import User
from triage.services import users as user_service
from triage.web.blueprint import bp
from triage.web.filters import ROLE_LABELS


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


def _done(message: str):
    flash(message, "success")
    return redirect(url_for("web.admin"))


def _refused(exc: Exception):
    flash(f"Compte non modifié : {exc}", "error")
    return redirect(url_for("web.admin"))


@bp.post("/admin/users/<int:user_id>/role")
@role_required("admin")
def admin_set_role(user_id: int):
    """Change an account's role and team."""
    user = _user_or_404(user_id)
    try:
        user_service.set_role(
            session=get_session(),
            user=user,
            role=request.form.get("role", ""),
            team=request.form.get("team") or None,
        )
    except user_service.AccountError as exc:
        return _refused(exc)
    team = f", équipe {user.team}" if user.team else ""
    return _done(f"Compte {user.login} : {ROLE_LABELS.get(user.role, user.role)}{team}.")


@bp.post("/admin/users/<int:user_id>/password")
@role_required("admin")
def admin_reset_password(user_id: int):
    """Give an account a new password (and unlock it); the admin tells the user."""
    user = _user_or_404(user_id)
    try:
        user_service.set_password(
            session=get_session(), user=user, password=request.form.get("password", "")
        )
    except user_service.AccountError as exc:
        return _refused(exc)
    return _done(f"Nouveau mot de passe enregistré pour {user.login} : ses sessions sont "
                 "fermées, sa connexion débloquée.")


@bp.post("/admin/users/<int:user_id>/unlock")
@role_required("admin")
def admin_unlock(user_id: int):
    """Lift the sign-in throttling of an account, from every address."""
    user = _user_or_404(user_id)
    user_service.unlock(session=get_session(), user=user)
    return _done(f"Compte {user.login} débloqué : il peut se connecter de nouveau.")
