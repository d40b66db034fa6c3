"""Login, roles and API tokens (to be built by the web/API issue)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire authentication into the app."""
