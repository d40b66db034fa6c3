"""A sync page's tickets written in one statement (``INSERT ... ON CONFLICT (itop_id) DO
UPDATE``, PostgreSQL and SQLite), the unchanged ones only seen again, all read back."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from triage.models import Ticket, utcnow



def write(session: Session, rows: list[dict[str, Any]]) -> None:
    """One INSERT ... ON CONFLICT (itop_id) DO UPDATE for the rows (PostgreSQL, SQLite).

    The rows go as one executemany of a statement with RETURNING, which SQLAlchemy sends as
    "insertmanyvalues": one multi-row statement per 1,000 rows, compiled once per process
    (a ``.values(rows)`` statement is compiled anew for every page: 62,000 bound parameters).
    """
    session.flush()
    if not rows:
        return  # nothing pending in the ORM may be overwritten by this statement
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = Ticket.__table__
    statement = insert(table)
    columns = [name for name in rows[0] if name != "itop_id"]
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.itop_id],
        set_={name: statement.excluded[name] for name in columns},
    ).returning(table.c.id)
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
