"""Team decisions: every change of a ticket's queue goes through ``set_team``, or, for a
sync page's new tickets, ``record_decisions``."""

from sqlmodel import Session

from triage.models import QUEUES, RoutingDecision, Team, Ticket, utcnow
from triage.services import figures, upsert


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
        **decision_values(
            from_team=ticket.team, team=team, source=source, actor=actor, reason=reason,
            confidence=confidence, model_version=model_version,
        ),
    )  # fmt: skip
    if not ticket.is_open:  # the stored closed counts per queue change
        figures.invalidate(session=session)
    ticket.team = team
    ticket.team_source = source
    session.add(ticket)
    session.add(decision)
    return decision


def decision_values(
    *, from_team: str | None, team: str, source: str, actor: str, **details
) -> dict:
    """A RoutingDecision's values, but its ticket's id (``team``: a queue, checked);
    ``details``: its ``reason``, ``confidence`` and ``model_version``, if any."""
    return {
        "actor": actor,
        "source": source,
        "from_team": from_team,
        "to_team": normalize_team(team),
        "confidence": details.get("confidence"),
        "reason": details.get("reason") or "",
        "model_version": details.get("model_version"),
        "at": utcnow(),
    }


def record_decisions(*, session: Session, rows: list[dict]) -> None:
    """Append decisions (``decision_values`` with their ``ticket_id``) in one statement: the
    tickets already carry their teams (a sync page's new tickets, written with them)."""
    upsert.insert(session, RoutingDecision.__table__, rows)
