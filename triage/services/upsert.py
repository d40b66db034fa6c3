"""A sync page's tickets written in one statement (``INSERT ... ON CONFLICT (itop_id) DO
UPDATE``, PostgreSQL and SQLite), the unchanged ones only seen again, all read back."""

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from triage.models import Ticket, UTCDateTime, utcnow

_UTC = UTCDateTime()


def write(session: Session, rows: list[dict[str, Any]]) -> None:
    """One INSERT ... ON CONFLICT (itop_id) DO UPDATE for the rows (PostgreSQL, SQLite)."""
    session.flush()
    if not rows:
        return  # nothing pending in the ORM may be overwritten by this statement
    if session.get_bind().dialect.name == "postgresql":
        _write_postgresql(session, rows)
    else:
        _write_sqlite(session, rows)


def _on_conflict(statement, columns: list[str]):
    return statement.on_conflict_do_update(
        index_elements=[Ticket.__table__.c.itop_id],
        set_={name: statement.excluded[name] for name in columns if name != "itop_id"},
    )


def _write_postgresql(session: Session, rows: list[dict[str, Any]]) -> None:
    """The rows as one JSON parameter, read by ``json_populate_recordset``: one statement of
    a few hundred characters whatever the page's size, compiled once (a multi-row VALUES
    of a 500-ticket page has 16,000 placeholders, which the driver parses at every page)."""
    table, columns = Ticket.__table__, list(rows[0])
    records = sa.func.json_populate_recordset(
        sa.literal_column(f"NULL::{table.name}"), sa.cast(sa.bindparam("rows"), JSON)
    ).table_valued(*columns)
    statement = postgresql_insert(table).from_select(
        columns, sa.select(*(records.c[name] for name in columns))
    )
    session.execute(_on_conflict(statement, columns), {"rows": json.dumps(rows, default=_json)})


def _json(value: Any) -> str:
    """The rows' times as ISO 8601 with their offset (UTC); nothing naive gets through."""
    if isinstance(value, dt.datetime):
        return _UTC.process_bind_param(value, None).isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def _write_sqlite(session: Session, rows: list[dict[str, Any]]) -> None:
    """One executemany of a statement with RETURNING, which SQLAlchemy sends as
    "insertmanyvalues": one multi-row statement per 1,000 rows, compiled once per process."""
    table = Ticket.__table__
    statement = _on_conflict(sqlite_insert(table), list(rows[0])).returning(table.c.id)
    session.execute(statement, rows).close()


def touch(session: Session, ids: list[int]) -> None:
    """Unchanged tickets: seen now (one UPDATE of a column no index holds: cheap in place)."""
    if ids:
        session.execute(
            sa.update(Ticket).where(Ticket.id.in_(ids)).values(last_seen_at=utcnow()),
            execution_options={"synchronize_session": False},
        )


def read_back(session: Session, ids: list[int]) -> list[Ticket]:
    """The page's tickets as they are now in the database (the ORM's copies refreshed)."""
    query = select(Ticket).where(Ticket.itop_id.in_(ids)).order_by(Ticket.id)
    return list(session.exec(query.execution_options(populate_existing=True)))
