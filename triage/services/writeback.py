"""Write-back to iTop: decisions are queued in the database, then pushed (and retried)."""

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from connectors.itop import ItopError, ItopUnreachable
from triage.config import Settings
from triage.models import ItopWrite, Ticket, utcnow
from triage.services.claims import claim_ids, due_clause, finish, worker_name
from triage.services.itop import client_from_settings

log = logging.getLogger(__name__)

PUSH_BATCH = 200
MAX_BACKOFF = 3600.0
WRITE_COMMENT = "triage"
_T = ItopWrite.__table__


def enqueue(
    *,
    session: Session,
    settings: Settings,
    ticket: Ticket,
    team: str | None = None,
    log_entry: str = "",
) -> ItopWrite | None:
    """Queue a team change and/or a private log entry for iTop, when write-back is on."""
    if not settings.itop_writeback:
        return None
    write = ItopWrite(ticket_id=ticket.id, itop_id=ticket.itop_id, team=team, log_entry=log_entry)
    session.add(write)
    return write


def push_pending(*, session: Session, settings: Settings, client: Any = None) -> dict:
    """Send the due write-backs to iTop (``core/update``); a write is done only once accepted.

    Each row is claimed first (``claims.claim_ids``: status ``sending``), so two schedulers
    never push the same write; a claim older than ``ITOP_WRITE_STALE_SECONDS`` (a crashed
    worker) is taken back. A refused or failed write goes back to ``pending`` with
    ``attempts + 1``, its error and a later ``next_attempt_at`` (exponential backoff, at
    most an hour); nothing is dropped.
    """
    now, worker = utcnow(), worker_name()
    stale = now - dt.timedelta(seconds=settings.itop_write_stale_seconds)
    due = due_clause(_T, waiting=("pending",), now=now, stale_before=stale)
    ids = claim_ids(session=session, table=_T, due=due, now=now, worker=worker, limit=PUSH_BATCH)
    counts = {"sent": 0, "failed": 0, "pending": 0}
    if ids:
        writes = session.exec(
            select(ItopWrite)
            .where(ItopWrite.id.in_(ids))
            .order_by(ItopWrite.id)
            .execution_options(populate_existing=True)
        ).all()
        counts.update(
            _push_claimed(
                session=session, settings=settings, client=client, writes=writes, worker=worker
            )
        )
    counts["pending"] = len(
        session.exec(select(ItopWrite.id).where(ItopWrite.status != "done")).all()
    )
    log.info("iTop write-back: %(sent)d sent, %(failed)d failed, %(pending)d pending", counts)
    return counts


def _push_claimed(
    *, session: Session, settings: Settings, client: Any, writes: list[ItopWrite], worker: str
) -> dict:
    """Push our claimed writes in order; each ends done, postponed, or handed back untried."""
    own_client = client is None
    left = list(writes)
    counts = {"sent": 0, "failed": 0}
    try:
        client = client or client_from_settings(settings)
        while left:
            write = left.pop(0)
            try:
                _push_one(client=client, settings=settings, write=write)
            except ItopError as exc:
                _postpone(session=session, settings=settings, write=write, worker=worker, error=exc)
                counts["failed"] += 1
                if isinstance(exc, ItopUnreachable):
                    break  # iTop is down: the others wait for the next run, untried
                continue
            # one commit per write: a crash never resends a done one
            _finish(session, write, worker, status="done", done_at=utcnow(), last_error=None)
            counts["sent"] += 1
    except ItopError as exc:  # no client (configuration): every claimed write waits
        for write in left:
            _postpone(session=session, settings=settings, write=write, worker=worker, error=exc)
        counts["failed"] += len(left)
        left = []
    finally:
        for write in left:  # handed back as they were: not an attempt
            _finish(session, write, worker, status="pending")
        if own_client and client is not None:
            client.close()
    return counts


def _finish(session: Session, write: ItopWrite, worker: str, **values: Any) -> None:
    """Release our claim on ``write`` with ``values`` (mirrored on the object, not re-flushed)."""
    values.update(claimed_at=None, claimed_by=None)
    if not finish(session=session, table=_T, row_id=write.id, worker=worker, **values):
        log.warning("iTop write-back %s: claim taken back by another worker", write.id)
        return
    for name, value in values.items():
        set_committed_value(write, name, value)


def _push_one(*, client: Any, settings: Settings, write: ItopWrite) -> None:
    """One ``core/update``: the team (by its iTop name) and/or a private log entry."""
    fields: dict[str, Any] = {}
    team_name = settings.itop_team_of_queue(write.team) if write.team else None
    if team_name:
        fields["team_id"] = {"name": team_name}
    if write.log_entry:
        fields["private_log"] = write.log_entry
    if not fields:
        return
    client.update("UserRequest", write.itop_id, fields, comment=WRITE_COMMENT)


def _postpone(
    *, session: Session, settings: Settings, write: ItopWrite, worker: str, error: Exception
) -> None:
    """Count a failed attempt and schedule the next one later."""
    attempts = write.attempts + 1
    base = settings.itop_write_backoff
    delay = min(MAX_BACKOFF, base * 2 ** (attempts - 1))
    _finish(
        session,
        write,
        worker,
        status="pending",
        attempts=attempts,
        last_error=str(error),
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
    )
    log.warning(
        "iTop write-back %s for ticket %s failed (attempt %d): %s",
        write.id,
        write.itop_id,
        attempts,
        error,
    )
