"""The outbox sender: claims due e-mails, sends them over SMTP, marks them sent or retries.

A row is claimed (status ``sending``) in its own committed transaction before any SMTP
traffic, so two senders never take the same row (``triage.services.claims``: PostgreSQL's
``FOR UPDATE SKIP LOCKED``, then a compare-and-set ``UPDATE`` on every backend). A row is
marked ``sent`` only after the server accepted it. A claim left by a crashed process is
taken back after ``OUTBOX_STALE_SECONDS``. Failed rows stay in the table and are retried
with backoff.
"""

import datetime as dt
import logging
import smtplib

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.mail import build_mime, open_smtp
from triage.models import OutboxMessage, utcnow
from triage.services.claims import claim_ids, due_clause, finish, worker_name

log = logging.getLogger(__name__)

# errors after which the SMTP connection cannot carry the next message
_CONNECTION_ERRORS = (
    OSError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,
)
RETRIED = ("pending", "failed")  # "failed": still retried, shown as failing
_T = OutboxMessage.__table__


class OutboxError(RuntimeError):
    """Some due e-mails could not be sent (they stay in the outbox)."""


def claim(
    *,
    session: Session,
    settings: Settings,
    now: dt.datetime,
    limit: int = 50,
    worker: str,
    ignore_backoff: bool = False,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages for ``worker`` (committed before returning)."""
    stale_before = now - dt.timedelta(seconds=settings.outbox_stale_seconds)
    due = due_clause(
        _T, waiting=RETRIED, now=now, stale_before=stale_before, ignore_backoff=ignore_backoff
    )
    claimed = claim_ids(session=session, table=_T, due=due, now=now, worker=worker, limit=limit)
    if not claimed:
        return []
    query = select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
    return list(session.exec(query.execution_options(populate_existing=True)))


def _finish(session: Session, message: OutboxMessage, worker: str, **values) -> bool:
    """Update a row we still own; False when the claim was lost (taken back as stale)."""
    return finish(session=session, table=_T, row_id=message.id, worker=worker, **values)


def backoff_seconds(*, attempts: int, settings: Settings) -> int:
    """Delay before the next try: doubles with each attempt, capped."""
    first = settings.outbox_backoff_seconds
    return min(first * 2 ** max(attempts - 1, 0), settings.outbox_max_backoff_seconds)


def _failed(session, message, worker, error: str, settings: Settings) -> None:
    attempts = message.attempts + 1
    delay = backoff_seconds(attempts=attempts, settings=settings)
    status = "failed" if attempts >= settings.outbox_failed_after else "pending"
    _finish(
        session,
        message,
        worker,
        status=status,
        attempts=attempts,
        last_error=error[:2000],
        claimed_at=None,
        claimed_by=None,
        next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
    )
    log.warning(
        "e-mail %s not sent (attempt %d, next in %ds): %s",
        message.message_id,
        attempts,
        delay,
        error,
    )


def _send_one(smtp: smtplib.SMTP, message: OutboxMessage, settings: Settings) -> str | None:
    """Hand one message to the server; returns the refused recipients, if any."""
    to_addrs = [a.strip() for a in message.to_addrs.split(",") if a.strip()]
    mime = build_mime(
        message_id=message.message_id,
        sender=settings.mail_from,
        to_addrs=to_addrs,
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        date=message.created_at,
    )
    refused = smtp.send_message(mime, from_addr=settings.mail_from, to_addrs=to_addrs)
    return ", ".join(f"{addr}: {code} {text!r}" for addr, (code, text) in refused.items()) or None


def send_pending(
    *,
    session: Session,
    settings: Settings,
    now: dt.datetime | None = None,
    limit: int = 200,
    ignore_backoff: bool = False,
) -> dict:
    """One outbox run: claim due e-mails and send them; returns sent / failed counts."""
    worker = worker_name()
    messages = claim(
        session=session,
        settings=settings,
        now=now or utcnow(),
        limit=limit,
        worker=worker,
        ignore_backoff=ignore_backoff,
    )
    counts = {"claimed": len(messages), "sent": 0, "failed": 0, "last_error": None}
    if not messages:
        return counts
    smtp = None
    for index, message in enumerate(messages):
        try:
            if smtp is None:
                smtp = open_smtp(settings)
            refused = _send_one(smtp, message, settings)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the row queued, never lost
            error = f"{type(exc).__name__}: {exc}"
            counts["failed"] += 1
            counts["last_error"] = error
            _failed(session, message, worker, error, settings)
            if smtp is None or isinstance(exc, _CONNECTION_ERRORS):
                # the connection is unusable: give the rest back as failed attempts too
                smtp = _close(smtp)
                for rest in messages[index + 1 :]:
                    counts["failed"] += 1
                    _failed(session, rest, worker, error, settings)
                break
            continue
        _finish(
            session,
            message,
            worker,
            status="sent",
            sent_at=utcnow(),
            claimed_at=None,
            attempts=message.attempts + 1,
            last_error=refused,
        )
        counts["sent"] += 1
    _close(smtp)
    return counts


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return None
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
    return None


def outbox_counts(*, session: Session) -> dict[str, int]:
    """How many messages are pending, sending, sent and failed (for the admin page)."""
    counts = {"pending": 0, "sending": 0, "sent": 0, "failed": 0}
    query = sa.select(_T.c.status, sa.func.count()).group_by(_T.c.status)
    for status, number in session.execute(query):
        counts[status] = int(number)
    return counts
