"""The agent's desk: take a ticket ("je prends"), undo one's own last requalification,
requalify several tickets at once. The web pages and the JSON API call these same functions;
each decision goes in the ticket's history and, write-back on, to iTop's outgoing queue."""

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from triage.config import Settings
from triage.models import ROUTABLE_TEAMS, TEAMS, RoutingDecision, Team, Ticket, TicketEvent, User
from triage.services import writeback
from triage.services.history import history
from triage.services.requalify import MAX_COMMENT, can_requalify, move
from triage.services.teams import normalize_team, set_team

log = logging.getLogger(__name__)

UNDO_MARK = "Annulation"  # an undo's reason starts with it: an undo is not undone in turn
MAX_BULK = 200
# iTop's stimulus that assigns a ticket still "new" (it then becomes "assigned")
ASSIGN_STIMULUS = "ev_assign"


class DeskError(ValueError):
    """An agent action that cannot be done; ``code`` for the API, the message is French."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.code = code


def can_take(user: Any, ticket: Ticket) -> bool:
    """An open ticket the user may requalify (agents: their queue or unassigned ones)."""
    return bool(ticket.is_open and ticket.gone is None and can_requalify(user, ticket))


def suggested_team(ticket: Ticket) -> str | None:
    """The team the requalification form preselects: the ticket's own, else the router's
    leaning (stored explanation), else none (the agent chooses)."""
    if ticket.team in TEAMS:
        return ticket.team
    leaning = (ticket.explanation or {}).get("leaning")
    return leaning if leaning in ROUTABLE_TEAMS else None


def _take_team(user: User, ticket: Ticket) -> Team:
    """The team a taken ticket ends in: the user's own team, else the ticket's."""
    if user.team in TEAMS:
        return Team(user.team)
    if ticket.team in TEAMS:
        return Team(ticket.team)
    raise DeskError(
        "Ce ticket n'a pas d'équipe : requalifiez-le d'abord vers une équipe.", "no_team"
    )


def take(*, session: Session, settings: Settings, ticket: Ticket, user: User) -> Ticket:
    """Assign the ticket to ``user`` (moved to the user's team if needed); with write-back,
    queue the iTop write setting ``agent_id`` to the user's iTop person. Commits."""
    if not can_take(user, ticket):
        raise DeskError("Vous ne pouvez pas prendre ce ticket.", "forbidden")
    target = _take_team(user, ticket)
    what = f"pris en charge par {user.login}"
    if target != ticket.team:
        set_team(
            session=session,
            ticket=ticket,
            team=target,
            source="agent",
            actor=user.login,
            reason=what,
        )
    ticket.needs_review = ticket.requalify_suggested = False
    ticket.agent = user.login  # iTop's name for the person replaces it after the write
    session.add(ticket)
    session.add(TicketEvent(ticket_id=ticket.id, kind="taken", actor=user.login, detail=what))
    person = user.itop_person_id
    writeback.enqueue(
        session=session,
        settings=settings,
        ticket=ticket,
        team=target,
        agent_person_id=person,
        stimulus=ASSIGN_STIMULUS if person and ticket.status == "new" else None,
        log_entry=f"triage : ticket {what}"
        + ("." if person else " (aucune personne iTop associée à ce compte)."),
        source="agent",
    )
    session.commit()
    log.info("ticket %s taken by %s (iTop person %s)", ticket.ref, user.login, person)
    return ticket


def undoable(*, session: Session, ticket: Ticket, actor: str) -> RoutingDecision | None:
    """The ticket's last team decision when it is ``actor``'s own requalification (not an
    undo), so that it can be undone; None otherwise."""
    decisions = history(session=session, ticket=ticket)
    if not decisions or not ticket.is_open or ticket.gone is not None:
        return None
    last = decisions[-1]
    if last.source != "agent" or last.actor != actor or last.reason.startswith(UNDO_MARK):
        return None
    if not last.from_team or last.from_team == last.to_team or last.to_team != ticket.team:
        return None
    return last


def undo(*, session: Session, settings: Settings, ticket: Ticket, actor: str) -> Ticket:
    """Put the ticket back where ``actor``'s last requalification took it from; commits."""
    decision = undoable(session=session, ticket=ticket, actor=actor)
    if decision is None:
        raise DeskError(
            "Rien à annuler : la dernière décision sur ce ticket n'est pas la vôtre.",
            "nothing_to_undo",
        )
    back, names = normalize_team(decision.from_team), settings.team_names
    moved_to = names.get(decision.to_team, decision.to_team)
    reason = f"{UNDO_MARK} de la requalification vers {moved_to}"
    set_team(session=session, ticket=ticket, team=back, source="agent", actor=actor, reason=reason)
    writeback.enqueue(
        session=session,
        settings=settings,
        ticket=ticket,
        team=back if back in TEAMS else None,
        log_entry=f"triage : {reason[0].lower()}{reason[1:]} par {actor} ; retour vers "
        + (f"l'équipe {names[back]}." if back in names else "la file « à trier »."),
        source="agent",
    )
    session.commit()
    log.info("ticket %s: %s undid %s -> %s", ticket.ref, actor, back, decision.to_team)
    return ticket


@dataclass
class BulkResult:
    """What a bulk requalification did: the refs moved, and those left with why."""

    team: str
    moved: list[str] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)  # {"ref", "error", "message"}

    def as_dict(self) -> dict:
        """The API's shape."""
        return {"team": self.team, "moved": self.moved, "refused": self.refused}


def _refusal(ref: str, ticket: Ticket | None, user: Any, target: str) -> dict | None:
    if ticket is None:
        return {"ref": ref, "error": "not_found", "message": "ticket inconnu"}
    if not can_requalify(user, ticket):
        return {"ref": ref, "error": "forbidden", "message": "hors de votre file"}
    if ticket.team == target:
        return {"ref": ref, "error": "unchanged", "message": "déjà dans cette équipe"}
    return None


def bulk_requalify(
    *,
    session: Session,
    settings: Settings,
    refs: list[str],
    team: str,
    user: Any,
    comment: str = "",
) -> BulkResult:
    """Requalify several tickets to one team, each as ``user``'s decision, all in one
    transaction; the ones the user may not move are listed, not moved. Commits."""
    target = normalize_team(team)
    if target not in TEAMS:
        raise DeskError(f"Une requalification va vers {', '.join(TEAMS)}.", "unknown_team")
    wanted = list(dict.fromkeys(r.strip() for r in refs if r and r.strip()))
    if not wanted or len(wanted) > MAX_BULK:
        raise DeskError(f"Choisissez de 1 à {MAX_BULK} tickets.", "bad_selection")
    searchable = [r for r in wanted if "\x00" not in r]  # PostgreSQL refuses NUL; none is a ref
    found = {t.ref: t for t in session.exec(select(Ticket).where(Ticket.ref.in_(searchable)))}
    result = BulkResult(team=target)
    for ref in wanted:
        refusal = _refusal(ref, found.get(ref), user, target)
        if refusal:
            result.refused.append(refusal)
            continue
        move(
            session=session,
            settings=settings,
            ticket=found[ref],
            team=target,
            actor=user.login,
            comment=(comment or "")[:MAX_COMMENT],
        )
        result.moved.append(ref)
    session.commit()
    return result
