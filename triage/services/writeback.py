"""Write-back to iTop: every team decision of triage, queued in the database, then pushed.

A decision (the router's, an agent's, an escalation) queues an ``ItopWrite`` in the same
transaction (``enqueue``), when ``TRIAGE_ITOP_WRITEBACK`` is on. ``itop_push.push_pending``
drains the
queue through the one outgoing mechanism (``services.outgoing``) with
``itop_push.ItopChannel``, which for each write, just before writing:

1. reads the ticket's current team, agent and last update in iTop (``core/get``);
2. if iTop's team is no longer the one triage last knew, someone changed it in iTop after
   triage decided: iTop wins (the ticket follows iTop, the conflict goes in its history, the
   write is ``superseded``);
3. otherwise sends one ``core/update``: ``team_id`` by the team's iTop name, ``agent_id: 0``
   when the agent is not a member of the new team (iTop checks neither; ``""`` would crash
   it), and the French log entry as a private case-log item in text format (shown as written);
4. remembers what iTop now holds, so the next sync sees its own write and decides nothing.

A write that reached iTop without an answer (``ItopNoAnswer``) is retried only after a check
that its log entry is not already there: never lost, never doubled.
"""

import logging

from sqlmodel import Session, select

from triage.config import Settings
from triage.models import ItopWrite, Ticket, TicketEvent
from triage.services import claims, outgoing, upsert

log = logging.getLogger(__name__)

WRITE_COMMENT = "triage"
CLASS = "UserRequest"
MAX_BACKOFF = 3600.0
FAILING_AFTER = 5


def enqueue(
    *,
    session: Session,
    settings: Settings,
    ticket: Ticket,
    team: str | None = None,
    log_entry: str = "",
    source: str = "",
    public_log_entry: str = "",
    agent_person_id: int | None = None,
    stimulus: str | None = None,
) -> ItopWrite | None:
    """Queue changes of one ticket for iTop (team, agent, case-log entries), when write-back
    is on; ``stimulus`` sends them through ``core/apply_stimulus`` (e.g. ``ev_assign``)."""
    if not settings.itop_writeback:
        return None
    write = ItopWrite(
        ticket_id=ticket.id,
        itop_id=ticket.itop_id,
        team=team,
        log_entry=log_entry,
        public_log_entry=public_log_entry,
        agent_person_id=agent_person_id,
        stimulus=stimulus,
        source=source,
    )
    session.add(write)
    return write


def enqueue_rows(*, session: Session, settings: Settings, rows: list[dict]) -> None:
    """Queue updates given as ItopWrite values (``ticket_id``, ``itop_id``, ``team``,
    ``log_entry``, ``source``...) in one statement, when write-back is on."""
    if settings.itop_writeback:
        upsert.insert(session, ItopWrite.__table__, rows)


def enqueue_create(
    *, session: Session, settings: Settings, fields: dict, source: str = ""
) -> ItopWrite | None:
    """Queue a ``core/create`` of a UserRequest with ``fields`` (write-back on)."""
    if not settings.itop_writeback:
        return None
    write = ItopWrite(kind="create", payload=dict(fields), source=source)
    session.add(write)
    return write


def rules(settings: Settings) -> outgoing.Rules:
    """How iTop writes are retried."""
    return outgoing.Rules(
        done="done",
        backoff_first=settings.itop_write_backoff,
        backoff_max=MAX_BACKOFF,
        failing_after=FAILING_AFTER,
        stale_seconds=settings.itop_write_stale_seconds,
    )


def pending_count(*, session: Session) -> int:
    """Writes still to be done (waiting, being sent, or failing)."""
    waiting = (*claims.RETRIED, claims.CLAIMED)
    return len(session.exec(select(ItopWrite.id).where(ItopWrite.status.in_(waiting))).all())


def supersede_pending(
    *, session: Session, ticket: Ticket, detail: str, sending: ItopWrite | None = None
) -> int:
    """iTop changed the ticket's team: its waiting team writes will never be sent (no commit).

    Their log entries go with them (they explained a decision iTop overruled). Records one
    conflict in the ticket's history when there was anything to supersede (``sending``: the
    write being pushed, which the caller ends as superseded).
    """
    writes = session.exec(
        select(ItopWrite).where(
            ItopWrite.ticket_id == ticket.id,
            ItopWrite.status.in_(claims.RETRIED),
            ItopWrite.team.is_not(None),
        )
    ).all()
    for write in writes:
        write.status, write.last_error = outgoing.SUPERSEDED, detail
        session.add(write)
    overruled = [*writes, *([sending] if sending else [])]
    if overruled:
        sources = ", ".join(sorted({w.source or "triage" for w in overruled}))
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="conflict",
                actor="itop",
                detail=f"{detail} : iTop l'emporte sur la décision de triage ({sources})",
            )
        )
    return len(writes)


