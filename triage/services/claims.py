"""Claiming queued rows so that one worker alone sends each (the outgoing queue's first step).

A row is claimed (status ``sending``, ``claimed_at``, ``claimed_by``) in its own committed
transaction before any network traffic. PostgreSQL picks the candidate rows with
``FOR UPDATE SKIP LOCKED``; every backend then claims each with a compare-and-set
``UPDATE ... WHERE id = ? AND <still due>`` that only one worker can win (SQLite serialises
writers). A claim older than the stale delay (a crashed worker) is due again. The worker
finishes a row only while it still owns the claim.
"""

import datetime as dt
import logging
import os
import socket
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

log = logging.getLogger(__name__)

CLAIMED = "sending"
RETRIED = ("pending", "failed")  # "failed": retried, shown as failing


def worker_name() -> str:
    """Who claims rows: host, process and a random part (two runs never look alike)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:128]


def due_clause(
    table: sa.Table, *, now: dt.datetime, stale_before: dt.datetime, ignore_backoff: bool = False
) -> Any:
    """Rows waiting (and due, unless ``ignore_backoff``) or claimed too long ago."""
    ready = table.c.status.in_(RETRIED)
    if not ignore_backoff:
        ready = sa.and_(ready, table.c.next_attempt_at <= now)
    abandoned = sa.and_(table.c.status == CLAIMED, table.c.claimed_at < stale_before)
    return sa.or_(ready, abandoned)


def claim_ids(
    *, session: Session, table: sa.Table, due: Any, now: dt.datetime, worker: str, limit: int
) -> list[int]:
    """Claim up to ``limit`` due rows of ``table`` for ``worker``; their ids (committed)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = sa.select(table.c.id).where(due).order_by(table.c.id).limit(limit)
    if postgres:
        query = query.with_for_update(skip_locked=True)
    ids = [row[0] for row in session.execute(query)]
    claimed = []
    for row_id in ids:
        result = session.execute(
            sa.update(table)
            .where(table.c.id == row_id, due)
            .values(status=CLAIMED, claimed_at=now, claimed_by=worker)
        )
        if result.rowcount == 1:
            claimed.append(row_id)
        if not postgres:
            session.commit()  # SQLite: keep the write lock short, claim by claim
    session.commit()
    return claimed


def claim(
    *,
    session: Session,
    model: type,
    stale_seconds: float,
    batch: int,
    now: dt.datetime,
    worker: str,
    limit: int | None = None,
    ignore_backoff: bool = False,
    after_id: int = 0,
) -> list[Any]:
    """Claim up to ``limit`` due rows of ``model`` (ids above ``after_id``), oldest first."""
    table = model.__table__
    stale_before = now - dt.timedelta(seconds=stale_seconds)
    due = due_clause(table, now=now, stale_before=stale_before, ignore_backoff=ignore_backoff)
    if after_id:
        due = sa.and_(table.c.id > after_id, due)
    ids = claim_ids(
        session=session, table=table, due=due, now=now, worker=worker, limit=limit or batch
    )
    if not ids:
        return []
    query = select(model).where(model.id.in_(ids)).order_by(model.id)
    return list(session.exec(query.execution_options(populate_existing=True)))


def finish(*, session: Session, row: Any, worker: str, **values: Any) -> bool:
    """Release our claim on ``row`` with ``values`` (committed); False when it was taken back.

    Whatever else the session holds (the channel's changes to a ticket) commits with it.
    """
    values.update(claimed_at=None, claimed_by=None)
    table = type(row).__table__
    result = session.execute(
        sa.update(table)
        .where(table.c.id == row.id, table.c.status == CLAIMED, table.c.claimed_by == worker)
        .values(**values)
    )
    session.commit()
    if result.rowcount != 1:
        log.warning("%s %s: claim taken back by another worker", table.name, row.id)
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    return True


