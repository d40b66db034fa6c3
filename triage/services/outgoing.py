"""The one outgoing queue: every message triage sends out (e-mails, iTop writes) goes through it.

A queued row is written in the same transaction as its cause (an escalation, a decision). A
sender drains the due rows in batches: each row is first **claimed** (status ``sending``,
``claimed_at``, ``claimed_by``) in its own committed transaction before any network
traffic, so two senders never take the same row (PostgreSQL picks candidates with ``FOR
UPDATE SKIP LOCKED``; every backend then claims each with a compare-and-set ``UPDATE``
that only one worker can win); a claim older than the stale delay (a crashed worker) is
due again. Then the row is handed to its channel and ends, by what the far end said:

- accepted: ``sent`` (e-mail) / ``done`` (iTop write), never sent again;
- refused for good (``Refused``: a 5xx SMTP reply for that message, a value iTop rejects):
  ``refused``, with the far end's answer, retried only when an admin asks;
- not now (``Deferred``: a 4xx reply for that message): backed off, the batch goes on;
- the far end is down (``Unavailable``: connection refused or cut, login refused, iTop
  unreachable): this row and the rest of the batch back off, draining stops;
- sent but not acknowledged (``Unconfirmed``: the time-out fell after the message itself
  went): ``uncertain``, never resent without an admin's decision;
- overtaken (``Superseded``: iTop changed the ticket after triage decided): ``superseded``.

Backoff doubles from the first delay up to a cap; a row retried ``failing_after`` times or
more shows ``failed`` (still retried). Nothing is ever deleted or dropped.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.models import utcnow
from triage.services.claims import CLAIMED, claim, finish, worker_name

log = logging.getLogger(__name__)

REFUSED = "refused"
UNCERTAIN = "uncertain"
SUPERSEDED = "superseded"
MAX_ERROR = 2000


class DeliveryError(Exception):
    """A row that did not go; ``values`` are extra columns to record with the outcome."""

    def __init__(self, detail: str, **values: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.values = values


class Refused(DeliveryError):
    """The far end refused this row for good: kept as ``refused`` until an admin retries."""


class Deferred(DeliveryError):
    """This row could not go now (temporary): backed off; the rest of the batch goes on."""


class Unavailable(DeliveryError):
    """The far end cannot be used now: the whole batch backs off and draining stops."""


class Unconfirmed(DeliveryError):
    """Sent but not acknowledged: ``uncertain``, never resent automatically."""


class Superseded(DeliveryError):
    """Overtaken by a newer change at the far end: not sent, and it never will be."""


class Channel(Protocol):
    """Where rows go: ``send`` one row (raising a ``DeliveryError``), ``close`` at the end."""

    def send(self, row: Any) -> str | None:
        """Deliver one row; return a note to keep (``last_error``) or None."""

    def close(self) -> None:
        """Release the connection, if any."""


@dataclass(frozen=True)
class Rules:
    """How one queue retries: its done status, backoff, failing mark, stale claims, batch."""

    done: str
    backoff_first: float
    backoff_max: float
    failing_after: int
    stale_seconds: float
    batch: int = 100

    def backoff(self, attempts: int) -> float:
        """Delay before the next try after ``attempts`` failures: doubling, capped."""
        return min(self.backoff_first * 2 ** max(attempts - 1, 0), self.backoff_max)


@dataclass
class Drained:
    """What one drain did."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0  # deferred or unavailable: will be retried
    refused: int = 0
    uncertain: int = 0
    superseded: int = 0
    stopped: bool = False  # the far end was unavailable
    last_error: str | None = None
    errors: list[str] = field(default_factory=list)


def _postpone(session: Session, row: Any, worker: str, rules: Rules, error: DeliveryError) -> None:
    attempts = row.attempts + 1
    delay = rules.backoff(attempts)
    finish(
        session=session,
        row=row,
        worker=worker,
        status="failed" if attempts >= rules.failing_after else "pending",
        attempts=attempts,
        last_error=error.detail[:MAX_ERROR],
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
        **error.values,
    )
    log.warning("%s %s not sent (attempt %d, next in %ds): %s", type(row).__tablename__,
                row.id, attempts, delay, error.detail)


_FINAL = {Refused: REFUSED, Unconfirmed: UNCERTAIN, Superseded: SUPERSEDED}
_COUNTER = {REFUSED: "refused", UNCERTAIN: "uncertain", SUPERSEDED: "superseded"}


def _deliver(
    session: Session, row: Any, channel: Channel, worker: str, rules: Rules, counts: Drained
) -> bool:
    """Send one claimed row and record its outcome; False when the far end is unavailable."""
    try:
        note = channel.send(row)
    except DeliveryError as error:
        return _record_outcome(session, row, worker, rules, counts, error)
    except Exception as exc:  # noqa: BLE001 - a bug or a database error: retried, never lost
        session.rollback()
        log.exception("%s %s: unexpected failure", type(row).__tablename__, row.id)
        return _record_outcome(
            session, row, worker, rules, counts, Deferred(f"{type(exc).__name__}: {exc}")
        )
    finish(session=session, row=row, worker=worker, status=rules.done,
           attempts=row.attempts + 1, last_error=note, **{_done_column(row): utcnow()})
    counts.sent += 1
    return True


