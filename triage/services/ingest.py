"""Incremental sync of iTop UserRequests into the ticket table (``run_poll``).

Each poll reads the tickets of the service changed since the watermark, by keyset pages on
``id`` (``id < <lowest id read>``: iTop has no ORDER BY and answers by ref, descending). The
window has no upper bound: a ticket that changes while the pages are read keeps its id, so
it is read once, in its page, whatever the update rate; a change made after its page was
read falls after the scan's start, which the next poll reads again. Every page is upserted
by iTop id and committed; at the end the open tickets triage holds are re-checked by id
(``departures``: moved to another service, deleted), and only then does the watermark move,
to the scan's start (iTop's clock, its HTTP Date header) minus an overlap. A failed poll
rolls back its current page, records the error and keeps the watermark.
"""

import datetime as dt
import logging
import time
from contextlib import closing
from dataclasses import dataclass

from sqlmodel import Session, select

from connectors.itop import (
    SYNC_FIELDS,
    ItopClient,
    UserRequest,
    format_itop_date,
    quote,
)
from triage.config import Settings
from triage.models import SyncState, Team, Ticket, utcnow
from triage.services import (
    arrivals,
    callers,
    completeness_request,
    departures,
    national,
    routing,
    ticket_rows,
    upsert,
    writeback,
)
from triage.services.itop import client_from_settings
from triage.services.teams import set_team

log = logging.getLogger(__name__)

SYNC_NAME = "itop"
CLASS = "UserRequest"


@dataclass
class SyncResult:
    """What one poll did."""

    fetched: int = 0
    created: int = 0
    updated: int = 0
    pages: int = 0
    left: int = 0  # moved to another iTop service
    deleted: int = 0  # gone from iTop
    back: int = 0  # back in the service after leaving it
    watermark: dt.datetime | None = None
    seconds: float = 0.0  # the whole poll
    itop_seconds: float = 0.0  # iTop's answer time (pages read ahead overlap our work)
    waited_seconds: float = 0.0  # of the poll, held waiting for iTop's answers
    itop_calls: int = 0


def run_poll(
    *, session: Session, settings: Settings, client: ItopClient | None = None
) -> SyncResult:
    """One sync with iTop; records it in SyncState; raises an ``ItopError`` when it failed."""
    state = _state(session)
    state.last_run_at = utcnow()
    session.commit()
    own_client = client is None
    started = time.perf_counter()
    try:
        client = client or client_from_settings(settings)
        answered, waited, calls = client.answer_seconds, client.waited_seconds, client.calls
        result = _sync(session=session, settings=settings, client=client, state=state)
        result.itop_seconds = client.answer_seconds - answered
        result.waited_seconds = client.waited_seconds - waited
        result.itop_calls = client.calls - calls
        result.seconds = time.perf_counter() - started
    except Exception as exc:
        session.rollback()
        _record_failure(session, exc)
        raise
    finally:
        if own_client and client is not None:
            client.close()
    log.info(
        "iTop sync: fetched %d, created %d, updated %d in %d page(s), %d left, %d deleted, "
        "watermark %s; %.2f s, of which %.2f s waiting for iTop (%d calls, answered in %.2f s)",
        result.fetched,
        result.created,
        result.updated,
        result.pages,
        result.left,
        result.deleted,
        result.watermark,
        result.seconds,
        result.waited_seconds,
        result.itop_calls,
        result.itop_seconds,
    )
    return result


def _state(session: Session) -> SyncState:
    state = session.get(SyncState, SYNC_NAME)
    if state is None:  # the first poll (maybe two at once: the scheduler's and a command's)
        upsert.insert_missing(session, SyncState.__table__, {"name": SYNC_NAME})
        state = session.get(SyncState, SYNC_NAME)
    return state


def _record_failure(session: Session, exc: BaseException) -> None:
    """Keep the reason of a failed poll (the watermark is left as it was)."""
    state = _state(session)
    state.last_error = str(exc) or exc.__class__.__name__
    state.last_error_at = utcnow()
    session.commit()
    log.warning("iTop sync failed: %s", state.last_error)


def window_where(service: str, since: dt.datetime | None, started: dt.datetime, tz) -> str:
    """The OQL condition of one sync: the service's tickets changed since ``since``."""
    where = f"service_name = {quote(service)}"
    if since is not None:
        if since.astimezone(tz).utcoffset() != started.astimezone(tz).utcoffset():
            since -= dt.timedelta(hours=1)  # a DST change repeats an hour of local times
        where += f" AND last_update >= {quote(format_itop_date(since, tz))}"
    return where


def _sync(
    *, session: Session, settings: Settings, client: ItopClient, state: SyncState
) -> SyncResult:
    client.list_operations()  # checks the login and reads iTop's clock
    started = (client.server_date or utcnow()).replace(microsecond=0)
    where = window_where(settings.itop_service, state.watermark, started, settings.tz)
    result = SyncResult()
    contacts = callers.CallerContacts(client)
    # the next page is read from iTop while this one is written
    pages = client.iter_keyset(CLASS, where, output_fields=list(SYNC_FIELDS),
                               page_size=settings.itop_page_size, read_ahead=True)  # fmt: skip
    with closing(pages):  # closed at once if a page fails: no read left going
        for page in pages:
            result.pages += 1
            result.fetched += len(page.objects)
            requests = [UserRequest.from_object(o, settings.tz) for o in page.objects]
            contacts.read(requests)
            _upsert(session=session, settings=settings, requests=requests, result=result,
                    contacts=contacts)
            session.commit()
    moved = departures.recheck(session=session, settings=settings, client=client)
    result.left, result.deleted = moved["left_service"], moved["deleted"]
    overlap = dt.timedelta(seconds=settings.itop_sync_overlap)
    state.watermark = max(filter(None, [state.watermark, started - overlap]))
    state.last_success_at = utcnow()
    state.last_fetched, state.last_created, state.last_updated = (
        result.fetched,
        result.created,
        result.updated,
    )
    session.commit()
    result.watermark = state.watermark
    return result


