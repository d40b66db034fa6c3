"""The OpenAPI operations of the agent's desk routes (take, undo, bulk requalification);
their schemas come from ``triage.api.schemas`` like every other."""

from typing import Any

from triage.api.openapi_parts import AUTH_ERRORS, BODY_ERRORS, REF, body, error, ok

DESK_PATHS: dict[str, Any] = {
    "/tickets/{ref}/take": {
        "post": {
            "summary": "Take the ticket: assigned to the caller (and the caller's iTop person)",
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
                **BODY_ERRORS,
                **AUTH_ERRORS,
            },
        }
    },
}
