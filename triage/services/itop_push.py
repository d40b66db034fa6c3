"""Pushing the queued iTop writes (``push_pending``) through ``ItopChannel``.

See ``writeback`` for what is queued and why; this module is the far end of the one outgoing
queue for iTop: read the ticket just before writing, let a newer iTop change win, clear the
old team's agent, write the case-log entries as text, and never send an unanswered write
again without looking in iTop first.
"""

import datetime as dt
import logging
import threading
import time
from typing import Any

from sqlmodel import Session

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
    format_itop_date,
    quote,
)
from triage.config import Settings
from triage.models import ItopWrite, Ticket, utcnow
from triage.services import outgoing
from triage.services.itop import client_from_settings
from triage.services.teams import set_team
from triage.services.writeback import CLASS, WRITE_COMMENT, pending_count, rules, supersede_pending

log = logging.getLogger(__name__)

MEMBERS_TTL = 600.0  # seconds a team's member list is trusted
_members: dict[tuple[str, str], tuple[float, frozenset[int]]] = {}
_members_lock = threading.Lock()


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
        if write.kind == "create":
            return self._create(write)
        ticket = self.session.get(Ticket, write.ticket_id)
        client = self.client()
        wanted = [*CURRENT_FIELDS, *(["private_log", "public_log"] if write.unconfirmed else [])]
        page = client.get(CLASS, write.itop_id, output_fields=wanted)
        if not page.objects:
            raise outgoing.Refused(f"le ticket {write.itop_id} n'existe plus dans iTop")
        current = UserRequest.from_object(page.objects[0], self.settings.tz)
        if write.unconfirmed and _entries_there(page.objects[0].fields, write):
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
        fields = ",".join(CURRENT_FIELDS) + ",agent_id_friendlyname"
        if write.stimulus:
            obj = client.apply_stimulus(CLASS, write.itop_id, write.stimulus, update,
                                        comment=WRITE_COMMENT, output_fields=fields)
        else:
            obj = client.update(CLASS, write.itop_id, update, comment=WRITE_COMMENT,
                                output_fields=fields)
        self._learn(ticket, UserRequest.from_object(obj, self.settings.tz))
        return None

    def _create(self, write: ItopWrite) -> str | None:
        """``core/create`` of a UserRequest; an unanswered try is looked for before another."""
        client = self.client()
        if write.unconfirmed:
            found = _created_earlier(client, write, self.settings)
            if found is not None:
                write.result_itop_id = found
                return f"déjà créé dans iTop (#{found}) par l'essai resté sans réponse"
        obj = client.create(CLASS, write.payload or {}, comment=WRITE_COMMENT, output_fields="id")
        write.result_itop_id = obj.key  # committed with the write's outcome
        self.session.add(write)
        return None

    def _fields(self, client: ItopClient, write: ItopWrite, current: UserRequest) -> dict:
        """The ``core/update`` fields of a write, given what iTop holds now."""
        fields: dict[str, Any] = {}
        team_name = self.settings.itop_team_of_queue(write.team) if write.team else None
        if team_name:
            fields["team_id"] = {"name": team_name}
            if current.agent_id and current.agent_id not in team_members(client, team_name):
                fields["agent_id"] = 0  # the old team's agent: cleared (never "")
        if write.agent_person_id is not None:
            fields["agent_id"] = write.agent_person_id  # 0 clears it (never "": file 80)
        if write.log_entry:
            fields["private_log"] = {"add_item": {"message": write.log_entry, "format": "text"}}
        if write.public_log_entry:
            fields["public_log"] = {
                "add_item": {"message": write.public_log_entry, "format": "text"}
            }
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


def _created_earlier(client: ItopClient, write: ItopWrite, settings: Settings) -> int | None:
    """The id of a UserRequest an unanswered ``core/create`` of ``write`` made, if any: same
    title, created since the write was queued (a create sent twice would make two tickets)."""
    title = str((write.payload or {}).get("title") or "")
    since = format_itop_date(write.created_at - dt.timedelta(minutes=1), settings.tz)
    oql = f"SELECT UserRequest WHERE title = {quote(title)} AND start_date >= {quote(since)}"
    page = client.get(CLASS, oql, output_fields="id")
    return max((o.key for o in page.objects), default=None)


def _entries_there(fields: dict, write: ItopWrite) -> bool:
    """Whether the ticket's logs already hold the write's entries (an earlier try went)."""
    if not (write.log_entry or write.public_log_entry):
        return True  # a team change alone is safe to send again
    logs = (("private_log", write.log_entry), ("public_log", write.public_log_entry))
    for log_name, entry in logs:
        entries = (fields.get(log_name) or {}).get("entries") or []
        if entry and not any(item.get("message") == entry for item in entries):
            return False
    return True
