"""Listings of tickets: parameters, SQL filters fitting the partial indexes, pages, counts."""

import base64
import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.db import sqlite_indexed_by
from triage.models import QUEUES, Team, Ticket, fold_text, in_backlog, utcnow
from triage.services.ages import overdue_before, settings_cutoff
from triage.services.ticket_changes import version_column

STATES = ("open", "closed", "all")
SORTS = ("oldest", "newest")
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
TRIAGE_TAB = "TRIAGE"  # the "À trier" tab: unassigned or needs review
COUNT_CAP = 10_000  # a listing counts this many rows at most (labelled: total_exact)


class InvalidQuery(ValueError):
    """A listing parameter that cannot be used."""


@dataclass(frozen=True)
class TicketQuery:
    """The filters of a listing, validated."""

    team: str | None = None  # a queue, or TRIAGE_TAB
    state: str = "open"
    overdue: bool = False
    needs_review: bool = False
    q: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "oldest"
    after: str = ""  # a keyset cursor (TicketPage.next_cursor): replaces page when given
    soon_overdue: bool = False  # open, warned (TRIAGE_WARNING_DAYS) but not yet overdue


def _flag(value: str | None, name: str) -> bool:
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise InvalidQuery(f"{name} must be true or false")


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise InvalidQuery(f"{name} must be an integer") from exc
    if not low <= number <= high:
        raise InvalidQuery(f"{name} must be between {low} and {high}")
    return number


def parse_query(args: Any, *, allow_triage_tab: bool = False) -> TicketQuery:
    """Read and check listing parameters (a request's args); raises InvalidQuery."""
    team = (args.get("team") or "").strip().upper() or None
    allowed = QUEUES + ((TRIAGE_TAB,) if allow_triage_tab else ())
    if team is not None and team not in allowed:
        raise InvalidQuery(f"team must be one of {', '.join(allowed)}")
    state = (args.get("state") or "open").strip().lower()
    if state not in STATES:
        raise InvalidQuery(f"state must be one of {', '.join(STATES)}")
    sort = (args.get("sort") or "oldest").strip().lower()
    if sort not in SORTS:
        raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}")
    return TicketQuery(
        team=team,
        state=state,
        overdue=_flag(args.get("overdue"), "overdue"),
        needs_review=_flag(args.get("needs_review"), "needs_review"),
        q=(args.get("q") or "").strip()[:200],
        page=_int(args.get("page"), "page", 1, 1, 1_000_000),
        per_page=_int(args.get("per_page"), "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        sort=sort,
        after=(args.get("after") or "").strip()[:200],
        soon_overdue=_flag(args.get("soon_overdue"), "soon_overdue"),
    )



def _state_conditions(query: TicketQuery, *, settings: Settings, now: dt.datetime) -> list:
    """Team, state and flags: each combination has a partial index (models.Ticket)."""
    conditions = [in_backlog(settings.itop_service)]
    if query.team == TRIAGE_TAB:
        conditions.append(sa.or_(Ticket.team == Team.UNASSIGNED, Ticket.needs_review))
    elif query.team:
        conditions.append(Ticket.team == query.team)
    if query.state == "open" or query.overdue:
        conditions.append(Ticket.is_open)
    if query.state == "closed":
        conditions.append(sa.not_(Ticket.is_open))
    if query.overdue:
        conditions.append(Ticket.created_at < overdue_before(now, settings))
    if query.needs_review:
        conditions.append(Ticket.needs_review)
    if query.soon_overdue:
        conditions.extend(soon_overdue_conditions(settings=settings, now=now))
    return conditions


def _conditions(query: TicketQuery, *, settings: Settings, now: dt.datetime) -> list:
    conditions = _state_conditions(query, settings=settings, now=now)
    if query.q:
        conditions.append(search_condition(query.q))
    return conditions


_PLANNED = "triage.planned_for_the_pattern"  # the transaction told so


def plan_for_the_pattern(session: Session, q: str) -> None:
    """With a search on PostgreSQL, the rest of the transaction's statements are planned for
    their own values (``plan_cache_mode``). psycopg prepares a statement it has run five
    times, and PostgreSQL then settles on one generic plan for every pattern: one that reads
    the trigram index of all tickets and ANDs it with the open ones (1M tickets: a search
    list took 145 to 300 ms at p50, 22 to 46 ms planned for its pattern)."""
    if not q or session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is None or session.info.get(_PLANNED) is not transaction:  # once each
        session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.info[_PLANNED] = session.get_transaction()


def search_condition(text: str) -> sa.ColumnElement[bool]:
    """Accent- and case-insensitive search of ref, title, description, establishment, caller."""
    folded = fold_text(text.replace("\x00", ""))  # PostgreSQL refuses NUL; no text holds one
    pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Ticket.search_text.like(pattern, escape="\\")


@dataclass(frozen=True)
class TicketPage:
    """One page of a listing; ``total`` is exact up to COUNT_CAP, "at least" past it."""

    items: list[Ticket]
    total: int
    total_exact: bool
    next_cursor: str | None
    newest: int | None = None  # the highest ticket id as the page was read (None: no item)
    version: int | None = None  # the tickets' version then (ticket_changes; None: no item)


def _order(query: TicketQuery) -> list:
    if query.sort == "oldest":
        return [Ticket.created_at.asc(), Ticket.id.asc()]
    return [Ticket.created_at.desc(), Ticket.id.desc()]


def cursor_of(created_at: dt.datetime, ticket_id: int) -> str:
    """The keyset position after the ticket created then with that id (opaque to clients)."""
    raw = f"{created_at.astimezone(dt.UTC).isoformat()}|{ticket_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def encode_cursor(ticket: Ticket) -> str:
    """The keyset position after this ticket."""
    return cursor_of(ticket.created_at, ticket.id)


def _after(cursor: str, sort: str) -> sa.ColumnElement[bool]:
    """Rows past the cursor in the listing's order (index range, then the tie on id)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, ident = raw.split("|")
        created, ticket_id = dt.datetime.fromisoformat(stamp), int(ident)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidQuery("after must be a cursor given by a previous page") from exc
    if sort == "oldest":
        tie = sa.or_(Ticket.created_at > created, Ticket.id > ticket_id)
        return sa.and_(Ticket.created_at >= created, tie)
    tie = sa.or_(Ticket.created_at < created, Ticket.id < ticket_id)
    return sa.and_(Ticket.created_at <= created, tie)


def ids_query(query: TicketQuery, *, settings: Settings, now: dt.datetime):
    """The ids of the listing, in its order (a partial index fits each filter)."""
    conditions = _conditions(query, settings=settings, now=now)
    return select(Ticket.id).where(*conditions).order_by(*_order(query))


def page_ids_statement(
    query: TicketQuery, *, session: Session, settings: Settings, now: dt.datetime
):
    """The ids of one page of the listing (the keyset cursor or the offset applied), as run:
    on SQLite pinned to the index of open tickets (or of the backlog), a search too (SQLite
    then reads the open tickets' folded text, not every ticket's)."""
    return _page_ids(query, settings, now, session.get_bind().dialect)


def _page_ids(query: TicketQuery, settings: Settings, now: dt.datetime, dialect: sa.Dialect):
    ids = ids_query(query, settings=settings, now=now)
    if query.after:
        ids = ids.where(_after(query.after, query.sort))
    ids = ids.offset(_offset(query)).limit(query.per_page + 1)
    return sqlite_indexed_by(dialect, ids, _listing_index(query))


def _rows_statement(
    query: TicketQuery, settings: Settings, now: dt.datetime, dialect: sa.Dialect,
    columns: tuple[str, ...] | None,
) -> sa.Select:
    """The page's rows: its ids from the index alone (an offset skips index entries, not
    rows), then only these rows, the newest id and the tickets' version, in one statement."""
    page = _page_ids(query, settings, now, dialect).subquery()
    read = [getattr(Ticket, name) for name in columns] if columns else [Ticket]
    latest = sa.orm.aliased(Ticket)  # the newest id, in the same snapshot (no round trip)
    newest = select(sa.func.max(latest.id)).scalar_subquery().label("newest")
    version = version_column().label("version")
    statement = select(*read, newest, version).join(page, Ticket.id == page.c.id)
    return statement.order_by(*_order(query))


