"""Who signs in: users, their sign-in throttling, their API tokens."""

import datetime as dt

from sqlmodel import Field, SQLModel

from triage.models.base import ROLES, TEAMS, _time, one_of, utcnow


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
