"""The French web pages."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the web blueprint."""
