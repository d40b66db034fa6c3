"""The OpenAPI 3.1 description of /api/v1: the operations here, every schema and query
parameter generated from the models that validate them (``triage.api.schemas``)."""

from typing import Any

from triage.api.openapi_desk import DESK_PATHS
from triage.api.openapi_parts import AUTH_ERRORS, BODY_ERRORS, REF, body, error, ok
from triage.api.schemas import StatsQuery, TicketsQuery, components, query_parameters

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
            "responses": {"200": ok("TicketPage"), "400": error("bad parameter"), **AUTH_ERRORS},
        }
    },
    "/tickets/{ref}": {
        "get": {
            "summary": "One ticket with its routing and escalation history",
            "operationId": "getTicket",
            "parameters": [REF],
            "responses": {
                "200": ok("TicketDetail"),
                "404": error("no such ticket"),
                **AUTH_ERRORS,
            },
        }
    },
    "/tickets/{ref}/requalify": {
        "post": {
            "summary": "Move a ticket to another queue (recorded as the caller's decision)",
            "operationId": "requalifyTicket",
            "parameters": [REF],
            "requestBody": body("Requalify"),
            "responses": {
                "200": ok("TicketDetail", "the ticket after the move"),
                **BODY_ERRORS,
                "403": error("agents: only their queue or unassigned tickets"),
                "404": error("no such ticket"),
                **AUTH_ERRORS,
            },
        }
    },
    "/stats": {
        "get": {
            "summary": "The backlog table (as `triage stats --json`)",
            "operationId": "getStats",
            "parameters": query_parameters(StatsQuery),
            "responses": {"200": ok("Stats"), "400": error("bad date"), **AUTH_ERRORS},
        }
    },
    "/classify": {
        "post": {
            "summary": "Classify a title and description (as `triage classify`), explained",
            "operationId": "classify",
            "requestBody": body("ClassifyRequest"),
            "responses": {
                "200": ok("Classification"),
                **BODY_ERRORS,
                **AUTH_ERRORS,
                "503": error("no model available, or the database does not answer"),
            },
        }
    },
}


PATHS.update(DESK_PATHS)


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
