"""One error shape for the API (`{"error", "message"}`); elsewhere the French pages of
``triage.web.errors``. The handlers are app-wide: 404/405 happen before any blueprint."""

import logging

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from triage.db import DATABASE_ERRORS, RETRY_AFTER_SECONDS
from triage.web.errors import (
    database_down_page,
    french_message,
    html_error,
    secret_key_page,
)

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/healthz")


class ApiError(Exception):
    """An error a view raises to answer with a given status and message."""

    def __init__(self, status: int, message: str, error: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIXES)


def error_response(status: int, message: str, error: str | None = None):
    """The JSON error body with its status (and WWW-Authenticate on 401)."""
    name = error or _reason(status)
    response = jsonify({"error": name, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="triage"'
    return response


def _reason(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error").lower().replace(" ", "_")


def _identified() -> bool:
    from triage.auth import api_identity

    try:
        return api_identity() is not None
    except Exception:  # noqa: BLE001 - e.g. the database is down: stay on the first error
        return True


def handle_http_error(exc: HTTPException):
    """HTTP errors: JSON under /api and /healthz, a French page elsewhere."""
    status = exc.code or 500
    if _is_api_request():
        if status in (404, 405) and request.path.startswith("/api/") and not _identified():
            # unknown routes answer 401 too: anonymous callers learn nothing of the API
            return error_response(401, "authentication required: Authorization: Bearer <token>")
        response = error_response(status, exc.description or _reason(status))
        if status == 405 and exc.get_headers():
            allow = dict(exc.get_headers()).get("Allow")
            if allow:
                response.headers["Allow"] = allow
        return response
    custom = exc.description and exc.description != type(exc).description
    return html_error(status, exc.description if custom else french_message(status))


def handle_api_error(exc: ApiError):
    """Errors raised by the views on purpose."""
    if _is_api_request():
        return error_response(exc.status, exc.message, exc.error)
    return html_error(exc.status, exc.message)


def handle_unexpected(exc: Exception):
    """Anything else is a 500, logged with its traceback, never shown to the caller."""
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    if _is_api_request():
        return error_response(500, "internal error; it has been logged")
    return html_error(500, french_message(500))


def handle_database_down(exc: Exception):
    """The database does not answer: 503 with Retry-After (JSON, or the French page); the
    driver's error (host, port) goes to the log only."""
    log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
    if _is_api_request():
        response = error_response(
            503, "the database does not answer; try again later", "database_unavailable"
        )
    else:
        body, status = database_down_page()
        response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def handle_secret_key_missing(exc: Exception):
    """No secret key (``triage.auth``): 503, in JSON under /api and /healthz, else a page."""
    if _is_api_request():
        return error_response(503, str(exc), "secret_key_missing")
    return secret_key_page(str(exc))


def init_app(app: Flask) -> None:
    """Register the handlers on the whole app (404/405 happen before any blueprint)."""
    from triage.auth import SecretKeyMissing

    app.register_error_handler(SecretKeyMissing, handle_secret_key_missing)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
    for error in DATABASE_ERRORS:
        app.register_error_handler(error, handle_database_down)
