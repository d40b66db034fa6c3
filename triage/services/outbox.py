"""The outbox: e-mails written with their cause, sent by the one outgoing queue over SMTP.

An e-mail is queued (``OutboxMessage``) in the same transaction as what caused it (an
escalation, a warning). ``send_pending`` drains every due message in batches within one run
(``services.outgoing``: claims, backoff, stale claims) through ``triage.smtp.SmtpChannel``,
which tells a refused recipient from a dead server: one refused address never holds back
the messages behind it. A message is ``sent`` only once the server accepted it.
"""

import datetime as dt

from sqlmodel import Session

from triage.config import Settings
from triage.models import OutboxMessage
from triage.services import claims, outgoing
from triage.smtp import SmtpChannel


class OutboxError(RuntimeError):
    """Some due e-mails could not be sent (they stay in the outbox)."""


def rules(settings: Settings) -> outgoing.Rules:
    """How e-mails are retried."""
    return outgoing.Rules(
        done="sent",
        backoff_first=settings.outbox_backoff_seconds,
        backoff_max=settings.outbox_max_backoff_seconds,
        failing_after=settings.outbox_failed_after,
        stale_seconds=settings.outbox_stale_seconds,
    )


def backoff_seconds(*, attempts: int, settings: Settings) -> int:
    """Delay before the next try: doubles with each attempt, capped."""
    return int(rules(settings).backoff(attempts))


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
    queue = rules(settings)
    return claims.claim(
        session=session,
        model=OutboxMessage,
        stale_seconds=queue.stale_seconds,
        batch=queue.batch,
        now=now,
        worker=worker,
        limit=limit,
        ignore_backoff=ignore_backoff,
    )


def send_pending(
    *,
    session: Session,
    settings: Settings,
    now: dt.datetime | None = None,
    limit: int | None = None,
    ignore_backoff: bool = False,
) -> dict:
    """Send every due e-mail (at most ``limit``); counts of claimed, sent, failed, refused..."""
    drained = outgoing.drain(
        session=session,
        model=OutboxMessage,
        rules=rules(settings),
        channel=SmtpChannel(settings),
        now=now,
        ignore_backoff=ignore_backoff,
        max_rows=limit,
    )
    return {
        "claimed": drained.claimed,
        "sent": drained.sent,
        "failed": drained.failed,
        "refused": drained.refused,
        "uncertain": drained.uncertain,
        "last_error": drained.last_error,
    }


def outbox_counts(*, session: Session) -> dict[str, int]:
    """How many messages are pending, sending, sent, failed, refused, uncertain."""
    counts = outgoing.counts_by_status(session=session, model=OutboxMessage)
    counts.setdefault("sent", 0)
    return counts
