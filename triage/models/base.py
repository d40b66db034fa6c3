"""The models' common ground: aware UTC times, the queues and every vocabulary the database
keeps (CHECK constraints), the folding of text for search."""

import datetime as dt
import enum
import functools
import unicodedata
from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Field


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


def fold_text(text: str) -> str:
    """Text folded for search: lower case, no accents, ligatures spelt out, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(text.translate(_folding()).split())


@functools.cache
def _folding() -> dict[int, str | None]:
    """One translation table: every combining mark dropped (U+0300 to U+1E94A: none lies
    outside), the ligatures spelt out; built on first use (10 ms), then a C-speed pass."""
    table: dict[int, str | None] = {
        code: None for code in range(0x300, 0x20000) if unicodedata.combining(chr(code))
    }
    table.update({ord("œ"): "oe", ord("æ"): "ae"})
    return table
