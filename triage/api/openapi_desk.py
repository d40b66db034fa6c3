"""The OpenAPI description of the agent's desk routes (take, undo, bulk requalification)."""

from typing import Any

from triage.api.openapi_parts import BOOL, STR, TIME, body, error, nullable, obj, ok, param
from triage.models import TEAMS

AUTH_ERRORS = {"401": error("no valid token or session"), "500": error("internal error")}
REF = param("ref", STR, "iTop reference, e.g. R-000123", "path")

DESK_TICKET_FIELDS = {
    "agent": {**STR, "description": "the agent in iTop (or who took it in triage), or empty"},
    "escalation_due_at": nullable(
        {**TIME, "description": "open, not escalated: when it becomes overdue"}
    ),
}
SOON_OVERDUE = param(
    "soon_overdue", BOOL, "only open tickets past the warning age, not yet overdue or escalated"
)
DESK_SCHEMAS: dict[str, Any] = {
    "BulkRequalify": obj(
        {
            "refs": {"type": "array", "items": STR, "minItems": 1, "maxItems": 200},
            "team": {"type": "string", "enum": list(TEAMS)},
            "comment": {**STR, "maxLength": 2000},
        },
        required=["refs", "team"],
    ),
    "BulkResult": obj(
        {
            "team": STR,
            "moved": {"type": "array", "items": STR},
            "refused": {
                "type": "array",
                "items": obj(
                    {
                        "ref": STR,
                        "error": {
                            "type": "string",
                            "enum": ["not_found", "forbidden", "unchanged"],
                        },
                        "message": STR,
                    }
                ),
            },
        }
    ),
}
DESK_PATHS: dict[str, Any] = {
    "/tickets/{ref}/take": {
        "post": {
            "summary": "Take the ticket: assigned to the caller (and to the caller's iTop person)",
            "operationId": "takeTicket",
            "parameters": [REF],
            "responses": {
                "200": ok("TicketDetail", "the ticket, taken"),
                "403": error("agents: only their queue or unassigned tickets, open ones"),
                "404": error("no such ticket"),
                "409": error("the ticket has no team and the caller none either"),
                **AUTH_ERRORS,
            },
        }
    },
    "/tickets/{ref}/undo": {
        "post": {
            "summary": "Undo the caller's own last requalification of the ticket",
            "operationId": "undoRequalification",
            "parameters": [REF],
            "responses": {
                "200": ok("TicketDetail", "the ticket, back where it was"),
                "404": error("no such ticket"),
                "409": error("the last decision is not the caller's requalification"),
                **AUTH_ERRORS,
            },
        }
    },
    "/tickets/requalify": {
        "post": {
            "summary": "Requalify several tickets to one team, in one transaction",
            "operationId": "bulkRequalify",
            "requestBody": body("BulkRequalify"),
            "responses": {
                "200": ok("BulkResult", "what moved, and what did not and why"),
                "400": error("unknown team, no ticket or too many"),
                **AUTH_ERRORS,
            },
        }
    },
}