def _upsert(
    *,
    session: Session,
    settings: Settings,
    requests: list[UserRequest],
    result: SyncResult,
    contacts: callers.CallerContacts,
) -> None:
    """Create or update the tickets of one page: one read of the known ones' rows, the new
    ones' teams decided (``arrivals``) and written with them, the changed ones written, then
    what follows a change (on objects: those that changed, came back, or are new and read by
    the national hand-off or the completeness request; the others as rows)."""
    fresh = [r for r in requests if (r.service or settings.itop_service) == settings.itop_service]
    if not fresh:
        return
    # the known tickets' rows, not objects: most of a page read again is unchanged
    columns = select(*Ticket.__table__.columns)
    known = {t.itop_id: t for t in session.execute(columns.where(Ticket.itop_id.in_(
        [r.id for r in fresh])))}  # fmt: skip
    before = {i: (t.itop_team, t.gone) for i, t in known.items()}
    agents = national.agents_before(known.values())
    rows, updated = ticket_rows.changed(session=session, requests=fresh, known=known,
                                        contacts=contacts)  # fmt: skip
    result.updated += updated
    new, created, ids = _write(session=session, settings=settings, rows=rows, known=known,
                               result=result)  # fmt: skip
    asking = completeness_request.active(settings)
    followed = [created[a.row["itop_id"]] for a in new if a.row["itop_id"] in created
                and (asking or a.row["team"] == Team.NATIONAL)]  # fmt: skip
    unchanged = [t for i, t in known.items() if i not in ids]
    objects = followed + [ids[i] for i in ids if i in known] + [t.id for t in unchanged if t.gone]
    tickets = upsert.read_back(session, objects) + [t for t in unchanged if not t.gone]
    _follow_known(session=session, settings=settings, tickets=[t for t in tickets
                  if t.itop_id in known], before=before, result=result)  # fmt: skip
    national.record_handoffs(session=session, tickets=tickets, before=agents)
    completeness_request.ask_missing(
        session=session, settings=settings, tickets=[t for t in tickets if t.itop_id in created]
    )


def _write(
    *, session: Session, settings: Settings, rows: list[dict], known: dict, result: SyncResult
) -> tuple[list[arrivals.Arrival], dict[int, int], dict[int, int]]:
    """Write a page's rows: the new tickets with their teams and decisions, then the changed
    ones. The new tickets, the ticket ids of those created, of those updated (by iTop id)."""
    new = arrivals.decide(settings=settings, rows=[r for r in rows if r["itop_id"] not in known])
    created = upsert.write(session, [a.row for a in new], new=True)
    # a ticket another sync wrote meanwhile is updated like a known one, without decisions
    late = [{k: v for k, v in a.row.items() if k not in arrivals.INSERT_ONLY}
            for a in new if a.row["itop_id"] not in created]  # fmt: skip
    ids = upsert.write(session, [r for r in rows if r["itop_id"] in known] + late)
    arrivals.record(session=session, settings=settings, arrivals=new, ids=created)
    result.created += len(created)
    result.updated += len(late)
    return new, created, ids


def _follow_known(
    *, session: Session, settings: Settings, tickets: list[Ticket], before: dict,
    result: SyncResult,
) -> None:  # fmt: skip
    """Known tickets back in the service, or whose team changed in iTop (``before``: their
    iTop team and ``gone`` before the page was written)."""
    to_route: list[Ticket] = []
    for ticket in tickets:
        team, gone = before[ticket.itop_id]
        if gone:  # seen again in the service's window: tracked again
            departures.came_back(session=session, ticket=ticket)
            result.back += 1
        if ticket.itop_team != team:
            _follow_itop_team(session=session, settings=settings, ticket=ticket,
                              to_route=to_route)  # fmt: skip
    session.flush()  # the iTop teams' UPDATEs alike, as one executemany (the router's apart)
    routing.route_tickets(session=session, tickets=to_route, settings=settings)


def _follow_itop_team(
    *, session: Session, settings: Settings, ticket: Ticket, to_route: list[Ticket]
) -> None:
    """A team set or changed in iTop becomes a known ticket's team; no team: queued for the
    router. A change made in iTop wins over triage's decisions still waiting to be written
    there. (A new ticket's team is decided before it is written: ``arrivals``.)
    """
    queue = settings.queue_of_itop_team(ticket.itop_team)
    if queue is None:
        if ticket.team == Team.UNASSIGNED and ticket.team_source is None:
            to_route.append(ticket)
        return
    if queue == ticket.team:
        return  # already there: typically our own write-back coming back from iTop
    writeback.supersede_pending(
        session=session,
        ticket=ticket,
        detail=f"équipe changée dans iTop ({ticket.itop_team}) avant l'écriture de triage",
    )
    set_team(
        session=session,
        ticket=ticket,
        team=queue,
        source="itop",
        actor="itop",
        reason=f"équipe iTop : {ticket.itop_team}",
    )
