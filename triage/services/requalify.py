"""Requalification: an agent moves a ticket to another queue (web form, API, CLI)."""

import logging
from typing import Any

from sqlmodel import Session

from triage.config import Settings
from triage.models import TEAMS, Team, Ticket
from triage.services import writeback
from triage.services.teams import UnknownTeam, normalize_team, set_team

log = logging.getLogger(__name__)

MAX_COMMENT = 2000


def can_requalify(user: Any, ticket: Ticket) -> bool:
    """Agents: their own team's queue or unassigned tickets; supervisors and admins: any."""
    role = getattr(user, "role", None)
    if role in ("supervisor", "admin"):
        return True
    if role == "agent":
        return ticket.team in (getattr(user, "team", None), Team.UNASSIGNED)
    return False


def _team_words(names: dict, team: str) -> str:
    return f"l'équipe {names[team]}" if team in names else "la file « à trier »"


def move(
    *,
    session: Session,
    settings: Settings,
    ticket: Ticket,
    team: str,
    actor: str,
    comment: str = "",
) -> Ticket:
    """Move a ticket to ``team`` as an agent's decision and queue the iTop write-back (no
    commit: a bulk requalification commits all its moves together)."""
    target = normalize_team(team)
    if target not in TEAMS:
        raise UnknownTeam(f"a ticket is requalified to one of {', '.join(TEAMS)}")
    # NUL cannot be stored (PostgreSQL refuses it); the API refuses over-long comments first
    comment = (comment or "").replace("\x00", "").strip()[:MAX_COMMENT]
    previous = ticket.team
    set_team(
        session=session, ticket=ticket, team=target, source="agent", actor=actor, reason=comment
    )
    # the agent has decided: nothing is left to review, whatever the router thought
    ticket.needs_review = False
    ticket.requalify_suggested = False
    session.add(ticket)
    names = settings.team_names
    log_entry = (
        f"triage : ticket requalifié de {_team_words(names, previous)} vers l'équipe "
        f"{names.get(target, target)} par {actor}" + (f" : « {comment} »" if comment else "") + "."
    )
    writeback.enqueue(
        session=session,
        settings=settings,
        ticket=ticket,
        team=target,
        log_entry=log_entry,
        source="agent",
    )
    log.info("ticket %s requalified %s -> %s by %s", ticket.ref, previous, target, actor)
    return ticket


def requalify(
    *,
    session: Session,
    settings: Settings,
    ticket: Ticket,
    team: str,
    actor: str,
    comment: str = "",
) -> Ticket:
    """Move a ticket to ``team`` as an agent's decision, queue the iTop write-back; commits."""
    move(
        session=session, settings=settings, ticket=ticket, team=team, actor=actor, comment=comment
    )
    session.commit()
    return ticket
