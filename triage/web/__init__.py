"""The French web pages: the queue, a ticket, the dashboard, the admin page."""

from flask import Flask, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from triage.web.blueprint import bp

PUBLIC_ENDPOINTS = {"web.login", "web.static"}


@bp.before_request
def _require_login():
    """Every page but /login and static files needs a signed-in user."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    from triage.auth import login_manager

    return login_manager.unauthorized()


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    """A form sent without its CSRF token or with an expired one: a French page (Flask-WTF's
    own messages are English); the API answers its JSON errors itself."""
    message = "Le formulaire a expiré ou ne vient pas de cette page : rechargez-la et recommencez."
    return render_template("error.html", status=400, message=message), 400


def init_app(app: Flask) -> None:
    """Register the web blueprint and its template helpers."""
    from triage.web import (  # noqa: F401  (attach the routes)
        account,
        admin,
        admin_users,
        desk,
        filters,
        intake,
        live,
        report,
        schools,
        stats,
        views,
    )

    filters.init_app(app)
    app.register_blueprint(bp)