def _count_statement(
    query: TicketQuery, settings: Settings, now: dt.datetime, dialect: sa.Dialect, cap: int
) -> sa.Select:
    capped = select(Ticket.id).where(*_conditions(query, settings=settings, now=now))
    capped = sqlite_indexed_by(dialect, capped.limit(cap), _listing_index(query))
    return select(sa.func.count()).select_from(capped.subquery())


# A listing that does not depend on the time (no overdue filter) is the same statement on
# every request: kept, SQLAlchemy reuses its cache key and compiled form instead of
# building and keying a new one (about 2.5 ms of a queue page's 4.5 ms of listing).
_KEPT = {build: functools.lru_cache(maxsize=256)(build)
         for build in (_rows_statement, _count_statement)}


def _statement(build, query: TicketQuery, settings: Settings, now: dt.datetime,
               session: Session, *more) -> sa.Select:
    """``build``'s statement for the listing: kept unless its bounds move with ``now``."""
    dialect = session.get_bind().dialect
    if query.overdue or query.soon_overdue:
        return build(query, settings, now, dialect, *more)
    return _KEPT[build](query, settings, None, dialect, *more)


def rows_statement(
    query: TicketQuery, *, session: Session, settings: Settings, now: dt.datetime,
    columns: tuple[str, ...] | None = None,
) -> sa.Select:
    """The statement of one page's rows (each row ends with ``newest``, the highest id, and
    ``version``, the tickets' version)."""
    return _statement(_rows_statement, query, settings, now, session, columns)


def _offset(query: TicketQuery) -> int:
    """Rows skipped before the page: none after a keyset cursor."""
    return 0 if query.after else (query.page - 1) * query.per_page


def _listing_index(query: TicketQuery) -> str:
    """The partial index (models.Ticket) that reads the fewest rows for these filters."""
    if not (query.state == "open" or query.overdue or query.soon_overdue):
        return "ix_ticket_backlog_created"
    if query.team in QUEUES:
        return "ix_ticket_open_team"
    return "ix_ticket_open_review" if query.needs_review else "ix_ticket_open_created"


