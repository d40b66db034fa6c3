"""Database tables (SQLModel).

Times are stored timezone-aware in UTC (``UTCDateTime`` keeps them aware on SQLite too).
"""

import datetime as dt
import enum
import unicodedata

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware datetime, stored in UTC on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset: the value was stored in UTC
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _time(*, nullable: bool = True, index: bool = False, default=None):
    """A Field for an aware datetime column."""
    kwargs = {"sa_type": UTCDateTime, "nullable": nullable, "index": index}
    if default is not None:
        kwargs["default_factory"] = default
    else:
        kwargs["default"] = None
    return Field(**kwargs)


class Team(enum.StrEnum):
    """The queues of triage."""

    SI2C = "SI2C"
    DRASI = "DRASI"
    NATIONAL = "NATIONAL"
    UNASSIGNED = "UNASSIGNED"


# every queue, in the order pages and tables show them
QUEUES: tuple[Team, ...] = tuple(Team)
# the teams that own tickets: agents' teams, requalification targets, iTop team names
TEAMS: tuple[Team, ...] = (Team.SI2C, Team.DRASI, Team.NATIONAL)
# the first-level teams: what the router chooses between, and who is warned before escalation
ROUTABLE_TEAMS: tuple[Team, ...] = (Team.SI2C, Team.DRASI)
TEAM_SOURCES: tuple[str, ...] = ("itop", "prefix", "model", "prefix+model", "agent", "escalation")
CLOSED_STATUSES: frozenset[str] = frozenset({"resolved", "closed", "rejected"})


def is_open_status(status: str) -> bool:
    """Open: every iTop status except resolved, closed and rejected."""
    return status not in CLOSED_STATUSES


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


def fold_text(text: str) -> str:
    """Text folded for search: lower case, no accents, ligatures spelt out, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.translate(_LIGATURES).split())


_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


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
    last_seen_at: dt.datetime = _time(nullable=False, default=utcnow)
    routed_at: dt.datetime | None = _time()
    warned_at: dt.datetime | None = _time()
    escalated_at: dt.datetime | None = _time()
    itop_agent_id: int | None = Field(default=None)  # iTop Person id of the agent, if any
    assigned_at: dt.datetime | None = _time()  # iTop assignment_date
    # out of the backlog: "left_service" (moved to another iTop service) or "deleted"
    gone: str | None = Field(default=None, max_length=16)
    gone_at: dt.datetime | None = _time()
    # the router's explanation, stored when it routed (classifiers.reasons.Explanation)
    explanation: dict | None = Field(default=None, sa_type=sa.JSON)
    # ref, title, description, establishment and caller folded (fold_text): what search reads
    search_text: str = Field(default="", sa_type=sa.Text)


def ticket_search_text(values) -> str:
    """The ``search_text`` of a ticket (or of a dict of its columns)."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name, "")
    fields = ("ref", "title", "organization", "caller", "description")
    return fold_text(" \n ".join(get(name) or "" for name in fields))


@sa.event.listens_for(Ticket, "before_insert")
@sa.event.listens_for(Ticket, "before_update")
def _keep_search_text(_mapper, _connection, ticket: Ticket) -> None:
    """Any ticket written through the ORM carries its search text."""
    ticket.search_text = ticket_search_text(ticket)


GONE_REASONS: tuple[str, ...] = ("left_service", "deleted")


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


class SyncState(SQLModel, table=True):
    """The connector's progress: one row per source."""

    name: str = Field(primary_key=True, max_length=64)
    watermark: dt.datetime | None = _time()
    last_run_at: dt.datetime | None = _time()
    last_success_at: dt.datetime | None = _time()
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    last_error_at: dt.datetime | None = _time()
    last_fetched: int = Field(default=0)
    last_created: int = Field(default=0)
    last_updated: int = Field(default=0)


class User(SQLModel, table=True):
    """A person who signs in to triage."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=128, unique=True, index=True)
    password_hash: str = Field(default="", max_length=255)
    role: str = Field(max_length=16)  # agent, supervisor, admin
    team: str | None = Field(default=None, max_length=16)
    active: bool = Field(default=True)
    created_at: dt.datetime = _time(nullable=False, default=utcnow)
    last_login_at: dt.datetime | None = _time()
    failed_logins: int = Field(default=0)
    locked_until: dt.datetime | None = _time()


class ApiToken(SQLModel, table=True):
    """An API token: only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=128, unique=True, index=True)
    hint: str = Field(default="", max_length=16)  # first characters, to recognise it
    name: str = Field(default="", max_length=128)
    created_at: dt.datetime = _time(nullable=False, default=utcnow)
    last_used_at: dt.datetime | None = _time()
    revoked_at: dt.datetime | None = _time()


