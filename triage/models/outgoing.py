"""What triage sends out: escalations and their e-mails, writes to iTop (the outgoing queue)."""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from triage.models.base import (
    DAY_RULES,
    ITOP_WRITE_KINDS,
    ITOP_WRITE_STATUSES,
    LEVELS,
    OUTBOX_STATUSES,
    QUEUES,
    _time,
    one_of,
    utcnow,
)


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
