"""The OpenAPI 3 description of /api/v1 (kept beside the routes; tests check they agree)."""

import datetime as dt
from typing import Any

from triage.models import QUEUES, ROUTABLE_TEAMS, TEAM_SOURCES, TEAMS
from triage.services.listing import DEFAULT_PER_PAGE, MAX_PER_PAGE, SORTS, STATES, cursor_of


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
CURSOR_EXAMPLE = cursor_of(dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC), 1)
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
QUEUE_ROW = {
    "type": "object",
    "required": ["total", *QUEUES],
    "properties": {"total": INT, **{q: INT for q in QUEUES}},
}


def _obj(properties: dict, required: list | None = None) -> dict:
    return {"type": "object", "required": required or list(properties), "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": STR, "message": STR}),
    "Ticket": _obj(
        {
            "ref": STR,
            "itop_id": INT,
            "title": STR,
            "description": {**STR, "description": "plain text"},
            "status": {**STR, "description": "iTop status"},
            "open": BOOL,
            "team": {"type": "string", "enum": list(QUEUES)},
            "team_source": _nullable({"type": "string", "enum": list(TEAM_SOURCES)}),
            "prefix": _nullable(STR),
            "confidence": _nullable(NUM),
            "needs_review": BOOL,
            "requalify_suggested": BOOL,
            "created_at": TIME,
            "updated_at": TIME,
            "age_days": {**NUM, "description": "days since creation in iTop"},
            "overdue": BOOL,
            "escalated_at": _nullable(TIME),
            "organization": STR,
            "caller": STR,
        }
    ),
    "Decision": _obj(
        {
            "at": TIME,
            "actor": STR,
            "source": STR,
            "from_team": _nullable(STR),
            "to_team": STR,
            "confidence": _nullable(NUM),
            "reason": STR,
            "model_version": _nullable(STR),
        }
    ),
    "Escalation": _obj(
        {
            "level": {"type": "string", "enum": ["warning", "national"]},
            "created_at": TIME,
            "team": STR,
            "rule": STR,
            "threshold_days": INT,
            "age_days": NUM,
        }
    ),
    "TicketDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/Ticket"},
            _obj(
                {
                    "history": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Decision"},
                    },
                    "escalations": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Escalation"},
                    },
                }
            ),
        ]
    },
    "TicketPage": _obj(
        {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Ticket"}},
            "total": INT,
            "page": INT,
            "per_page": INT,
            "total_exact": {
                "type": "boolean",
                "description": "false: more than 10,000 match; total is a lower bound",
            },
            "next": _nullable({"type": "string", "description": "cursor of the next page"}),
        }
    ),
    "Requalify": _obj(
        {"team": {"type": "string", "enum": list(TEAMS)}, "comment": {**STR, "maxLength": 2000}},
        required=["team"],
    ),
    "Stats": _obj(
        {
            "as_of": TIME,
            "since": _nullable({"type": "string", "format": "date"}),
            "threshold_days": INT,
            "all": QUEUE_ROW,
            "open": QUEUE_ROW,
            "open_over_threshold": QUEUE_ROW,
        }
    ),
    "ClassifyRequest": _obj(
        {"id": {"description": "anything, echoed back"}, "title": STR, "description": STR},
        required=[],
    ),
    "Classification": _obj(
        {
            "id": {"description": "the request's id, or null", "nullable": True},
            "team": _nullable({"type": "string", "enum": list(ROUTABLE_TEAMS)}),
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "prefix": _nullable({"type": "string", "enum": list(ROUTABLE_TEAMS)}),
            "requalify": BOOL,
            "source": {"type": "string", "enum": ["prefix", "model", "prefix+model"]},
            "explanation": {
                "type": "array",
                "description": "[term, weight] pairs",
                "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {}},
            },
        }
    ),
}


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


AUTH_ERRORS = {"401": _error("no valid token or session"), "500": _error("internal error")}
REF = _param("ref", STR, "iTop reference, e.g. R-000123", "path")

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
            "parameters": [
                _param("team", {"type": "string", "enum": list(QUEUES)}, "queue"),
                _param(
                    "state",
                    {"type": "string", "enum": list(STATES), "default": "open"},
                    "open, closed or all",
                ),
                _param("overdue", BOOL, "only open tickets past the escalation threshold"),
                _param("needs_review", BOOL, "only tickets the router left to a human"),
                _param(
                    "q",
                    STR,
                    "text in the ref, title, description, establishment or caller "
                    "(accents and case ignored)",
                ),
                _param(
                    "after",
                    {**STR, "example": CURSOR_EXAMPLE},
                    "keyset cursor (a page's next): the page after it, instead of page",
                ),
                _param("page", {"type": "integer", "minimum": 1, "default": 1}, "page number"),
                _param(
                    "per_page",
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_PER_PAGE,
                        "default": DEFAULT_PER_PAGE,
                    },
                    "page size",
                ),
                _param(
                    "sort",
                    {"type": "string", "enum": list(SORTS), "default": "oldest"},
                    "by creation date",
                ),
            ],
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
                "400": _error("unknown team or bad body"),
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
            "parameters": [
                _param(
                    "since",
                    {"type": "string", "format": "date"},
                    "only tickets created on or after this day",
                )
            ],
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
                "400": _error("bad body"),
                "503": _error("no model available"),
                **AUTH_ERRORS,
            },
        }
    },
}


def openapi_document() -> dict:
    """The whole OpenAPI 3 document."""
    return {
        "openapi": "3.0.3",
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
            "schemas": SCHEMAS,
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
