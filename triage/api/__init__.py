"""The JSON API under /api/v1, and /healthz."""

from flask import Flask, request

from triage.api.blueprints import bp, health_bp


@bp.before_request
def _authenticate():
    """Every API route needs a Bearer token or a signed-in session; sessions also need CSRF."""
    from flask import current_app

    from triage.api.errors import ApiError
    from triage.auth import api_identity, csrf

    identity = api_identity()
    if identity is None:
        raise ApiError(401, "authentication required: Authorization: Bearer <token>")
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and not identity.via_token and current_app.config.get("WTF_CSRF_ENABLED", True):
        # a browser session is a cookie: a forged cross-site POST must carry no valid token
        csrf.protect()


def init_app(app: Flask) -> None:
    """Register the API blueprints and the error handlers."""
    from triage.api import desk, errors, health, routes  # noqa: F401  (attach the routes)
    from triage.api.json_body import LimitedJSONProvider
    from triage.auth import csrf

    app.json = LimitedJSONProvider(app)  # request bodies nested too deep: 400, not 500

    csrf.exempt(bp)
    errors.init_app(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(bp)
