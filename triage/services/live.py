"""What changed since a page was shown, for the pages' live updates (polled every few seconds)."""

import datetime as dt

from sqlmodel import Session

from triage.config import Settings
from triage.models import QUEUES
from triage.services import tickets as ticket_service
from triage.services.tab_counts import tab_counts


def queue_changes(
    *,
    session: Session,
    settings: Settings,
    query: ticket_service.TicketQuery,
    after_id: int,
    now: dt.datetime,
) -> dict:
    """For an open queue page: how many tickets of its listing arrived since (ids above
    ``after_id``), and every tab's open count now."""
    counts = tab_counts(session=session, settings=settings)
    new = ticket_service.count_matching(
        session=session, settings=settings, query=query, now=now, after_id=after_id
    )
    return {"new": new, "counts": counts}


def backlog_signature(*, session: Session, settings: Settings) -> str:
    """A short text that changes when the backlog does (open counts per queue, newest
    ticket, overdue count): the dashboard offers a refresh when it differs."""
    counts = tab_counts(session=session, settings=settings)
    overdue = ticket_service.count_matching(
        session=session,
        settings=settings,
        query=ticket_service.TicketQuery(overdue=True),
        now=dt.datetime.now(dt.UTC),
    )
    last = ticket_service.last_ticket_id(session=session)
    return "-".join(str(counts.get(q, 0)) for q in QUEUES) + f"-{overdue}-{last}"
