"""Tickets that leave the backlog in iTop: moved to another service, or deleted.

iTop's incremental query filters on the service, so a ticket moved to another service simply
stops appearing, and a deleted one leaves no trace a REST profile can always read (the
change log, ``CMDBChangeOpDelete``, needs an administrator's rights). So each poll re-checks
by id (``id IN (...)``, in batches of ``RECHECK_BATCH``) the open tickets triage still
counts: an id iTop no longer knows was deleted; one of another service left. Either leaves
the backlog, the queues and the escalation check (``gone``), keeps its page and history,
and gets a TicketEvent saying why. Cheap when nothing changed: one small call per batch.
"""

import logging

from sqlmodel import Session, select

from connectors.itop import ItopClient
from triage.config import Settings
from triage.models import Ticket, TicketEvent, in_backlog, utcnow
from triage.services import figures

log = logging.getLogger(__name__)

RECHECK_BATCH = 1000
RECHECK_FIELDS = "id,service_name,last_update"
LABELS = {
    "left_service": "déplacé dans iTop vers un autre service",
    "deleted": "supprimé dans iTop",
    "back": "revenu dans le service dans iTop",
}


def recheck(*, session: Session, settings: Settings, client: ItopClient) -> dict[str, int]:
    """Mark the open tickets that left the service or were deleted in iTop; counts by kind."""
    ids = list(
        session.exec(
            select(Ticket.itop_id)
            .where(in_backlog(settings.itop_service), Ticket.is_open)
            .order_by(Ticket.itop_id)
        )
    )
    counts = {"left_service": 0, "deleted": 0}
    for start in range(0, len(ids), RECHECK_BATCH):
        gone = _gone_of(client, settings, ids[start : start + RECHECK_BATCH])
        for ticket in session.exec(select(Ticket).where(Ticket.itop_id.in_(list(gone)))):
            kind, service = gone[ticket.itop_id]
            mark_gone(session=session, ticket=ticket, kind=kind, service=service)
            counts[kind] += 1
        session.commit()
    return counts


def _gone_of(client: ItopClient, settings: Settings, batch: list[int]) -> dict:
    """{itop id: (kind, new service)} for the ids of ``batch`` that left or were deleted."""
    found = client.get_by_ids("UserRequest", batch, output_fields=RECHECK_FIELDS, batch=len(batch))
    gone = {}
    for itop_id in batch:
        obj = found.get(itop_id)
        if obj is None:
            gone[itop_id] = ("deleted", "")
        elif (obj.fields.get("service_name") or "") != settings.itop_service:
            gone[itop_id] = ("left_service", str(obj.fields.get("service_name") or ""))
    return gone


def mark_gone(*, session: Session, ticket: Ticket, kind: str, service: str = "") -> None:
    """Take a ticket out of the backlog (``kind``: left_service or deleted), with an event."""
    ticket.gone, ticket.gone_at = kind, utcnow()
    if not ticket.is_open:
        figures.invalidate(session=session)
    detail = LABELS[kind]
    if service:
        ticket.service = service[:255]
        detail += f" : « {service} »"
    session.add(ticket)
    session.add(TicketEvent(ticket_id=ticket.id, kind=kind, actor="itop", detail=detail))
    log.info("ticket %s %s", ticket.ref, detail)


def came_back(*, session: Session, ticket: Ticket) -> None:
    """A ticket seen again in the service: tracked again, with an event."""
    session.add(TicketEvent(ticket_id=ticket.id, kind="back", actor="itop", detail=LABELS["back"]))
    ticket.gone, ticket.gone_at = None, None
    if not ticket.is_open:
        figures.invalidate(session=session)
    session.add(ticket)
    log.info("ticket %s back in the service", ticket.ref)
