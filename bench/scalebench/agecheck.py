"""The age check in process, on data that is never changed for good.

PostgreSQL: everything happens in one outer transaction rolled back at the end (the
service's own commits only release savepoints). SQLite: on a copy of the database file.
"""

import datetime as dt
import sqlite3
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from scalebench.history import ESCALATION_TO


@contextmanager
def scratch_session(app) -> Iterator[Session]:
    """A session whose work vanishes afterwards."""
    from triage.db import get_engine, make_engine

    engine = get_engine(app)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            outer = conn.begin()
            session = Session(bind=conn, join_transaction_mode="create_savepoint",
                              expire_on_commit=False)
            try:
                yield session
            finally:
                session.close()
                outer.rollback()
        return
    source = Path(engine.url.database)
    copy = source.with_name(source.stem + "-agecheck.db")
    with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    scratch = make_engine(f"sqlite:///{copy}")
    try:
        with Session(scratch, expire_on_commit=False) as session:
            yield session
    finally:
        scratch.dispose()
        for path in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            path.unlink(missing_ok=True)


def make_due(session: Session, *, as_of: dt.datetime, count: int, service: str) -> int:
    """Make ``count`` tickets open, not escalated and 20 days old (young open ones first,
    then closed ones reopened when there are not enough)."""
    from triage.models import Ticket

    old = as_of - dt.timedelta(days=20)
    eligible = sa.and_(Ticket.service == service, Ticket.team != "NATIONAL",
                       Ticket.escalated_at.is_(None))
    ids = list(session.execute(
        sa.select(Ticket.id).where(eligible, Ticket.is_open)
        .order_by(Ticket.created_at.desc()).limit(count)).scalars())
    if len(ids) < count:
        ids += session.execute(
            sa.select(Ticket.id).where(eligible, sa.not_(Ticket.is_open))
            .order_by(Ticket.created_at.desc()).limit(count - len(ids))).scalars().all()
    for start in range(0, len(ids), 500):
        session.execute(
            sa.update(Ticket).where(Ticket.id.in_(ids[start:start + 500]))
            .values(created_at=old, is_open=True, status="assigned", resolved_at=None,
                    warned_at=None)
        )
    session.commit()
    return len(ids)


def run(app, *, as_of: dt.datetime, due: int, repeats: int = 3) -> dict:
    """Time the age check with nothing due (``repeats`` times), then with ``due`` tickets due."""
    from triage.config import get_settings
    from triage.services.escalation import check_ages

    settings = get_settings(app)
    results: dict = {}
    with app.app_context():
        quiet = []
        for _ in range(repeats):
            with scratch_session(app) as session:
                clock = time.perf_counter()
                counts = check_ages(session=session, settings=settings, now=as_of)
                quiet.append((time.perf_counter() - clock) * 1000)
        results["age_check_ms"] = round(statistics.median(quiet), 1)
        results["age_check_first_ms"] = round(quiet[0], 1)
        results["age_check_candidates"] = counts["candidates"]
        with scratch_session(app) as session:
            made = make_due(session, as_of=as_of, count=due, service=settings.itop_service)
            clock = time.perf_counter()
            counts = check_ages(session=session, settings=settings, now=as_of)
            spent = (time.perf_counter() - clock) * 1000
        results.update(age_check_due=made, age_check_due_ms=round(spent, 1),
                       age_check_due_escalated=counts["national"],
                       age_check_due_per_s=round(counts["national"] / spent * 1000, 1)
                       if spent else None)
    return results


def config_for(url: str, instance: str, secret: str) -> dict:
    """The in-process app's settings: e-mails built as in production, no iTop write-back."""
    return {"DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": secret,
            "ESCALATION_TO": [ESCALATION_TO], "ITOP_WRITEBACK": False,
            "WARNING_TO_SI2C": [], "WARNING_TO_DRASI": []}
