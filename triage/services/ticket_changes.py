"""The tickets' version: a number every committed transaction that changed tickets moves,
in that transaction, whichever process made it (a web worker, the scheduler, a command).

A web worker keeps figures derived from the tickets in memory (the queue tabs' counts); it
keeps them with the version it read before computing them, and computes them again once
the version moved. So an agent who requalifies a ticket on one gunicorn worker sees it gone
from the queue the next page shows, served by the other worker, and a sync page shows at
once too.

Why this is exact: the version is bumped in the changing transaction itself, as its last
statement, and read before the figures are. A reader that read the old number computed
figures with or without the change, and computes them again on its next read; one that read
the new number reads after the commit. The row is locked only from that last statement to
the commit, when the transaction has nothing left to wait for: writers never deadlock on it.

What counts as a change: an ORM flush of a ``Ticket``, or an INSERT / UPDATE / DELETE on
the ``ticket`` table through a session. SQL sent on a bare connection (a migration, psql)
moves nothing: the kept figures' own time limit covers it.
"""

import itertools

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.models import DataVersion, Ticket
from triage.services import upsert

TICKETS = "ticket"
_CHANGED = "triage.tickets_changed"


def version_column() -> sa.ScalarSelect:
    """The tickets' version as a column of another statement (NULL before any change)."""
    return select(DataVersion.version).where(DataVersion.name == TICKETS).scalar_subquery()


def tickets_version(*, session: Session) -> int:
    """The tickets' version now (0 before any change was counted)."""
    return int(session.exec(select(version_column())).one() or 0)


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _flushed(session: sa.orm.Session, _flush_context) -> None:
    written = itertools.chain(session.new, session.dirty, session.deleted)  # still this flush's
    if any(isinstance(item, Ticket) for item in written):
        session.info[_CHANGED] = True


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _executed(state: sa.orm.ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        if getattr(getattr(state.statement, "table", None), "name", None) == Ticket.__tablename__:
            state.session.info[_CHANGED] = True


@sa.event.listens_for(sa.orm.Session, "before_commit")
def _committing(session: sa.orm.Session) -> None:
    session.flush()  # what the commit would flush, so that its tickets are seen here
    if session.info.pop(_CHANGED, False):
        # one more change of the tickets, in this transaction (the row made if new)
        upsert.increment(session, DataVersion.__table__, {"name": TICKETS}, "version")


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _ended(session: sa.orm.Session, transaction) -> None:
    """The session's transaction ended (rolled back: its changes went with it). A savepoint
    or a flush's inner transaction is not it: what the outer one changed still counts."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_CHANGED, None)
