"""Routing of new tickets (placeholder: prefix only, replaced by the classifier router)."""

import re
from typing import Any

from sqlmodel import Session

from triage.models import RoutingDecision, Ticket, utcnow
from triage.services.teams import set_team

_PREFIX = re.compile(r"^\W*(SI2C|DRASI)\b", re.IGNORECASE)


def route_ticket(*, session: Session, ticket: Ticket, config: Any) -> RoutingDecision | None:
    """Give a ticket that has no team yet a team, a confidence and a reason (no commit)."""
    if ticket.team != "UNASSIGNED" or ticket.team_source is not None:
        return None
    match = _PREFIX.match(ticket.title or "")
    ticket.routed_at = utcnow()
    if not match:
        ticket.needs_review = True
        session.add(ticket)
        return None
    team = match.group(1).upper()
    ticket.prefix = team
    return set_team(session=session, ticket=ticket, team=team, source="prefix", actor="router",
                    reason="préfixe du titre", confidence=None)
