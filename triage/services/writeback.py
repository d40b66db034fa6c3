"""Write-back to iTop: decisions are queued in the database, then pushed (and retried)."""

import datetime as dt
import logging
from typing import Any

from sqlmodel import Session, select

from connectors.itop import ItopError, ItopUnreachable
from triage.models import ItopWrite, Ticket, utcnow
from triage.services.itop import client_from_config, itop_team_of_queue

log = logging.getLogger(__name__)

PUSH_BATCH = 200
MAX_BACKOFF = 3600.0
WRITE_COMMENT = "triage"


def enqueue(
    *, session: Session, config: Any, ticket: Ticket, team: str | None = None, log_entry: str = ""
) -> ItopWrite | None:
    """Queue a team change and/or a private log entry for iTop, when write-back is on."""
    if not config.get("ITOP_WRITEBACK"):
        return None
    write = ItopWrite(ticket_id=ticket.id, itop_id=ticket.itop_id, team=team, log_entry=log_entry)
    session.add(write)
    return write


def push_pending(*, session: Session, config: Any, client: Any = None) -> dict:
    """Send the due write-backs to iTop (``core/update``); a write is done only once accepted.

    A refused or failed write stays pending with ``attempts + 1``, its error and a later
    ``next_attempt_at`` (exponential backoff, at most an hour); nothing is dropped.
    """
    now = utcnow()
    due = session.exec(
        select(ItopWrite)
        .where(ItopWrite.status == "pending", ItopWrite.next_attempt_at <= now)
        .order_by(ItopWrite.id)
        .limit(PUSH_BATCH)
    ).all()
    counts = {"sent": 0, "failed": 0, "pending": 0}
    if due:
        own_client = client is None
        try:
            client = client or client_from_config(config)
            for write in due:
                try:
                    _push_one(client=client, config=config, write=write)
                except ItopError as exc:
                    _postpone(config=config, write=write, error=str(exc))
                    session.commit()
                    counts["failed"] += 1
                    if isinstance(exc, ItopUnreachable):
                        break  # iTop is down: the others wait for the next run
                    continue
                write.status, write.done_at, write.last_error = "done", utcnow(), None
                session.commit()  # one commit per write: a crash never resends a done one
                counts["sent"] += 1
        except ItopError as exc:  # no client (configuration): every due write waits
            session.rollback()
            for write in due:
                if write.status == "pending":
                    _postpone(config=config, write=write, error=str(exc))
            session.commit()
            counts["failed"] += len(due)
        finally:
            if own_client and client is not None:
                client.close()
    counts["pending"] = len(
        session.exec(select(ItopWrite.id).where(ItopWrite.status == "pending")).all()
    )
    log.info("iTop write-back: %(sent)d sent, %(failed)d failed, %(pending)d pending", counts)
    return counts


def _push_one(*, client: Any, config: Any, write: ItopWrite) -> None:
    """One ``core/update``: the team (by its iTop name) and/or a private log entry."""
    fields: dict[str, Any] = {}
    team_name = itop_team_of_queue(config, write.team) if write.team else None
    if team_name:
        fields["team_id"] = {"name": team_name}
    if write.log_entry:
        fields["private_log"] = write.log_entry
    if not fields:
        return
    client.update("UserRequest", write.itop_id, fields, comment=WRITE_COMMENT)


def _postpone(*, config: Any, write: ItopWrite, error: str) -> None:
    """Count a failed attempt and schedule the next one later."""
    write.attempts += 1
    write.last_error = error
    base = float(config.get("ITOP_WRITE_BACKOFF", 30.0))
    delay = min(MAX_BACKOFF, base * 2 ** (write.attempts - 1))
    write.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
    log.warning(
        "iTop write-back %s for ticket %s failed (attempt %d): %s",
        write.id,
        write.itop_id,
        write.attempts,
        error,
    )
