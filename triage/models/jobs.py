"""The processes' own state: the sync's progress, daily snapshots, stored dashboard figures,
the tables' versions, scheduler jobs, retrain requests and replays."""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from triage.models.base import QUEUES, RETRAIN_STATUSES, _time, one_of, utcnow


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


class DashboardFigure(SQLModel, table=True):
    """A dashboard aggregate over all history, refreshed by the scheduler (not per request)."""

    key: str = Field(primary_key=True, max_length=64)
    value: dict = Field(default_factory=dict, sa_type=sa.JSON)
    computed_at: dt.datetime = _time(nullable=False, default=utcnow)


class DataVersion(SQLModel, table=True):
    """How many committed transactions changed a table (``name``: "ticket"), for the figures
    a process keeps in memory: they are stale once the number moved (services.ticket_changes)."""

    name: str = Field(primary_key=True, max_length=64)
    version: int = Field(default=0, sa_type=sa.BigInteger)


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