def count_statement(
    query: TicketQuery, *, session: Session, settings: Settings, now: dt.datetime
) -> sa.Select:
    """How many tickets the listing holds, counting at most COUNT_CAP (an index-only scan),
    as run: on SQLite pinned to the listing's index, like its page."""
    filters = dataclasses.replace(query, page=1, per_page=DEFAULT_PER_PAGE, sort="oldest",
                                  after="")  # one kept count for all pages of a listing
    return _statement(_count_statement, filters, settings, now, session, COUNT_CAP)


def ticket_page(
    *,
    session: Session,
    settings: Settings,
    query: TicketQuery,
    now: dt.datetime | None = None,
    total: int | None = None,
    columns: tuple[str, ...] | None = None,
) -> TicketPage:
    """One page by offset (``query.page``) or by keyset (``after``); a bounded count, unless
    the caller knows how many tickets the listing holds (``total``: a tab's count).

    ``columns``: the items are rows of only these columns (read as ``row.ref``...), not ORM
    objects: a page that shows a few fields of each ticket builds no object it would not use.
    """
    now = now or utcnow()
    plan_for_the_pattern(session, query.q)
    rows = rows_statement(query, session=session, settings=settings, now=now, columns=columns)
    found = list(session.execute(rows))
    more, found = len(found) > query.per_page, found[: query.per_page]
    items = found if columns else [row[0] for row in found]
    seen = _offset(query) + len(items) + int(more)  # the listing holds at least these
    cursor = encode_cursor(items[-1]) if more else None
    last, version = (found[0].newest, int(found[0].version or 0)) if found else (None, None)
    if total is not None:  # known (a tab's count, perhaps a few seconds old): never below
        return TicketPage(items, max(total, seen), True, cursor, last, version)
    counted = int(session.exec(count_statement(query, session=session, settings=settings,
                                               now=now)).one())
    exact = counted < COUNT_CAP and not query.after
    total = counted if exact else max(counted, seen)
    return TicketPage(items, total, exact, cursor, last, version)


def list_tickets(
    *, session: Session, settings: Settings, query: TicketQuery, now: dt.datetime | None = None
) -> tuple[list[Ticket], int]:
    """One page of tickets matching the query, and the (bounded) total."""
    page = ticket_page(session=session, settings=settings, query=query, now=now)
    return page.items, page.total


def queue_counts(*, session: Session, settings: Settings, q: str = "") -> dict[str, int]:
    """Open tickets per queue, plus the "À trier" tab; with ``q``, those the search finds."""
    base = [in_backlog(settings.itop_service), Ticket.is_open]
    if q:
        base.append(search_condition(q))
        plan_for_the_pattern(session, q)
    counts = {queue: 0 for queue in QUEUES}
    counts[TRIAGE_TAB] = 0
    review = sa.func.sum(sa.case((Ticket.needs_review, 1), else_=0))
    # one pass over the open tickets' index: per queue, and those to review within it
    query = select(Ticket.team, sa.func.count(), review).where(*base).group_by(Ticket.team)
    for team, count, to_review in session.exec(query):
        counts[team] = int(count)
        counts[TRIAGE_TAB] += int(count) if team == Team.UNASSIGNED else int(to_review or 0)
    return counts


def soon_overdue_conditions(*, settings: Settings, now: dt.datetime) -> list:
    """Open, not escalated, older than the warning age but not yet overdue ("bientôt en
    retard": the tickets a team can still save from the national level)."""
    return [
        Ticket.is_open,
        Ticket.escalated_at.is_(None),
        Ticket.created_at < settings_cutoff(now, settings.warning_days, settings),
        Ticket.created_at >= overdue_before(now, settings),
    ]


def count_matching(
    *, session: Session, settings: Settings, query: TicketQuery, now: dt.datetime, after_id: int = 0
) -> int:
    """How many tickets the listing ``query`` holds, only those with an id above ``after_id``
    (the ones that arrived after a page was shown: ids only grow)."""
    conditions = [*_conditions(query, settings=settings, now=now), Ticket.id > after_id]
    plan_for_the_pattern(session, query.q)
    return int(session.exec(select(sa.func.count()).select_from(Ticket).where(*conditions)).one())


def last_ticket_id(*, session: Session) -> int:
    """The highest ticket id so far (0 when there is none)."""
    return int(session.exec(select(sa.func.coalesce(sa.func.max(Ticket.id), 0))).one())


def soon_overdue_count(*, session: Session, settings: Settings, q: str = "") -> int:
    """Open tickets of every queue that will soon be overdue (the "bientôt en retard" tab);
    with ``q``, those the search finds."""
    conditions = [in_backlog(settings.itop_service)]
    conditions += soon_overdue_conditions(settings=settings, now=utcnow())
    if q:
        conditions.append(search_condition(q))
        plan_for_the_pattern(session, q)
    return int(session.exec(select(sa.func.count()).select_from(Ticket).where(*conditions)).one())
