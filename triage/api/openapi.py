"""The OpenAPI 3.1 description of /api/v1: the operations here, every schema and query
parameter generated from the models that validate them (``triage.api.schemas``)."""

from typing import Any

from triage.api.openapi_desk import desk_paths
from triage.api.schemas import StatsQuery, TicketsQuery, components, query_parameters


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(schema: str, description: str = "OK") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _param(name: str, schema: dict, description: str, where: str = "query") -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
    }


def _body(schema: str) -> dict:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


AUTH_ERRORS = {
    "401": _error("no valid token or session"),
    "500": _error("internal error"),
    "503": _error("the database does not answer (Retry-After says when to try again)"),
}
BODY_ERRORS = {
    "400": _error("bad body: not JSON, nested too deep, or a field breaking its schema"),
    "413": _error("body larger than TRIAGE_MAX_CONTENT_LENGTH"),
}
REF = _param("ref", {"type": "string"}, "iTop reference, e.g. R-000123", "path")

PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3 document"}, **AUTH_ERRORS},
        }
    },
    "/tickets": {
        "get": {
            "summary": "Tickets, filtered and paginated (oldest first by default)",
            "operationId": "listTickets",
            "parameters": query_parameters(TicketsQuery),
            "responses": {"200": _ok("TicketPage"), "400": _error("bad parameter"), **AUTH_ERRORS},
        }
    },
    "/tickets/{ref}": {
        "get": {
            "summary": "One ticket with its routing and escalation history",
            "operationId": "getTicket",
            "parameters": [REF],
            "responses": {
                "200": _ok("TicketDetail"),
                "404": _error("no such ticket"),
                **AUTH_ERRORS,
            },
        }
    },
    "/tickets/{ref}/requalify": {
        "post": {
            "summary": "Move a ticket to another queue (recorded as the caller's decision)",
            "operationId": "requalifyTicket",
            "parameters": [REF],
            "requestBody": _body("Requalify"),
            "responses": {
                "200": _ok("TicketDetail", "the ticket after the move"),
                **BODY_ERRORS,
                "403": _error("agents: only their queue or unassigned tickets"),
                "404": _error("no such ticket"),
                **AUTH_ERRORS,
            },
        }
    },
    "/stats": {
        "get": {
            "summary": "The backlog table (as `triage stats --json`)",
            "operationId": "getStats",
            "parameters": query_parameters(StatsQuery),
            "responses": {"200": _ok("Stats"), "400": _error("bad date"), **AUTH_ERRORS},
        }
    },
    "/classify": {
        "post": {
            "summary": "Classify a title and description (as `triage classify`), explained",
            "operationId": "classify",
            "requestBody": _body("ClassifyRequest"),
            "responses": {
                "200": _ok("Classification"),
                **BODY_ERRORS,
                **AUTH_ERRORS,
                "503": _error("no model available, or the database does not answer"),
            },
        }
    },
}


PATHS.update(desk_paths(error=_error, ok=_ok, param=_param, body=_body,
                        auth_errors=AUTH_ERRORS, body_errors=BODY_ERRORS, ref=REF))


def openapi_document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "triage API",
            "version": "1",
            "description": "Support-ticket triage for the Op@le assistance desk. Errors "
            'are always {"error", "message"}.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": PATHS,
        "components": {
            "schemas": components(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `triage create-token` or /admin",
                },
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "a signed-in browser; POST needs X-CSRFToken",
                },
            },
        },
    }
