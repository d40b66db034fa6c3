"""Team decisions: every change of a ticket's queue goes through ``set_team``."""

from sqlmodel import Session

from triage.models import QUEUES, RoutingDecision, Team, Ticket, utcnow
from triage.services import figures


class UnknownTeam(ValueError):
    """A team that is not one of triage's queues."""


def normalize_team(team: str | None) -> Team:
    """Upper-case a queue name and check it is known."""
    value = (team or "").strip().upper()
    if value not in QUEUES:
        raise UnknownTeam(f"unknown team {team!r}: expected one of {', '.join(QUEUES)}")
    return Team(value)


def set_team(
    *,
    session: Session,
    ticket: Ticket,
    team: str,
    source: str,
    actor: str,
    reason: str = "",
    confidence: float | None = None,
    model_version: str | None = None,
) -> RoutingDecision:
    """Move a ticket to a queue and append the decision to its history (no commit)."""
    team = normalize_team(team)
    decision = RoutingDecision(
        ticket_id=ticket.id,
        actor=actor,
        source=source,
        from_team=ticket.team,
        to_team=team,
        confidence=confidence,
        reason=reason,
        model_version=model_version,
        at=utcnow(),
    )
    if not ticket.is_open:  # the stored closed counts per queue change
        figures.invalidate(session=session)
    ticket.team = team
    ticket.team_source = source
    session.add(ticket)
    session.add(decision)
    return decision
