"""The schools (EPLE) the committee follows, and the notes of their particular follow-up."""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from triage.models.base import _time, utcnow


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
