"""The national hand-off: when the national level took an escalated ticket, when it solved it.

The sync records it (``record_handoffs``, called for every ticket it reads): a ticket of the
national queue with an agent assigned in iTop (not the first level's agent it kept when it
moved there) has been *taken* by the national level (at iTop's assignment date, else when the
sync saw it, never before its arrival in the queue); once taken, a ticket that is no longer
open has been *resolved* (at iTop's resolution date, else when the sync saw it). Each is one
TicketEvent (``national_taken``, ``national_resolved``), recorded once.

The response time runs from the ticket's arrival in the national queue (triage's escalation,
or the latest team decision to NATIONAL) to its taking; the resolution time, to its resolution.
"""

import datetime as dt
import statistics
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from triage.config import Settings
from triage.models import RoutingDecision, Team, Ticket, TicketEvent, in_backlog, utcnow

TAKEN, RESOLVED = "national_taken", "national_resolved"


def _known(session: Session, ids: list[int]) -> set[tuple[int, str]]:
    rows = session.exec(
        select(TicketEvent.ticket_id, TicketEvent.kind).where(
            TicketEvent.ticket_id.in_(ids), TicketEvent.kind.in_((TAKEN, RESOLVED))
        )
    )
    return {(ticket_id, kind) for ticket_id, kind in rows}


def agents_before(tickets: Iterable[Ticket]) -> dict[int, tuple[str, int | None]]:
    """Each known ticket's queue and iTop agent before a sync updates it."""
    return {t.id: (t.team, t.itop_agent_id) for t in tickets if t.id is not None}


def _taken_now(ticket: Ticket, before: dict[int, tuple[str, int | None]]) -> bool:
    """An agent holds the national ticket, and it is not the agent it had before it moved
    there (moving a ticket in iTop may keep the first level's agent)."""
    if not (ticket.itop_agent_id and ticket.agent):
        return False
    if ticket.id not in before:
        return True
    team, agent = before[ticket.id]
    return team == Team.NATIONAL or agent != ticket.itop_agent_id


def record_handoffs(
    *, session: Session, tickets: Iterable[Ticket], before: dict | None = None
) -> int:
    """Record the national level's taking and resolution of these tickets (once each);
    ``before``: ``agents_before`` of the known tickets, taken before the sync changed them."""
    before = before or {}
    tickets = [t for t in tickets if t.id is not None]
    candidates = [t for t in tickets if t.team == Team.NATIONAL]
    if not candidates:
        return 0
    known = _known(session, [t.id for t in candidates])
    taking = {t.id for t in candidates if (t.id, TAKEN) not in known and _taken_now(t, before)}
    arrived = _arrivals(session, list(taking)) if taking else {}  # the latest, each
    now, added = utcnow(), 0
    for ticket in candidates:
        taken = (ticket.id, TAKEN) in known
        if ticket.id in taking:
            arrival = arrived.get(ticket.id) or ticket.escalated_at
            at = max(ticket.assigned_at or now, arrival or ticket.created_at)
            detail = f"pris en charge au national par {ticket.agent}"
            session.add(
                TicketEvent(
                    ticket_id=ticket.id, at=at, kind=TAKEN, actor=ticket.agent, detail=detail
                )
            )
            taken, added = True, added + 1
        if taken and not ticket.is_open and (ticket.id, RESOLVED) not in known:
            detail = f"résolu au national (statut iTop : {ticket.status})"
            at = ticket.resolved_at or now
            actor = ticket.agent or "itop"
            session.add(
                TicketEvent(ticket_id=ticket.id, at=at, kind=RESOLVED, actor=actor, detail=detail)
            )
            added += 1
    return added


def _arrivals(session: Session, ids: list[int]) -> dict[int, dt.datetime]:
    arrivals: dict[int, dt.datetime] = {}
    rows = session.exec(
        select(RoutingDecision.ticket_id, RoutingDecision.at).where(
            RoutingDecision.ticket_id.in_(ids), RoutingDecision.to_team == Team.NATIONAL
        )
    )
    for ticket_id, at in rows:
        arrivals[ticket_id] = max(at, arrivals.get(ticket_id, at))
    return arrivals


def _summary(hours: list[float]) -> dict[str, Any]:
    if not hours:
        return {"count": 0, "median_hours": None, "mean_hours": None}
    return {
        "count": len(hours),
        "median_hours": round(statistics.median(hours), 1),
        "mean_hours": round(statistics.fmean(hours), 1),
    }


def national_times(*, session: Session, settings: Settings, period=None) -> dict[str, Any]:
    """Response and resolution times of the national level (tickets taken in the period)."""
    query = select(TicketEvent).where(TicketEvent.kind.in_((TAKEN, RESOLVED)))
    if period is not None:
        tz = settings.tz
        start = dt.datetime.combine(period.start, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        query = query.where(TicketEvent.at >= start, TicketEvent.at < end)
    events = list(session.exec(query))
    ids = sorted({e.ticket_id for e in events})
    arrivals = _arrivals(session, ids)
    escalated = {
        ticket_id: at
        for ticket_id, at in session.exec(
            select(Ticket.id, Ticket.escalated_at).where(Ticket.id.in_(ids))
        )
    }
    response, resolution = [], []
    for event in events:
        since = arrivals.get(event.ticket_id) or escalated.get(event.ticket_id)
        if since is None or event.at < since:
            continue
        hours = (event.at - since).total_seconds() / 3600
        (response if event.kind == TAKEN else resolution).append(hours)
    waiting = session.exec(
        select(Ticket.id).where(
            in_backlog(settings.itop_service), Ticket.team == Team.NATIONAL, Ticket.is_open
        )
    ).all()
    taken = set(session.exec(select(TicketEvent.ticket_id).where(TicketEvent.kind == TAKEN)))
    return {
        "response": _summary(response),
        "resolution": _summary(resolution),
        "waiting": sum(1 for ticket_id in waiting if ticket_id not in taken),
    }


def handoff_of(*, session: Session, ticket: Ticket) -> dict[str, TicketEvent | None]:
    """The ticket's national taking and resolution events (None when not yet)."""
    rows = session.exec(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_((TAKEN, RESOLVED))
        )
    ).all()
    found = {row.kind: row for row in rows}
    return {"taken": found.get(TAKEN), "resolved": found.get(RESOLVED)}
