"""Tickets, what happened to them (events) and their team decisions (history)."""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from triage.models.base import (
    GONE_REASONS,
    QUEUES,
    TEAM_SOURCES,
    Team,
    _time,
    fold_text,
    one_of,
    utcnow,
)


def _partial(name: str, *columns: str, extra: str = "", open_only: bool = True) -> sa.Index:
    """An index on the backlog's tickets (not gone), open ones only unless told otherwise;
    ``extra``: one more condition (a boolean column, or ``... IS NULL``)."""
    pg, lite = ["gone IS NULL"], ["gone IS NULL"]
    if open_only:
        pg.insert(0, "is_open")
        lite.insert(0, "is_open = 1")
    if extra:
        pg.append(extra)
        lite.append(extra if " " in extra else f"{extra} = 1")
    return sa.Index(
        name,
        *columns,
        postgresql_where=sa.text(" AND ".join(pg)),
        sqlite_where=sa.text(" AND ".join(lite)),
    )


class Ticket(SQLModel, table=True):
    """An iTop UserRequest as triage knows it."""

    # Partial indexes fitting the queue's filters (docs/architecture.md, "Scale"): the open
    # backlog is 3 % of the tickets, so a list, a count or the age check over open tickets
    # reads only them. The WHERE is written per dialect as each renders the query's booleans.
    __table_args__ = (
        _partial(  # also covers the dashboard's ages and establishments: an index-only scan
            "ix_ticket_open_created", "service", "created_at", "id", "team", "needs_review",
            "organization",
        ),
        _partial("ix_ticket_open_team", "service", "team", "created_at", "id"),
        _partial("ix_ticket_open_review", "service", "created_at", "id", extra="needs_review"),
        # the age check's range: open tickets not escalated yet (young ones, mostly)
        _partial(
            "ix_ticket_due", "service", "created_at", "id", "team", "warned_at",
            extra="escalated_at IS NULL",
        ),
        # not is_open as a column: SQLite would take this index, covering, for open lists
        _partial("ix_ticket_backlog_created", "service", "created_at", "id", open_only=False),
        # PostgreSQL only (migrations/env.py skips it elsewhere): SQLite scans the folded text
        sa.Index(
            "ix_ticket_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            info={"postgresql_only": True},
        ).ddl_if(dialect="postgresql"),
        sa.Index(  # the open tickets alone: a common word does not walk the whole history
            "ix_ticket_open_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            postgresql_where=sa.text("is_open AND gone IS NULL"),
            info={"postgresql_only": True},
        ).ddl_if(dialect="postgresql"),
        one_of("team", QUEUES, table="ticket"),
        one_of("team_source", TEAM_SOURCES, table="ticket", nullable=True),
        one_of("gone", GONE_REASONS, table="ticket", nullable=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    itop_id: int = Field(sa_column_kwargs={"unique": True}, nullable=False)
    ref: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(default="", sa_type=sa.Text)
    description: str = Field(default="", sa_type=sa.Text)  # plain text
    description_html: str = Field(default="", sa_type=sa.Text)  # as iTop sent it
    status: str = Field(default="new", max_length=32)
    is_open: bool = Field(default=True)
    organization: str = Field(default="", max_length=255)
    caller: str = Field(default="", max_length=255)
    # how to reach the caller (their iTop Person), read by the sync for open tickets
    caller_email: str = Field(default="", max_length=255)
    caller_phone: str = Field(default="", max_length=64)
    agent: str = Field(default="", max_length=255)
    service: str = Field(default="", max_length=255)
    servicesubcategory: str = Field(default="", max_length=255)
    priority: str = Field(default="", max_length=8)
    urgency: str = Field(default="", max_length=8)
    origin: str = Field(default="", max_length=32)
    itop_team_id: int | None = Field(default=None)
    itop_team: str = Field(default="", max_length=255)  # team name in iTop, "" when none
    team: str = Field(default=Team.UNASSIGNED.value, max_length=16, index=True)
    team_source: str | None = Field(default=None, max_length=16)
    prefix: str | None = Field(default=None, max_length=16)
    confidence: float | None = Field(default=None)
    needs_review: bool = Field(default=False)
    requalify_suggested: bool = Field(default=False)
    created_at: dt.datetime = _time(nullable=False, default=utcnow)  # iTop start_date
    updated_at: dt.datetime = _time(nullable=False, default=utcnow)  # iTop last_update
    resolved_at: dt.datetime | None = _time()
    # when the sync last wrote the row (new, or changed in iTop: one read again unchanged is
    # not rewritten), or a write-back to iTop last did
    last_seen_at: dt.datetime = _time(nullable=False, default=utcnow)
    routed_at: dt.datetime | None = _time()
    # derived from the Escalation rows (the record), kept on the ticket on purpose: the age
    # check's prefilter reads them from the ticket's own indexes; set in the same transaction
    # as the Escalation row by triage.services.escalation, never apart from it
    warned_at: dt.datetime | None = _time()
    escalated_at: dt.datetime | None = _time()
    itop_agent_id: int | None = Field(default=None)  # iTop Person id of the agent, if any
    assigned_at: dt.datetime | None = _time()  # iTop assignment_date
    # out of the backlog: "left_service" (moved to another iTop service) or "deleted"
    gone: str | None = Field(default=None, max_length=16)
    gone_at: dt.datetime | None = _time()
    # the router's explanation, stored when it routed (classifiers.reasons.Explanation)
    explanation: dict | None = Field(default=None, sa_type=sa.JSON)
    # the newest exchanges with the requester (iTop's public log): [{"at", "author", "text"}]
    exchanges: list | None = Field(default=None, sa_type=sa.JSON)
    # ref, title, description, establishment and caller folded (fold_text): what search reads
    search_text: str = Field(default="", sa_type=sa.Text)


# the columns a ticket's search_text is made of
SEARCH_FIELDS = ("ref", "title", "organization", "caller", "description")


def ticket_search_text(values) -> str:
    """The ``search_text`` of a ticket (or of a dict of its columns)."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name, "")
    return fold_text(" \n ".join(get(name) or "" for name in SEARCH_FIELDS))


@sa.event.listens_for(Ticket, "before_insert")
@sa.event.listens_for(Ticket, "before_update")
def _keep_search_text(_mapper, _connection, ticket: Ticket) -> None:
    """Any ticket written through the ORM carries its search text."""
    ticket.search_text = ticket_search_text(ticket)



def in_backlog(service: str) -> sa.ColumnElement[bool]:
    """Tickets of the backlog: of the triaged iTop service, and not gone from it."""
    return sa.and_(Ticket.service == service, Ticket.gone.is_(None))


class TicketEvent(SQLModel, table=True):
    """What happened to a ticket besides team decisions: it left iTop's service or came back,
    an iTop change won over a pending write-back (a conflict)."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: dt.datetime = _time(nullable=False, default=utcnow)
    kind: str = Field(max_length=32)  # left_service, deleted, back, conflict
    actor: str = Field(default="", max_length=255)
    detail: str = Field(default="", sa_type=sa.Text)


class RoutingDecision(SQLModel, table=True):
    """Append-only history of team decisions on a ticket."""

    __table_args__ = (
        one_of("source", TEAM_SOURCES, table="routingdecision"),
        one_of("from_team", QUEUES, table="routingdecision", nullable=True),
        one_of("to_team", QUEUES, table="routingdecision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: dt.datetime = _time(nullable=False, default=utcnow)
    actor: str = Field(max_length=255)  # user login, "router", "itop", "scheduler"
    source: str = Field(max_length=16)  # one of TEAM_SOURCES
    from_team: str | None = Field(default=None, max_length=16)
    to_team: str = Field(max_length=16)
    confidence: float | None = Field(default=None)
    reason: str = Field(default="", sa_type=sa.Text)
    model_version: str | None = Field(default=None, max_length=64)
