"""The pages' blueprint, apart so that the modules attaching views import it, not the package."""

from flask import Blueprint

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)
