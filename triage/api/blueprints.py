"""The API's blueprints, apart so that the modules attaching routes import them, not the package."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
health_bp = Blueprint("health", __name__)
