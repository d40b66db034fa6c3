"""Ask the requester, in iTop, for what a new request lacks (``TRIAGE_COMPLETENESS_REQUEST``).

When the sync first sees a new ticket (iTop status ``new``, created less than
``NEW_FOR`` ago, no agent assigned, not a phone request nor one typed with triage's phone /
e-mail / visio form: an agent wrote those) that lacks at least ``MIN_MISSING`` of the seed's items
(``completeness.missing``), one French public-log entry listing them is queued in the one
outgoing queue (``writeback.enqueue``); a ``completeness_request`` TicketEvent records what
was asked and when, and is what makes it once: a ticket with that event is never asked again.
Needs write-back on; off by default.
"""

import datetime as dt

from sqlmodel import Session, select

from triage.config import Settings
from triage.models import ItopWrite, Ticket, TicketEvent, utcnow
from triage.services import writeback
from triage.services.completeness import missing

KIND = "completeness_request"
MIN_MISSING = 2
NEW_FOR = dt.timedelta(days=2)  # older tickets found by a first sync are not "new"
SOURCE = "completeness"
INTAKE_SOURCE = "intake"  # triage.services.intake.SOURCE (that module imports writeback too)


def request_message(labels: list[str]) -> str:
    """The public-log entry, in French, to the requester."""
    items = "\n".join(f"- {label}" for label in labels)
    return (
        "Bonjour,\n\nPour que votre demande soit traitée au plus vite, merci de la compléter "
        "en répondant à ce message avec les éléments suivants :\n"
        f"{items}\n\n"
        "Rappel : indiquez l'utilisateur connecté à Op@le (nom, prénom, fonction), "
        "l'établissement, l'environnement (production ou bac à sable), la sphère, le détail "
        "des opérations effectuées, les captures d'écran et les messages d'erreur.\n\n"
        "L'assistance Op@le (message automatique de triage)"
    )


def is_new(ticket: Ticket, now: dt.datetime) -> bool:
    """A request nobody handles yet, written by its requester: open, iTop status new, recent,
    no agent, not taken on the phone (an agent typed it)."""
    return (
        ticket.is_open
        and ticket.origin != "phone"
        and ticket.status == "new"
        and not (ticket.agent or ticket.itop_agent_id)
        and now - ticket.created_at < NEW_FOR
        and ticket.gone is None
    )


def would_ask(ticket: Ticket, now: dt.datetime) -> list[str]:
    """What would be asked of this ticket (empty: nothing), whatever the settings."""
    if not is_new(ticket, now):
        return []
    lacking = missing(ticket)
    return lacking if len(lacking) >= MIN_MISSING else []


def _not_to_ask(session: Session, todo: dict[int, tuple[Ticket, list[str]]]) -> set[int]:
    """The ticket ids already asked, or whose ticket an agent typed with the intake form."""
    asked = set(
        session.exec(
            select(TicketEvent.ticket_id).where(
                TicketEvent.ticket_id.in_(list(todo)), TicketEvent.kind == KIND
            )
        )
    )
    by_itop_id = {ticket.itop_id: ticket_id for ticket_id, (ticket, _) in todo.items()}
    typed = session.exec(
        select(ItopWrite.result_itop_id).where(
            ItopWrite.kind == "create",
            ItopWrite.source == INTAKE_SOURCE,
            ItopWrite.result_itop_id.in_(list(by_itop_id)),
        )
    )
    return asked | {by_itop_id[itop_id] for itop_id in typed}


def active(settings: Settings) -> bool:
    """Whether new tickets are asked for what they lack (it needs write-back)."""
    return settings.completeness_request and settings.itop_writeback


def ask_missing(
    *, session: Session, settings: Settings, tickets: list[Ticket], now: dt.datetime | None = None
) -> int:
    """Queue the request for the tickets that need it, once each (no commit); how many."""
    if not active(settings):
        return 0
    now = now or utcnow()
    todo = {t.id: (t, labels) for t in tickets if t.id and (labels := would_ask(t, now))}
    if not todo:
        return 0
    skip = _not_to_ask(session, todo)
    count = 0
    for ticket_id, (ticket, labels) in todo.items():
        if ticket_id in skip:
            continue
        writeback.enqueue(
            session=session, settings=settings, ticket=ticket,
            public_log_entry=request_message(labels), source=SOURCE,
        )  # fmt: skip
        detail = "Complément demandé au demandeur dans iTop : " + ", ".join(labels)
        session.add(TicketEvent(ticket_id=ticket_id, at=now, kind=KIND, actor="triage",
                                detail=detail))  # fmt: skip
        count += 1
    return count


def request_of(*, session: Session, ticket: Ticket) -> TicketEvent | None:
    """The completeness request made for this ticket, if any."""
    return session.exec(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == KIND)
    ).first()


def measure(*, session: Session, settings: Settings) -> dict:
    """On the stored tickets: how many requesters' tickets lack enough to be asked (had they
    been seen new), how many new ones it would ask now, and the items most often missing."""
    tickets = session.exec(select(Ticket).where(Ticket.service == settings.itop_service)).all()
    now = utcnow()
    # written by their requesters (not taken on the phone), lacking enough to be asked
    lacking = [
        labels
        for t in tickets
        if t.origin != "phone" and len(labels := missing(t)) >= MIN_MISSING
    ]
    counts: dict[str, int] = {}
    for labels in lacking:
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
    return {
        "tickets": len(tickets),
        "written_by_requesters": sum(1 for t in tickets if t.origin != "phone"),
        "incomplete": len(lacking),
        "new_now": sum(1 for t in tickets if is_new(t, now)),
        "would_ask_now": sum(1 for t in tickets if would_ask(t, now)),
        "missing": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
    }