def _record_outcome(
    session: Session, row: Any, worker: str, rules: Rules, counts: Drained, error: DeliveryError
) -> bool:
    """Record a row that did not go; False when the far end is unavailable."""
    status = next((s for kind, s in _FINAL.items() if isinstance(error, kind)), None)
    if status is None:  # Deferred or Unavailable: retried later
        _postpone(session, row, worker, rules, error)
        counts.failed += 1
        counts.last_error = error.detail
        counts.errors.append(error.detail)
        return not isinstance(error, Unavailable)
    finish(session=session, row=row, worker=worker, status=status,
           attempts=row.attempts + 1, last_error=error.detail[:MAX_ERROR], **error.values)
    setattr(counts, _COUNTER[status], getattr(counts, _COUNTER[status]) + 1)
    if status != SUPERSEDED:
        counts.last_error = error.detail
        counts.errors.append(error.detail)
    return True


def _done_column(row: Any) -> str:
    return "sent_at" if hasattr(row, "sent_at") else "done_at"


def drain(
    *,
    session: Session,
    model: type,
    rules: Rules,
    channel: Channel,
    now: dt.datetime | None = None,
    ignore_backoff: bool = False,
    max_rows: int | None = None,
) -> Drained:
    """Send every due row of ``model``, batch after batch, until none is due (or ``max_rows``).

    Batches follow the ids upwards, so a row is tried at most once per drain (a row that
    fails with no backoff is not taken again at once) and ``ignore_backoff`` holds for all.
    """
    worker, counts, last_id = worker_name(), Drained(), 0
    now = now or utcnow()
    try:
        while max_rows is None or counts.claimed < max_rows:
            limit = rules.batch if max_rows is None else min(rules.batch, max_rows - counts.claimed)
            rows = claim(session=session, model=model, now=now, worker=worker, limit=limit,
                         ignore_backoff=ignore_backoff, after_id=last_id,
                         stale_seconds=rules.stale_seconds, batch=rules.batch)
            if not rows:
                break
            counts.claimed += len(rows)
            last_id = rows[-1].id
            if not _send_batch(session, rows, channel, worker, rules, counts):
                counts.stopped = True
                break
    finally:
        channel.close()
    return counts


def _send_batch(
    session: Session, rows: list[Any], channel: Channel, worker: str, rules: Rules,
    counts: Drained,
) -> bool:
    """Send claimed rows in order; on an unavailable far end, the rest back off untried."""
    for index, row in enumerate(rows):
        if _deliver(session, row, channel, worker, rules, counts):
            continue
        error = Unavailable(counts.last_error or "unavailable")
        for rest in rows[index + 1 :]:
            _postpone(session, rest, worker, rules, error)
            counts.failed += 1
        return False
    return True


def retry(*, session: Session, model: type, ids: Iterable[int] | None = None) -> int:
    """An admin's retry: refused (and failed) rows are due again now; returns how many."""
    table = model.__table__
    query = sa.update(table).where(table.c.status.in_((REFUSED, "failed")))
    if ids is not None:
        query = query.where(table.c.id.in_(list(ids)))
    result = session.execute(query.values(status="pending", next_attempt_at=utcnow()))
    session.commit()
    return int(result.rowcount or 0)


def counts_by_status(*, session: Session, model: type) -> dict[str, int]:
    """How many rows of ``model`` are in each status (every status listed, zeros included)."""
    table = model.__table__
    counts = dict.fromkeys(("pending", CLAIMED, "failed", REFUSED, UNCERTAIN), 0)
    query = sa.select(table.c.status, sa.func.count()).group_by(table.c.status)
    for status, number in session.execute(query):
        counts[status] = int(number)
    return counts


def problems(*, session: Session, model: type, limit: int = 20) -> list[Any]:
    """The rows that need a person: refused, uncertain, or failing (newest first)."""
    table = model.__table__
    query = (
        select(model)
        .where(table.c.status.in_((REFUSED, UNCERTAIN, "failed")))
        .order_by(table.c.id.desc())
        .limit(limit)
    )
    return list(session.exec(query))


def settle_uncertain(*, session: Session, model: type, row_id: int, delivered: bool,
                     done: str) -> bool:
    """An admin's decision on an uncertain row: it did arrive (``done``), or send it again."""
    table = model.__table__
    values = {"status": done} if delivered else {"status": "pending", "next_attempt_at": utcnow()}
    result = session.execute(
        sa.update(table).where(table.c.id == row_id, table.c.status == UNCERTAIN).values(**values)
    )
    session.commit()
    return result.rowcount == 1
