"""Claiming queued rows (outbox e-mails, iTop write-backs) so that one worker alone sends each.

A row is claimed (status ``sending``, ``claimed_at``, ``claimed_by``) in its own committed
transaction before any network traffic. PostgreSQL picks the candidate rows with
``FOR UPDATE SKIP LOCKED``; every backend then claims each with a compare-and-set
``UPDATE ... WHERE id = ? AND <still due>`` that only one worker can win (SQLite serialises
writers). A claim older than the stale delay (a crashed worker) is due again. The worker
finishes a row only while it still owns the claim.
"""

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

CLAIMED = "sending"


def worker_name() -> str:
    """Who claims rows: host, process and a random part (two runs never look alike)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:128]


def due_clause(
    table: sa.Table,
    *,
    waiting: Iterable[str],
    now: dt.datetime,
    stale_before: dt.datetime,
    ignore_backoff: bool = False,
) -> Any:
    """Rows waiting (status in ``waiting``, and due) or claimed too long ago."""
    ready = table.c.status.in_(list(waiting))
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


def finish(*, session: Session, table: sa.Table, row_id: int, worker: str, **values: Any) -> bool:
    """Update a row ``worker`` still owns (committed); False when its claim was taken back."""
    result = session.execute(
        sa.update(table)
        .where(table.c.id == row_id, table.c.status == CLAIMED, table.c.claimed_by == worker)
        .values(**values)
    )
    session.commit()
    return result.rowcount == 1
