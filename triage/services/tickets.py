"""Tickets as the API and the pages show them: detail and JSON shape (listings: listing.py)."""

import datetime as dt
import logging
from typing import Any

from sqlmodel import Session, select

from triage.config import Settings
from triage.models import Escalation, Ticket, TicketEvent
from triage.services.ages import escalation_due, overdue_before, settings_age_days
from triage.services.history import history, team_durations  # noqa: F401 (the views' doors)
from triage.services.listing import (  # noqa: F401 (the views' doors)
    COUNT_CAP,
    TRIAGE_TAB,
    InvalidQuery,
    TicketPage,
    TicketQuery,
    count_matching,
    last_ticket_id,
    list_tickets,
    parse_query,
    queue_counts,
    search_condition,
    soon_overdue_conditions,
    soon_overdue_count,
    ticket_page,
)

log = logging.getLogger(__name__)


def get_ticket(*, session: Session, ref: str) -> Ticket | None:
    """The ticket with this iTop reference, or None."""
    if "\x00" in ref:  # no stored text holds NUL (PostgreSQL refuses it in a query)
        return None
    return session.exec(select(Ticket).where(Ticket.ref == ref)).first()


def iso(value: dt.datetime | None, settings: Settings) -> str | None:
    """A time in ISO 8601 with its offset, in iTop's time zone."""
    if value is None:
        return None
    return value.astimezone(settings.tz).isoformat(timespec="seconds")


def ticket_age(ticket: Ticket, *, settings: Settings, now: dt.datetime) -> float:
    """The ticket's age in days (calendar or working days, per the settings)."""
    return settings_age_days(ticket.created_at, now, settings)


def is_overdue(ticket: Ticket, *, settings: Settings, now: dt.datetime) -> bool:
    """Open and older than the escalation threshold (the same rule as the backlog table)."""
    return bool(ticket.is_open and ticket.created_at < overdue_before(now, settings))


def ticket_to_dict(ticket: Ticket, *, settings: Settings, now: dt.datetime) -> dict[str, Any]:
    """The ticket shape of interfaces.md."""
    return {
        "ref": ticket.ref,
        "itop_id": ticket.itop_id,
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "open": bool(ticket.is_open),
        "team": ticket.team,
        "team_source": ticket.team_source,
        "prefix": ticket.prefix,
        "confidence": ticket.confidence,
        "needs_review": bool(ticket.needs_review),
        "requalify_suggested": bool(ticket.requalify_suggested),
        "created_at": iso(ticket.created_at, settings),
        "updated_at": iso(ticket.updated_at, settings),
        "age_days": round(ticket_age(ticket, settings=settings, now=now), 1),
        "overdue": is_overdue(ticket, settings=settings, now=now),
        "escalated_at": iso(ticket.escalated_at, settings),
        "organization": ticket.organization,
        "caller": ticket.caller,
        "gone": ticket.gone,
        "itop_url": settings.itop_ticket_url(ticket.itop_id),
        "agent": ticket.agent,
        "escalation_due_at": iso(_due(ticket, settings), settings),
    }


# the columns a queue row reads (``ticket_page(columns=...)``): id and created_at for the cursor
QUEUE_COLUMNS = (
    "id", "ref", "itop_id", "title", "requalify_suggested", "needs_review", "organization",
    "team", "team_source", "confidence", "status", "agent", "escalated_at", "created_at",
    "is_open", "gone",
)


def queue_row(ticket: Ticket, *, settings: Settings, now: dt.datetime) -> dict[str, Any]:
    """What a queue row shows besides the ticket's columns: its age in days and, open and not
    escalated, when it will be (the part of ``ticket_to_dict`` a row needs)."""
    age = round(ticket_age(ticket, settings=settings, now=now), 1)
    return {"age_days": age, "escalation_due_at": _due(ticket, settings)}


def _due(ticket: Ticket, settings: Settings) -> dt.datetime | None:
    """When an open ticket not yet escalated becomes overdue; None for the others."""
    if not ticket.is_open or ticket.escalated_at is not None or ticket.gone is not None:
        return None
    return escalation_due(ticket.created_at, settings)


def escalations(*, session: Session, ticket: Ticket) -> list[Escalation]:
    """The ticket's warnings and escalations, oldest first."""
    return list(
        session.exec(
            select(Escalation)
            .where(Escalation.ticket_id == ticket.id)
            .order_by(Escalation.created_at, Escalation.id)
        )
    )


def ticket_detail(
    *, session: Session, ticket: Ticket, settings: Settings, now: dt.datetime
) -> dict:
    """The ticket shape plus its routing history and escalations."""
    data = ticket_to_dict(ticket, settings=settings, now=now)
    data["caller_email"], data["caller_phone"] = ticket.caller_email, ticket.caller_phone
    data["history"] = [
        {
            "at": iso(d.at, settings),
            "actor": d.actor,
            "source": d.source,
            "from_team": d.from_team,
            "to_team": d.to_team,
            "confidence": d.confidence,
            "reason": d.reason,
            "model_version": d.model_version,
        }
        for d in history(session=session, ticket=ticket)
    ]
    data["escalations"] = [
        {
            "level": e.level,
            "created_at": iso(e.created_at, settings),
            "team": e.team,
            "rule": e.rule,
            "threshold_days": e.threshold_days,
            "age_days": e.age_days,
        }
        for e in escalations(session=session, ticket=ticket)
    ]
    data["events"] = [
        {"at": iso(e.at, settings), "kind": e.kind, "actor": e.actor, "detail": e.detail}
        for e in events(session=session, ticket=ticket)
    ]
    return data


def events(*, session: Session, ticket: Ticket) -> list[TicketEvent]:
    """What happened to the ticket besides team decisions (left, back, conflicts), oldest first."""
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    return list(session.exec(query.order_by(TicketEvent.at, TicketEvent.id)))
