"""Database tables (SQLModel).

Times are stored timezone-aware in UTC (``UTCDateTime`` keeps them aware on SQLite too).
"""

import datetime as dt
import enum
from collections.abc import Iterable

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
GONE_REASONS: tuple[str, ...] = ("left_service", "deleted")
ROLES: tuple[str, ...] = ("agent", "supervisor", "admin")
LEVELS: tuple[str, ...] = ("warning", "national")
DAY_RULES: tuple[str, ...] = ("calendar", "working")
# the outgoing queues' rows (triage.services.outgoing): e-mails end "sent", iTop writes "done"
OUTBOX_STATUSES: tuple[str, ...] = ("pending", "sending", "sent", "failed", "refused", "uncertain")
ITOP_WRITE_STATUSES: tuple[str, ...] = (
    "pending", "sending", "done", "failed", "refused", "uncertain", "superseded")
ITOP_WRITE_KINDS: tuple[str, ...] = ("update", "create")
RETRAIN_STATUSES: tuple[str, ...] = ("pending", "running", "done", "failed")


def one_of(column: str, values: Iterable[str], *, table: str, nullable: bool = False
           ) -> sa.CheckConstraint:
    """A CHECK constraint keeping ``column`` in a vocabulary (NULL allowed if ``nullable``).

    The database enforces it, so adding a value takes a migration that rewrites the constraint
    (batch mode on SQLite), like any schema change.
    """
    listed = ", ".join(f"'{value}'" for value in values)
    test = f"{column} IN ({listed})"
    if nullable:
        test = f"{column} IS NULL OR {test}"
    return sa.CheckConstraint(test, name=f"ck_{table}_{column}")


def is_open_status(status: str) -> bool:
    """Open: every iTop status except resolved, closed and rejected."""
    return status not in CLOSED_STATUSES


class Ticket(SQLModel, table=True):
    """An iTop UserRequest as triage knows it."""

    __table_args__ = (
        sa.Index("ix_ticket_open_team_created", "is_open", "team", "created_at"),
        sa.Index("ix_ticket_service_team_open", "service", "team", "is_open", "created_at"),
        sa.Index("ix_ticket_service_created", "service", "created_at"),
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

    __table_args__ = (
        one_of("role", ROLES, table="user"),
        one_of("team", TEAMS, table="user", nullable=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=128, unique=True, index=True)
    password_hash: str = Field(default="", max_length=255)
    role: str = Field(max_length=16)  # agent, supervisor, admin
    team: str | None = Field(default=None, max_length=16)
    active: bool = Field(default=True)
    created_at: dt.datetime = _time(nullable=False, default=utcnow)
    last_login_at: dt.datetime | None = _time()
    # the iTop Person this user is (an admin sets it): "je prends" assigns tickets to it
    itop_person_id: int | None = Field(default=None)
    # in the session cookie; bumped by logout and password changes: every session ends
    session_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins of one login from one address (login "": any login from it), shared
    by all workers: the next try waits until ``blocked_until`` (triage.services.throttle)."""

    login: str = Field(primary_key=True, max_length=128)
    address: str = Field(primary_key=True, max_length=64)
    failures: int = Field(default=0)
    last_failure_at: dt.datetime = _time(nullable=False, index=True, default=utcnow)
    blocked_until: dt.datetime | None = _time()


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

    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "level", name="uq_escalation_level"),
        one_of("level", LEVELS, table="escalation"),
        one_of("team", QUEUES, table="escalation"),
        one_of("rule", DAY_RULES, table="escalation"),
    )

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

    __table_args__ = (
        sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),
        one_of("status", OUTBOX_STATUSES, table="outboxmessage"),
    )

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
    created_at: dt.datetime = _time(nullable=False, default=utcnow)
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

    __table_args__ = (
        sa.Index("ix_itopwrite_status_next", "status", "next_attempt_at"),
        one_of("status", ITOP_WRITE_STATUSES, table="itopwrite"),
        one_of("kind", ITOP_WRITE_KINDS, table="itopwrite"),
        one_of("team", QUEUES, table="itopwrite", nullable=True),
    )

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

    __table_args__ = (
        sa.UniqueConstraint("day", "team", name="uq_snapshot_day_team"),
        one_of("team", QUEUES, table="backlogsnapshot"),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date = Field(index=True)
    team: str = Field(max_length=16)
    total: int = Field(default=0)
    open: int = Field(default=0)
    overdue: int = Field(default=0)
    taken_at: dt.datetime = _time(nullable=False, default=utcnow)


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

    __table_args__ = (one_of("status", RETRAIN_STATUSES, table="retrainrequest"),)

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


class School(SQLModel, table=True):
    """A school (EPLE) of the deployment, as the committee follows it (``triage import-schools``).

    ``follow_up``: the committee's "suivi particulier"; each change is kept in SchoolNote.
    """

    id: int | None = Field(default=None, primary_key=True)
    uai: str = Field(max_length=8, unique=True, index=True)  # 7 digits and a letter
    name: str = Field(max_length=255)
    wave: str = Field(default="", max_length=16)  # V5, V6, V7
    kit_progress: float = Field(default=0)  # share of the kit de bascule's actions done, %
    budget_integrated: bool = Field(default=False)
    town: str = Field(default="", max_length=255)
    itop_organization: str = Field(default="", max_length=255)  # iTop name, when it differs
    imported_at: dt.datetime = _time(nullable=False, default=utcnow)
    follow_up: bool = Field(default=False)
    follow_up_note: str = Field(default="", sa_type=sa.Text)
    follow_up_by: str = Field(default="", max_length=255)
    follow_up_at: dt.datetime | None = _time()


class SchoolNote(SQLModel, table=True):
    """Append-only audit of a school's "suivi particulier": who set or lifted it, when, why."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    at: dt.datetime = _time(nullable=False, default=utcnow)
    actor: str = Field(max_length=255)
    follow_up: bool = Field(default=False)
    note: str = Field(default="", sa_type=sa.Text)
