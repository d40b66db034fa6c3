"""The go-live digest: the first age check on a real backlog escalates dozens of tickets at
once; ``triage escalate --digest`` sends the national level one e-mail listing them first,
and holds each ticket's own e-mail for ``HOLD_MINUTES`` (the scheduler sends them then)."""

import datetime as dt
import logging

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.mail import MailContent, build_digest_mail
from triage.models import Escalation, OutboxMessage, Ticket, utcnow
from triage.services.escalation import check_ages
from triage.services.tickets import ticket_age

log = logging.getLogger(__name__)

HOLD_MINUTES = 15


def _escalated_at(session: Session, now: dt.datetime) -> list[tuple[Ticket, Escalation]]:
    """The tickets this check moved to the national level (their escalation is dated ``now``)."""
    query = (
        select(Ticket, Escalation)
        .join(Escalation, Escalation.ticket_id == Ticket.id)
        .where(Escalation.level == "national", Escalation.created_at == now)
        .order_by(Ticket.created_at, Ticket.id)
    )
    return list(session.exec(query))


def _queue(session: Session, settings: Settings, mail: MailContent, now: dt.datetime) -> None:
    session.add(
        OutboxMessage(
            message_id=mail.message_id,
            kind="digest",
            to_addrs=", ".join(settings.escalation_to),
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            created_at=now,
            next_attempt_at=now,
        )
    )


def _hold(session: Session, ticket_ids: list[int], now: dt.datetime) -> None:
    """Each escalated ticket's own e-mail waits until the digest has gone."""
    session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.ticket_id.in_(ticket_ids),
            OutboxMessage.kind == "escalation",
            OutboxMessage.status == "pending",
            OutboxMessage.created_at == now,
        )
        .values(next_attempt_at=now + dt.timedelta(minutes=HOLD_MINUTES))
    )


def check_with_digest(
    *, session: Session, settings: Settings, now: dt.datetime | None = None
) -> dict:
    """One age check; when it escalated tickets and the national level has an address, one
    digest e-mail listing them, due now, and their own e-mails held. Counts, plus ``digest``."""
    now = now or utcnow()
    counts = check_ages(session=session, settings=settings, now=now)
    rows = _escalated_at(session, now)
    counts["digest"] = 0
    if not rows or not settings.escalation_to:
        session.rollback()
        return counts
    lines = [
        {
            "ref": t.ref,
            "title": t.title,
            "organization": t.organization,
            "team": e.team,
            "age_days": ticket_age(t, settings=settings, now=now),
            "itop_id": t.itop_id,
        }
        for t, e in rows
    ]
    _queue(session, settings, build_digest_mail(lines=lines, now=now, settings=settings), now)
    _hold(session, [t.id for t, _ in rows], now)
    session.commit()
    counts["digest"] = 1
    log.info("go-live digest of %d escalations queued", len(rows))
    return counts


def escalate_now_with_digest(*, session: Session, settings: Settings) -> dict:
    """``triage escalate --digest``: an age check with the digest, then the e-mails due now
    (the digest; the held ones go later, with the scheduler or the next ``triage escalate``)."""
    from triage.services.outbox import outbox_counts, send_pending

    ages = check_with_digest(session=session, settings=settings)
    mail = send_pending(session=session, settings=settings)
    left = outbox_counts(session=session)
    return {"ages": ages, "mail": mail, "waiting": left["pending"] + left["failed"]}
