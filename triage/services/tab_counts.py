"""The queue tabs' counts (open tickets per queue, "À trier", "bientôt en retard", all),
shared by the queue page, its live updates and the dashboard's refresh signal.

Counting 30,000 open tickets costs more than the rest of a queue page together, and every
page and every live poll (each open page, every few seconds) asks for the same figures. So
the counts without a search are kept per process, with the tickets' version they were
computed at (``ticket_changes``): a change committed by any process (a requalification on
the other gunicorn worker, a sync page of the scheduler) moves the version, and the next
page counts again. They are also kept at most ``COUNTS_TTL`` seconds: the "bientôt en
retard" count changes with time alone, and SQL sent outside triage moves no version.
Counts of a search are never kept.
"""

import dataclasses
import datetime as dt
import threading
import time

from sqlmodel import Session

from triage.config import Settings
from triage.models import QUEUES
from triage.services.listing import (
    TicketPage,
    TicketQuery,
    last_ticket_id,
    queue_counts,
    soon_overdue_count,
    ticket_page,
)
from triage.services.ticket_changes import tickets_version

ALL_TAB = "ALL"
SOON_TAB = "SOON"
COUNTS_TTL = 3.0  # seconds: the longest the counts are kept, whatever the version says

_cache: dict[tuple[str, str], tuple[float, int, dict[str, int]]] = {}
_lock = threading.Lock()


def tab_counts(
    *, session: Session, settings: Settings, q: str = "", version: int | None = None
) -> dict[str, int]:
    """Open tickets per tab (those the search ``q`` finds, if any): every queue, "À trier"
    (``TRIAGE``), ``SOON`` and ``ALL`` (every queue together). ``version``: the tickets'
    version the caller read just before (a page's own statement), else read here."""
    key = (str(session.get_bind().url), settings.itop_service)
    if not q:
        if version is None:  # read before counting (ticket_changes)
            version = tickets_version(session=session)
        with _lock:
            kept = _cache.get(key)
        if kept and kept[0] > time.monotonic() and kept[1] == version:
            return dict(kept[2])
    counts = queue_counts(session=session, settings=settings, q=q)
    counts[ALL_TAB] = sum(counts.get(queue, 0) for queue in QUEUES)
    counts[SOON_TAB] = soon_overdue_count(session=session, settings=settings, q=q)
    if not q:
        with _lock:
            _cache[key] = (time.monotonic() + COUNTS_TTL, version, dict(counts))
    return counts


def tab_page(
    *,
    session: Session,
    settings: Settings,
    tab: str,
    query: TicketQuery,
    now: dt.datetime,
    columns: tuple[str, ...] | None = None,
) -> tuple[TicketPage, dict[str, int]]:
    """One page of a queue tab (``query``: its listing) and every tab's counts. When the
    listing is the tab itself (open tickets, no other filter) its count is the page's total:
    the listing is not counted a second time. The page is read first: its statement also
    reads the tickets' version, which the kept counts are checked against.

    The page's ``newest`` is where its live updates count arrivals from: the highest id read
    with the page; with no item, 0 on the first page (every later ticket of the listing is
    new), else the highest id now."""
    whole_tab = query.state == "open" and not (query.overdue or query.needs_review or query.after)
    page = ticket_page(session=session, settings=settings, query=query, now=now,
                       total=0 if whole_tab else None, columns=columns)
    counts = tab_counts(session=session, settings=settings, q=query.q, version=page.version)
    if whole_tab:  # the tab's count, never below what the page saw
        page = dataclasses.replace(page, total=max(page.total, counts.get(tab, 0)))
    if page.newest is None:
        first = query.page == 1 and not query.after
        page = dataclasses.replace(page, newest=0 if first else last_ticket_id(session=session))
    return page, counts


def forget() -> None:
    """Drop the kept counts (the next page counts again)."""
    with _lock:
        _cache.clear()
