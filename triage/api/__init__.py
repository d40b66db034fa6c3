"""The JSON API under /api/v1, and /healthz."""

from flask import Blueprint, Flask, jsonify

from triage.db import check_db

bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)


@health_bp.get("/healthz")
def healthz():
    """200 when the database answers."""
    try:
        check_db()
    except Exception as exc:  # noqa: BLE001 - any database failure is "not ok"
        return jsonify({"status": "error", "database": "down", "message": str(exc)}), 503
    return jsonify({"status": "ok", "database": "ok"})


def init_app(app: Flask) -> None:
    """Register the API blueprints."""
    from triage.api import routes  # noqa: F401  (attaches the routes to bp)

    app.register_blueprint(health_bp)
    app.register_blueprint(bp)
