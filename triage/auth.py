"""Login (Flask-Login sessions), API tokens (Bearer), roles, CSRF, cookies and headers."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from triage.db import get_session

login_manager = LoginManager()
csrf = CSRFProtect()
ROLE_KEY = "triage_role"  # the role at sign-in, in the signed cookie (see admin_in_cookie)
VERSION_KEY = "triage_sv"  # the user's session_version at sign-in; checked on each request

# No inline script or style anywhere: templates load /static files only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class Principal:
    """Who is signed in: a detached copy of the User row (safe across sessions)."""

    id: int
    login: str
    role: str
    team: str | None
    via_token: bool = False

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """Flask-Login's identifier in the session cookie."""
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        """Admins manage users, tokens and the model."""
        return self.role == "admin"

    @property
    def is_supervisor(self) -> bool:
        """Supervisors and admins act on every queue."""
        return self.role in ("supervisor", "admin")


def principal_for(user, *, via_token: bool = False) -> Principal:
    """A Principal from a User row."""
    return Principal(
        id=user.id, login=user.login, role=user.role, team=user.team, via_token=via_token
    )


@login_manager.user_loader
def _load_user(user_id: str) -> Principal | None:
    from triage.models import User

    try:
        user = get_session().get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.active:
        return None
    if session.get(VERSION_KEY) != user.session_version:
        return None  # the user signed out, or changed password, since this cookie was made
    return principal_for(user)


def sign_in(user) -> None:
    """Start a fresh session (no fixation) for ``user``, at its current session version."""
    session.clear()
    login_user(principal_for(user))
    session[ROLE_KEY] = user.role
    session[VERSION_KEY] = user.session_version


def sign_out() -> None:
    """End this session and every other session of the same user (a copied cookie too)."""
    from triage.models import User
    from triage.services.users import end_sessions

    if current_user.is_authenticated:
        user = get_session().get(User, current_user.id)
        if user is not None:
            end_sessions(session=get_session(), user=user)
    logout_user()
    session.clear()


def admin_in_cookie() -> bool:
    """Whether the signed session cookie is an admin's, read without the database (which
    may be down: /healthz shows an admin the driver's error, nobody else)."""
    return bool(session.get("_user_id")) and session.get(ROLE_KEY) == "admin"


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, "" when malformed, None when absent."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def api_identity() -> Principal | None:
    """The API caller: a Bearer token when one is sent (it alone counts), else the session."""
    if "triage.identity" in request.environ:
        return request.environ["triage.identity"]
    token = bearer_token()
    if token is not None:
        from triage.services.users import user_for_token

        user = user_for_token(session=get_session(), token=token) if token else None
        identity = principal_for(user, via_token=True) if user else None
    else:
        identity = current_user if current_user.is_authenticated else None
    request.environ["triage.identity"] = identity
    return identity


def role_required(*roles: str) -> Callable:
    """A page or API view that only some roles may use: 403 for the others."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            identity = api_identity() if request.blueprint == "api" else current_user
            if identity is None or not identity.is_authenticated:
                abort(401)
            if identity.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def client_ip() -> str:
    """The caller's address (behind a proxy, configure ProxyFix so this is the real one)."""
    return request.remote_addr or "unknown"


def _forget_cached_user() -> None:
    """A request's user is found anew (``g`` outlives a request when a test holds the app
    context; in production each request has its own)."""
    g.pop("_login_user", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    signed_in = bool(session.get("_user_id"))  # the cookie: the database may be down (503)
    if response.mimetype == "text/html" and (signed_in or response.status_code >= 500):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


SECRET_KEY_MISSING = (
    "triage n'a pas de clé secrète pour signer les sessions : lancez `triage init-db` "
    "(qui crée instance/secret_key) ou définissez TRIAGE_SECRET_KEY, puis redémarrez."
)


class SecretKeyMissing(Exception):
    """No secret key: no session can be signed, so no request is served (api.errors: 503)."""


def _require_secret_key():
    """No secret key, no session: every request gets this clear error, not a broken page."""
    if current_app.secret_key or request.endpoint == "web.static":
        return None
    raise SecretKeyMissing(SECRET_KEY_MISSING)


def init_app(app: Flask) -> None:
    """Wire sessions, CSRF, cookie flags and security headers into the app."""
    app.before_request(_require_secret_key)  # first: CSRF checks need a session
    # Flask's defaults hold these keys already (SameSite None): set them unless configured
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    login_manager.login_view = "web.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(_forget_cached_user)
    app.after_request(_security_headers)
