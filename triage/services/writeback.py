"""Write-back to iTop: every team decision of triage, queued in the database, then pushed.

A decision (the router's, an agent's, an escalation) queues an ``ItopWrite`` in the same
transaction (``enqueue``), when ``TRIAGE_ITOP_WRITEBACK`` is on. ``push_pending`` drains the
queue through the one outgoing mechanism (``services.outgoing``) with ``ItopChannel``, which
for each write, just before writing:

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
import threading
import time
from typing import Any

from sqlmodel import Session, select

from connectors.itop import (
    CURRENT_FIELDS,
    ItopAuthError,
    ItopClient,
    ItopError,
    ItopNoAnswer,
    ItopNotConfigured,
    ItopProtocolError,
    ItopRemoteError,
    ItopUnreachable,
    UserRequest,
)
from triage.config import Settings
from triage.models import ItopWrite, Ticket, TicketEvent, utcnow
from triage.services import outgoing
from triage.services.itop import client_from_settings
from triage.services.teams import set_team

log = logging.getLogger(__name__)

WRITE_COMMENT = "triage"
CLASS = "UserRequest"
MAX_BACKOFF = 3600.0
FAILING_AFTER = 5
MEMBERS_TTL = 600.0  # seconds a team's member list is trusted
_members: dict[tuple[str, str], tuple[float, frozenset[int]]] = {}
_members_lock = threading.Lock()


def enqueue(
    *,
    session: Session,
    settings: Settings,
    ticket: Ticket,
    team: str | None = None,
    log_entry: str = "",
    source: str = "",
) -> ItopWrite | None:
    """Queue a team change and/or a private log entry for iTop, when write-back is on."""
    if not settings.itop_writeback:
        return None
    write = ItopWrite(
        ticket_id=ticket.id, itop_id=ticket.itop_id, team=team, log_entry=log_entry, source=source
    )
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


def push_pending(
    *,
    session: Session,
    settings: Settings,
    client: ItopClient | None = None,
    ignore_backoff: bool = False,
) -> dict:
    """Send every due write to iTop; counts of sent, failed (retried), refused, superseded."""
    channel = ItopChannel(session=session, settings=settings, client=client)
    drained = outgoing.drain(
        session=session,
        model=ItopWrite,
        rules=rules(settings),
        channel=channel,
        ignore_backoff=ignore_backoff,
    )
    counts = {
        "sent": drained.sent,
        "failed": drained.failed,
        "refused": drained.refused,
        "superseded": drained.superseded,
        "pending": pending_count(session=session),
        "last_error": drained.last_error,
    }
    log.info(
        "iTop write-back: %(sent)d sent, %(failed)d failed, %(refused)d refused, "
        "%(superseded)d superseded, %(pending)d pending",
        counts,
    )
    return counts


def pending_count(*, session: Session) -> int:
    """Writes still to be done (waiting, being sent, or failing)."""
    waiting = (*outgoing.RETRIED, outgoing.CLAIMED)
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
            ItopWrite.status.in_(outgoing.RETRIED),
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


def team_members(client: ItopClient, team: str) -> frozenset[int]:
    """The Person ids of an iTop team (read through REST, cached ``MEMBERS_TTL`` seconds)."""
    key = (client.endpoint, team)
    with _members_lock:
        cached = _members.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    members = client.team_members(team)
    with _members_lock:
        _members[key] = (time.monotonic() + MEMBERS_TTL, members)
    return members


class ItopChannel:
    """The outgoing channel of iTop writes (see the module's docstring)."""

    def __init__(self, *, session: Session, settings: Settings, client: ItopClient | None) -> None:
        self.session, self.settings = session, settings
        self._client, self._own = client, client is None

    def client(self) -> ItopClient:
        """The iTop client, built on first use."""
        if self._client is None:
            self._client = client_from_settings(self.settings)
        return self._client

    def close(self) -> None:
        """Close the client we built."""
        if self._own and self._client is not None:
            self._client.close()
        self._client = None

    def send(self, write: ItopWrite) -> str | None:
        """Push one write; raises an ``outgoing.DeliveryError`` saying why it did not go."""
        try:
            return self._send(write)
        except ItopNoAnswer as exc:  # may have been applied: check before the next try
            raise outgoing.Deferred(str(exc), unconfirmed=True) from exc
        except (ItopUnreachable, ItopAuthError, ItopNotConfigured) as exc:
            raise outgoing.Unavailable(str(exc)) from exc
        except ItopRemoteError as exc:
            raise outgoing.Refused(str(exc)) from exc
        except (ItopProtocolError, ItopError) as exc:
            raise outgoing.Deferred(str(exc)) from exc

    def _send(self, write: ItopWrite) -> str | None:
        ticket = self.session.get(Ticket, write.ticket_id)
        client = self.client()
        wanted = [*CURRENT_FIELDS, *(["private_log"] if write.unconfirmed else [])]
        page = client.get(CLASS, write.itop_id, output_fields=wanted)
        if not page.objects:
            raise outgoing.Refused(f"le ticket {write.itop_id} n'existe plus dans iTop")
        current = UserRequest.from_object(page.objects[0], self.settings.tz)
        if write.unconfirmed and _entry_there(page.objects[0].fields, write.log_entry):
            self._learn(ticket, current)
            return "déjà dans iTop (l'essai précédent était resté sans réponse)"
        if write.team and current.team_id != ticket.itop_team_id:
            self._follow_itop(ticket, current, write)
            raise outgoing.Superseded(
                f"équipe changée dans iTop ({current.team or 'aucune'}) après la décision"
            )
        update = self._fields(client, write, current)
        if not update:
            return None
        obj = client.update(CLASS, write.itop_id, update, comment=WRITE_COMMENT,
                            output_fields=",".join(CURRENT_FIELDS) + ",agent_id_friendlyname")
        self._learn(ticket, UserRequest.from_object(obj, self.settings.tz))
        return None

    def _fields(self, client: ItopClient, write: ItopWrite, current: UserRequest) -> dict:
        """The ``core/update`` fields of a write, given what iTop holds now."""
        fields: dict[str, Any] = {}
        team_name = self.settings.itop_team_of_queue(write.team) if write.team else None
        if team_name:
            fields["team_id"] = {"name": team_name}
            if current.agent_id and current.agent_id not in team_members(client, team_name):
                fields["agent_id"] = 0  # the old team's agent: cleared (never "")
        if write.log_entry:
            fields["private_log"] = {"add_item": {"message": write.log_entry, "format": "text"}}
        return fields

    def _learn(self, ticket: Ticket, now_in_itop: UserRequest) -> None:
        """Remember what iTop holds after our write (the next sync then decides nothing)."""
        ticket.itop_team_id, ticket.itop_team = now_in_itop.team_id, now_in_itop.team
        ticket.itop_agent_id = now_in_itop.agent_id
        if not now_in_itop.agent_id:
            ticket.agent = ""
        elif now_in_itop.agent:
            ticket.agent = now_in_itop.agent
        self.session.add(ticket)

    def _follow_itop(self, ticket: Ticket, current: UserRequest, write: ItopWrite) -> None:
        """iTop's team changed after the decision: the ticket follows iTop (no commit)."""
        ticket.itop_team_id, ticket.itop_team = current.team_id, current.team
        detail = f"équipe changée dans iTop ({current.team or 'aucune'}) avant l'écriture"
        supersede_pending(session=self.session, ticket=ticket, detail=detail, sending=write)
        queue = self.settings.queue_of_itop_team(current.team)
        if queue is not None and queue != ticket.team:
            set_team(session=self.session, ticket=ticket, team=queue, source="itop", actor="itop",
                     reason=f"équipe iTop : {current.team} (changée dans iTop, iTop l'emporte)")
        ticket.last_seen_at = utcnow()


def _entry_there(fields: dict, entry: str) -> bool:
    """Whether the ticket's private log already holds ``entry`` (an earlier try went)."""
    if not entry:
        return True  # a team change alone is safe to send again
    entries = (fields.get("private_log") or {}).get("entries") or []
    return any(item.get("message") == entry for item in entries)
