"""A ticket's history: its team decisions in order, and the time it spent in each team."""

import datetime as dt

from sqlmodel import Session, select

from triage.models import RoutingDecision, Team, Ticket, utcnow


def history(*, session: Session, ticket: Ticket) -> list[RoutingDecision]:
    """The ticket's team decisions, oldest first."""
    query = (
        select(RoutingDecision)
        .where(RoutingDecision.ticket_id == ticket.id)
        .order_by(RoutingDecision.at, RoutingDecision.id)
    )
    return list(session.exec(query))


def decision_time(decision: RoutingDecision, ticket: Ticket) -> dt.datetime:
    """When a decision was made. For the team iTop already had when triage first saw the
    ticket, iTop's assignment date: the decision's own time is only the sync's."""
    first_sync = decision.source == "itop" and decision.from_team in (None, Team.UNASSIGNED)
    if first_sync and ticket.assigned_at is not None and ticket.assigned_at <= decision.at:
        return ticket.assigned_at
    return decision.at


def team_durations(
    *,
    session: Session,
    ticket: Ticket,
    now: dt.datetime | None = None,
    decisions: list[RoutingDecision] | None = None,
) -> list:
    """Time spent in each team, oldest first: team, start, end (None: now), days, source;
    ``decisions``: the ticket's ``history`` when already read."""
    now = now or utcnow()
    if decisions is None:
        decisions = history(session=session, ticket=ticket)
    first_team = decisions[0].from_team if decisions else ticket.team
    segments = [
        {
            "team": first_team or Team.UNASSIGNED,
            "start": ticket.created_at,
            "source": None,
            "actor": None,
        }
    ]
    for decision in decisions:
        at = max(decision_time(decision, ticket), ticket.created_at)
        if decision.to_team == segments[-1]["team"]:
            continue
        segments.append(
            {
                "team": decision.to_team,
                "start": at,
                "source": decision.source,
                "actor": decision.actor,
            }
        )
    end_of_life = ticket.resolved_at if not ticket.is_open and ticket.resolved_at else None
    for index, segment in enumerate(segments):
        following = segments[index + 1]["start"] if index + 1 < len(segments) else end_of_life
        segment["end"] = following
        span = (following or now) - segment["start"]
        segment["days"] = round(max(span.total_seconds(), 0.0) / 86400.0, 2)
    return segments
