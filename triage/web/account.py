"""The signed-in user's own account: change one's password."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from triage.db import get_session
from triage.models import User
from triage.services import users as user_service
from triage.web.blueprint import bp


@bp.route("/compte", methods=["GET", "POST"])
def account():
    """The account page; POST changes the password (current one, new one twice)."""
    if request.method == "GET":
        return render_template("account.html")
    form = request.form
    if form.get("new", "") != form.get("confirm", ""):
        flash("Les deux nouveaux mots de passe diffèrent.", "error")
        return render_template("account.html"), 400
    session = get_session()
    try:
        user_service.change_own_password(
            session=session,
            user=session.get(User, current_user.id),
            current=form.get("current", ""),
            new=form.get("new", ""),
        )
    except user_service.AccountError as exc:
        flash(f"Mot de passe inchangé : {exc}.", "error")
        return render_template("account.html"), 400
    flash("Votre mot de passe a été changé.", "success")
    return redirect(url_for("web.account"))
