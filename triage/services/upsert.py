"""Rows written in bulk: a sync page's tickets in one statement (``INSERT ... ON CONFLICT
(itop_id) DO UPDATE``, PostgreSQL and SQLite), their history rows in one more, and the ones
a page still handles as objects read back."""

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from triage.models import Ticket, UTCDateTime

_UTC = UTCDateTime()


def write(session: Session, rows: list[dict[str, Any]], *, new: bool = False) -> dict[int, int]:
    """One INSERT ... ON CONFLICT (itop_id) for the rows (all with the same keys): DO UPDATE
    of every column given; ``new``: DO NOTHING, the rows being new tickets, with what only a
    new ticket gets (its team...), and only the rows this statement inserted are answered
    (another sync may have just written one). The ticket id of each row's iTop id."""
    session.flush()
    if not rows:
        return {}  # nothing pending in the ORM may be overwritten by this statement
    table, columns = Ticket.__table__, list(rows[0])
    if _postgresql(session):
        statement = postgresql_insert(table).from_select(columns, _records(table, columns))
        params = {"rows": _json_rows(rows)}
    else:
        statement, params = sqlite_insert(table), rows
    if new:
        statement = statement.on_conflict_do_nothing(index_elements=[table.c.itop_id])
    else:
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.itop_id],
            set_={name: statement.excluded[name] for name in columns if name != "itop_id"},
        )
    statement = statement.returning(table.c.itop_id, table.c.id)
    return dict(session.execute(statement, params).all())


def insert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Plain rows of ``table`` in one statement (the columns' defaults filled in), without
    building an object per row."""
    if not rows:
        return
    rows = [_with_defaults(table, row) for row in rows]
    columns = list(rows[0])
    if _postgresql(session):
        statement = sa.insert(table).from_select(columns, _records(table, columns))
        session.execute(statement, {"rows": _json_rows(rows)})
    else:  # "insertmanyvalues" (RETURNING asks for it): multi-row statements, not row by row
        key = list(table.primary_key.columns)
        session.execute(sa.insert(table).returning(*key), rows).close()


def insert_missing(session: Session, table: sa.Table, values: dict[str, Any]) -> None:
    """Insert one row unless its key is there already (``ON CONFLICT DO NOTHING``): two
    processes creating the same row at once both succeed, one row is made."""
    insert = postgresql_insert if _postgresql(session) else sqlite_insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


def increment(session: Session, table: sa.Table, key: dict[str, Any], column: str) -> None:
    """One more in ``column`` of the row with ``key``, made with 1 if there is none, in one
    statement (``ON CONFLICT DO UPDATE``): two processes at once both count."""
    insert = postgresql_insert if _postgresql(session) else sqlite_insert
    statement = insert(table).values(**key, **{column: 1})
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={column: table.c[column] + 1}
    )
    session.execute(statement)


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _records(table: sa.Table, columns: list[str]) -> sa.Select:
    """The rows of one JSON parameter as ``table``'s records (``json_populate_recordset``):
    one statement of a few hundred characters whatever the number of rows, compiled once (a
    multi-row VALUES of a 500-ticket page has 16,000 placeholders, which the driver parses
    at every page)."""
    records = sa.func.json_populate_recordset(
        sa.literal_column(f"NULL::{table.name}"), sa.cast(sa.bindparam("rows"), JSON)
    ).table_valued(*columns)
    return sa.select(*(records.c[name] for name in columns))


def _json_rows(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=_json)


def _json(value: Any) -> str:
    """The rows' times as ISO 8601 with their offset (UTC); nothing naive gets through."""
    if isinstance(value, dt.datetime):
        return _UTC.process_bind_param(value, None).isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def _with_defaults(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """The row with each column it lacks at its Python-side default (the primary key left)."""
    full = dict(row)
    for column in table.columns:
        if column.name in full or column.primary_key:
            continue
        default = column.default
        if default is None:
            full[column.name] = None
        elif default.is_callable:
            full[column.name] = default.arg(None)
        else:
            full[column.name] = default.arg
    return full


def read_back(session: Session, ids: list[int]) -> list[Ticket]:
    """These tickets as they are now in the database (the ORM's copies refreshed), by id."""
    if not ids:
        return []
    query = select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id)
    return list(session.exec(query.execution_options(populate_existing=True)))
