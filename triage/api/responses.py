"""The API's answers, described once (pydantic): the OpenAPI components of every response,
checked against real answers by the suite (tests/test_openapi.py, schemathesis)."""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from triage.models import GONE_REASONS, QUEUES, ROUTABLE_TEAMS, TEAM_SOURCES

RoutableTeam = Literal[tuple(t.value for t in ROUTABLE_TEAMS)]


class Error(BaseModel):
    """Every error answer."""

    error: str
    message: str


class Ticket(BaseModel):
    """A ticket, as interfaces.md lists it."""

    ref: str
    itop_id: int
    title: str
    description: str = Field(description="plain text")
    status: str = Field(description="iTop status")
    open: bool
    team: Literal[tuple(q.value for q in QUEUES)]
    team_source: Literal[TEAM_SOURCES] | None
    prefix: str | None
    confidence: float | None
    needs_review: bool
    requalify_suggested: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    age_days: float = Field(description="days since creation in iTop")
    overdue: bool
    escalated_at: dt.datetime | None
    organization: str
    caller: str
    gone: Literal[GONE_REASONS] | None
    itop_url: str | None
    agent: str = Field(description="the agent in iTop (or who took it in triage), or empty")
    escalation_due_at: dt.datetime | None = Field(
        description="open, not escalated: when it becomes overdue")


class Decision(BaseModel):
    """One team decision of a ticket's history."""

    at: dt.datetime
    actor: str
    source: str
    from_team: str | None
    to_team: str
    confidence: float | None
    reason: str
    model_version: str | None


class Escalation(BaseModel):
    """A warning or an escalation of a ticket."""

    level: Literal["warning", "national"]
    created_at: dt.datetime
    team: str
    rule: str
    threshold_days: int
    age_days: float


class TicketDetail(Ticket):
    """A ticket with its routing and escalation history."""

    caller_email: str = Field(description="the caller's e-mail in iTop (their Person), or empty")
    caller_phone: str = Field(description="the caller's phone(s) in iTop, or empty")

    history: list[Decision]
    escalations: list[Escalation]


class TicketPage(BaseModel):
    """A page of tickets."""

    items: list[Ticket]
    total: int
    page: int
    per_page: int
    total_exact: bool = Field(description="false: more than 10,000 match; total is a lower bound")
    next: str | None = Field(description="cursor of the next page (null on the last)")


class Refusal(BaseModel):
    """A ticket of a bulk requalification that did not move, and why."""

    ref: str
    error: Literal["not_found", "forbidden", "unchanged"]
    message: str


class BulkResult(BaseModel):
    """What a bulk requalification moved, and what it did not."""

    team: str
    moved: list[str]
    refused: list[Refusal]


class QueueRow(BaseModel):
    """Ticket counts per queue."""

    total: int
    SI2C: int
    DRASI: int
    NATIONAL: int
    UNASSIGNED: int


class Stats(BaseModel):
    """The backlog table (``triage stats --json``)."""

    as_of: dt.datetime
    since: dt.date | None
    threshold_days: int
    all: QueueRow
    open: QueueRow
    open_over_threshold: QueueRow


class Classification(BaseModel):
    """One ``triage classify`` line with its explanation."""

    id: Any = Field(description="the request's id, or null")
    team: RoutableTeam | None
    confidence: float = Field(ge=0, le=1)
    prefix: RoutableTeam | None
    requalify: bool
    source: Literal["prefix", "model", "prefix+model"]
    explanation: list[Annotated[list[str | float], Field(min_length=2, max_length=2)]] = Field(
        description="[term, weight] pairs"
    )


RESPONSES = (Error, Ticket, Decision, Escalation, TicketDetail, TicketPage, Stats,
             Classification, BulkResult)