class Escalation(SQLModel, table=True):
    """A warning or an escalation: at most one per ticket and level."""

    __table_args__ = (sa.UniqueConstraint("ticket_id", "level", name="uq_escalation_level"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    level: str = Field(max_length=16)  # "warning" or "national"
    created_at: dt.datetime = _time(nullable=False, default=utcnow)
    team: str = Field(max_length=16)  # the team that owned the ticket
    rule: str = Field(default="calendar", max_length=16)  # calendar or working days
    threshold_days: int = Field(default=15)
    age_days: float = Field(default=0)


class OutboxMessage(SQLModel, table=True):
    """An e-mail waiting to be sent (written in the same transaction as its cause)."""

    __table_args__ = (sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=32)  # escalation, warning
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    to_addrs: str = Field(sa_type=sa.Text)  # comma separated
    subject: str = Field(sa_type=sa.Text)
    body_text: str = Field(sa_type=sa.Text)
    body_html: str = Field(default="", sa_type=sa.Text)
    # pending, sending, sent; failed (still retried), refused (5xx: an admin retries),
    # uncertain (sent, never acknowledged: an admin decides)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    created_at: dt.datetime = _time(nullable=False, index=True, default=utcnow)  # admin: latest
    next_attempt_at: dt.datetime = _time(nullable=False, default=utcnow)
    claimed_at: dt.datetime | None = _time()
    claimed_by: str | None = Field(default=None, max_length=128)
    sent_at: dt.datetime | None = _time()
    last_error: str | None = Field(default=None, sa_type=sa.Text)


class ItopWrite(SQLModel, table=True):
    """A write to iTop waiting to be done, retried until iTop accepts it (the outgoing queue).

    ``kind`` "update": on ticket ``itop_id``, a team (``team``, a queue), an agent
    (``agent_person_id``: an iTop Person, 0 to clear), a private and/or a public case-log
    entry, through ``core/update`` or, with ``stimulus``, ``core/apply_stimulus``.
    ``kind`` "create": ``core/create`` of a UserRequest with the fields of ``payload``; the new
    id lands in ``result_itop_id``.
    """

    __table_args__ = (sa.Index("ix_itopwrite_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="update", max_length=16)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    itop_id: int | None = Field(default=None)
    team: str | None = Field(default=None, max_length=16)  # queue to set, if any
    agent_person_id: int | None = Field(default=None)  # iTop Person to assign (0: nobody)
    stimulus: str | None = Field(default=None, max_length=32)  # e.g. ev_assign
    log_entry: str = Field(default="", sa_type=sa.Text)  # private_log entry, if any
    public_log_entry: str = Field(default="", sa_type=sa.Text)  # public_log entry, if any
    payload: dict | None = Field(default=None, sa_type=sa.JSON)  # core/create fields
    result_itop_id: int | None = Field(default=None)  # the id iTop gave a created object
    source: str = Field(default="", max_length=16)  # what decided (prefix, model, agent...)
    # pending, sending, done; failed (still retried), refused (iTop rejects it: an admin
    # retries), superseded (iTop changed the team after the decision: iTop won)
    status: str = Field(default="pending", max_length=16)
    # the last try may have reached iTop without an answer: check iTop before sending again
    unconfirmed: bool = Field(default=False)
    attempts: int = Field(default=0)
    created_at: dt.datetime = _time(nullable=False, default=utcnow)
    next_attempt_at: dt.datetime = _time(nullable=False, default=utcnow)
    claimed_at: dt.datetime | None = _time()  # while "sending": who pushes it, since when
    claimed_by: str | None = Field(default=None, max_length=128)
    done_at: dt.datetime | None = _time()
    last_error: str | None = Field(default=None, sa_type=sa.Text)


class BacklogSnapshot(SQLModel, table=True):
    """The backlog table of one day, per queue, for the trend charts."""

    __table_args__ = (sa.UniqueConstraint("day", "team", name="uq_snapshot_day_team"),)

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    team: str = Field(max_length=16)
    total: int = Field(default=0)
    open: int = Field(default=0)
    overdue: int = Field(default=0)
    taken_at: dt.datetime = _time(nullable=False, default=utcnow)


class DashboardFigure(SQLModel, table=True):
    """A dashboard aggregate over all history, refreshed by the scheduler (not per request)."""

    key: str = Field(primary_key=True, max_length=64)
    value: dict = Field(default_factory=dict, sa_type=sa.JSON)
    computed_at: dt.datetime = _time(nullable=False, default=utcnow)


class JobRun(SQLModel, table=True):
    """The last run of each scheduler job, for /healthz and the admin page."""

    job_id: str = Field(primary_key=True, max_length=64)
    last_run_at: dt.datetime | None = _time()
    last_success_at: dt.datetime | None = _time()
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    last_error_at: dt.datetime | None = _time()
    last_duration_ms: int = Field(default=0)
    last_outcome: str = Field(default="", sa_type=sa.Text)
    runs: int = Field(default=0)
    interval_seconds: int = Field(default=0)


class RetrainRequest(SQLModel, table=True):
    """The admin page's "retrain" request, run by the scheduler (one row per model)."""

    name: str = Field(primary_key=True, max_length=32)
    status: str = Field(default="pending", max_length=16)  # pending running done failed
    requested_by: str = Field(default="", max_length=128)
    requested_at: dt.datetime | None = _time()
    started_at: dt.datetime | None = _time()
    finished_at: dt.datetime | None = _time()
    outcome: str = Field(default="", sa_type=sa.Text)
    error: str | None = Field(default=None, sa_type=sa.Text)


class ReplayRun(SQLModel, table=True):
    """One ``triage replay``: how the router would have done on tickets people dispatched."""

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = _time(nullable=False, default=utcnow)
    since: dt.date | None = Field(default=None)
    model_version: str = Field(default="", max_length=64)
    tickets: int = Field(default=0)  # tickets whose team people set in iTop
    routed: int = Field(default=0)  # the router would have given a team
    agreed: int = Field(default=0)  # ... the one iTop ended with
    left_to_human: int = Field(default=0)
    wrong_prefixes: int = Field(default=0)  # typed prefix != iTop's team
    wrong_caught: int = Field(default=0)  # ... that the router would not have obeyed
    report: dict = Field(default_factory=dict, sa_type=sa.JSON)  # by team, by prefix state
