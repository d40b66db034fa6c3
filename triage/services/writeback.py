"""Write-back to iTop: decisions are queued in the database, then pushed (and retried)."""

from typing import Any

from sqlmodel import Session

from triage.models import ItopWrite, Ticket


def enqueue(
    *, session: Session, config: Any, ticket: Ticket, team: str | None = None, log_entry: str = ""
) -> ItopWrite | None:
    """Queue a team change and/or a private log entry for iTop, when write-back is on."""
    if not config.get("ITOP_WRITEBACK"):
        return None
    write = ItopWrite(ticket_id=ticket.id, itop_id=ticket.itop_id, team=team, log_entry=log_entry)
    session.add(write)
    return write
