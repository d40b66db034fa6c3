"""The OpenAPI operations of the agent's desk routes (take, undo, bulk requalification);
their schemas come from ``triage.api.schemas`` like every other."""

from collections.abc import Callable
from typing import Any


def desk_paths(*, error: Callable, ok: Callable, param: Callable, body: Callable,
               auth_errors: dict, body_errors: dict, ref: dict) -> dict[str, Any]:
    """The desk's paths, built with the document's own response helpers."""
    return {
        "/tickets/{ref}/take": {
            "post": {
                "summary": "Take the ticket: assigned to the caller (and the caller's iTop person)",
                "operationId": "takeTicket",
                "parameters": [ref],
                "responses": {
                    "200": ok("TicketDetail", "the ticket, taken"),
                    "403": error("agents: only their queue or unassigned tickets, open ones"),
                    "404": error("no such ticket"),
                    "409": error("the ticket has no team and the caller none either"),
                    **auth_errors,
                },
            }
        },
        "/tickets/{ref}/undo": {
            "post": {
                "summary": "Undo the caller's own last requalification of the ticket",
                "operationId": "undoRequalification",
                "parameters": [ref],
                "responses": {
                    "200": ok("TicketDetail", "the ticket, back where it was"),
                    "404": error("no such ticket"),
                    "409": error("the last decision is not the caller's requalification"),
                    **auth_errors,
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
                    **body_errors,
                    **auth_errors,
                },
            }
        },
    }
