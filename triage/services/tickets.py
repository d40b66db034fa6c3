"""Tickets as the API and the pages show them: listing (SQL filters), detail, JSON shape."""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import QUEUES, Escalation, Team, Ticket, TicketEvent, in_backlog, utcnow
from triage.services.ages import escalation_due, settings_age_days, settings_cutoff
from triage.services.history import history, team_durations  # noqa: F401 (the views' doors)

log = logging.getLogger(__name__)

STATES = ("open", "closed", "all")
SORTS = ("oldest", "newest")
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
TRIAGE_TAB = "TRIAGE"  # the "À trier" tab: unassigned or needs review


class InvalidQuery(ValueError):
    """A listing parameter that cannot be used."""


@dataclass(frozen=True)
class TicketQuery:
    """The filters of a listing, validated."""

    team: str | None = None  # a queue, or TRIAGE_TAB
    state: str = "open"
    overdue: bool = False
    needs_review: bool = False
    q: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "oldest"
    soon_overdue: bool = False  # open, warned (TRIAGE_WARNING_DAYS) but not yet overdue


def _flag(value: str | None, name: str) -> bool:
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise InvalidQuery(f"{name} must be true or false")


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidQuery(f"{name} must be an integer") from exc
    if not low <= number <= high:
        raise InvalidQuery(f"{name} must be between {low} and {high}")
    return number


def parse_query(args: Any, *, allow_triage_tab: bool = False) -> TicketQuery:
    """Read and check listing parameters (a request's args); raises InvalidQuery."""
    team = (args.get("team") or "").strip().upper() or None
    allowed = QUEUES + ((TRIAGE_TAB,) if allow_triage_tab else ())
    if team is not None and team not in allowed:
        raise InvalidQuery(f"team must be one of {', '.join(allowed)}")
    state = (args.get("state") or "open").strip().lower()
    if state not in STATES:
        raise InvalidQuery(f"state must be one of {', '.join(STATES)}")
    sort = (args.get("sort") or "oldest").strip().lower()
    if sort not in SORTS:
        raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}")
    return TicketQuery(
        team=team,
        state=state,
        overdue=_flag(args.get("overdue"), "overdue"),
        needs_review=_flag(args.get("needs_review"), "needs_review"),
        q=(args.get("q") or "").strip()[:200],
        page=_int(args.get("page"), "page", 1, 1, 1_000_000),
        per_page=_int(args.get("per_page"), "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        sort=sort,
        soon_overdue=_flag(args.get("soon_overdue"), "soon_overdue"),
    )


def _cutoff(settings: Settings, now: dt.datetime) -> dt.datetime:
    return settings_cutoff(now, settings.escalation_days, settings)


def _conditions(query: TicketQuery, *, settings: Settings, now: dt.datetime) -> list:
    conditions = [in_backlog(settings.itop_service)]
    if query.team == TRIAGE_TAB:
        conditions.append(sa.or_(Ticket.team == Team.UNASSIGNED, Ticket.needs_review))
    elif query.team:
        conditions.append(Ticket.team == query.team)
    if query.state == "open":
        conditions.append(Ticket.is_open)
    elif query.state == "closed":
        conditions.append(sa.not_(Ticket.is_open))
    if query.overdue:
        conditions.extend([Ticket.is_open, Ticket.created_at < _cutoff(settings, now)])
    if query.needs_review:
        conditions.append(Ticket.needs_review)
    if query.soon_overdue:
        conditions.extend(soon_overdue_conditions(settings=settings, now=now))
    text = query.q.replace("\x00", "")  # PostgreSQL refuses NUL; no stored text holds one
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        fields = (Ticket.ref, Ticket.title, Ticket.organization, Ticket.caller)
        conditions.append(sa.or_(*(f.ilike(pattern, escape="\\") for f in fields)))
    return conditions


def soon_overdue_conditions(*, settings: Settings, now: dt.datetime) -> list:
    """Open, not escalated, older than the warning age but not yet overdue ("bientôt en
    retard": the tickets a team can still save from the national level)."""
    return [
        Ticket.is_open,
        Ticket.escalated_at.is_(None),
        Ticket.created_at < settings_cutoff(now, settings.warning_days, settings),
        Ticket.created_at >= _cutoff(settings, now),
    ]


def list_tickets(
    *, session: Session, settings: Settings, query: TicketQuery, now: dt.datetime | None = None
) -> tuple[list[Ticket], int]:
    """One page of tickets matching the query, and the total count (both in SQL)."""
    now = now or utcnow()
    conditions = _conditions(query, settings=settings, now=now)
    total = session.exec(select(sa.func.count()).select_from(Ticket).where(*conditions)).one()
    order = Ticket.created_at.asc() if query.sort == "oldest" else Ticket.created_at.desc()
    rows = session.exec(
        select(Ticket)
        .where(*conditions)
        .order_by(order, Ticket.id)
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
    )
    return list(rows), int(total)


def queue_counts(*, session: Session, settings: Settings) -> dict[str, int]:
    """Open tickets per queue, plus the "À trier" tab (unassigned or needs review)."""
    base = [in_backlog(settings.itop_service), Ticket.is_open]
    counts = {queue: 0 for queue in QUEUES}
    for team, count in session.exec(
        select(Ticket.team, sa.func.count()).where(*base).group_by(Ticket.team)
    ):
        counts[team] = int(count)
    counts[TRIAGE_TAB] = int(
        session.exec(
            select(sa.func.count())
            .select_from(Ticket)
            .where(*base, sa.or_(Ticket.team == Team.UNASSIGNED, Ticket.needs_review))
        ).one()
    )
    return counts


def count_matching(
    *, session: Session, settings: Settings, query: TicketQuery, now: dt.datetime, after_id: int = 0
) -> int:
    """How many tickets the listing ``query`` holds, only those with an id above ``after_id``
    (the ones that arrived after a page was shown: ids only grow)."""
    conditions = [*_conditions(query, settings=settings, now=now), Ticket.id > after_id]
    return int(session.exec(select(sa.func.count()).select_from(Ticket).where(*conditions)).one())


def last_ticket_id(*, session: Session) -> int:
    """The highest ticket id so far (0 when there is none)."""
    return int(session.exec(select(sa.func.coalesce(sa.func.max(Ticket.id), 0))).one())


def soon_overdue_count(*, session: Session, settings: Settings) -> int:
    """Open tickets of every queue that will soon be overdue (the "bientôt en retard" tab)."""
    conditions = [in_backlog(settings.itop_service)]
    conditions += soon_overdue_conditions(settings=settings, now=utcnow())
    return int(session.exec(select(sa.func.count()).select_from(Ticket).where(*conditions)).one())


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
    return bool(ticket.is_open and ticket.created_at < _cutoff(settings, now))


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
