"""Incremental sync of iTop UserRequests into the ticket table (``run_poll``).

Each poll reads the window ``[watermark, upper]`` where ``upper`` is iTop's own clock at the
start of the scan (its HTTP Date header), page by page (``limit``/``page``, ref descending).
Inside a frozen window tickets can only leave (an update moves ``last_update`` past
``upper``), which shifts later pages: when iTop's ``Found: N`` changes between pages, the
scan starts again from page 1. Every page is upserted by iTop id and committed; only then,
at the end, does the watermark move, to ``upper`` minus an overlap that is read again next
time. A failed poll rolls back its current page, records the error and keeps the watermark.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from classifiers.prefix import read_prefix
from connectors.itop import (
    ItopClient,
    ItopObject,
    ItopProtocolError,
    format_itop_date,
    html_to_text,
    parse_itop_date,
    quote,
)
from triage.config import Settings
from triage.models import SyncState, Team, Ticket, is_open_status, utcnow
from triage.services import routing
from triage.services.itop import client_from_settings
from triage.services.teams import set_team

log = logging.getLogger(__name__)

SYNC_NAME = "itop"
MAX_RESTARTS = 5
OUTPUT_FIELDS = (
    "id,ref,title,description,status,org_name,caller_id_friendlyname,agent_id_friendlyname,"
    "team_id,team_name,service_name,servicesubcategory_name,priority,urgency,origin,"
    "start_date,last_update,resolution_date,close_date"
)
_LIMITS = {c.name: c.type.length for c in Ticket.__table__.columns if getattr(c.type, "length", 0)}


@dataclass
class SyncResult:
    """What one poll did."""

    fetched: int = 0
    created: int = 0
    updated: int = 0
    pages: int = 0
    restarts: int = 0
    watermark: dt.datetime | None = None


def run_poll(
    *, session: Session, settings: Settings, client: ItopClient | None = None
) -> SyncResult:
    """One sync with iTop; records it in SyncState; raises an ``ItopError`` when it failed."""
    state = _state(session)
    state.last_run_at = utcnow()
    session.commit()
    own_client = client is None
    try:
        client = client or client_from_settings(settings)
        result = _sync(session=session, settings=settings, client=client, state=state)
    except Exception as exc:
        session.rollback()
        _record_failure(session, exc)
        raise
    finally:
        if own_client and client is not None:
            client.close()
    log.info(
        "iTop sync: fetched %d, created %d, updated %d in %d page(s), watermark %s",
        result.fetched,
        result.created,
        result.updated,
        result.pages,
        result.watermark,
    )
    return result


def _state(session: Session) -> SyncState:
    state = session.get(SyncState, SYNC_NAME)
    if state is None:
        state = SyncState(name=SYNC_NAME)
        session.add(state)
    return state


def _record_failure(session: Session, exc: BaseException) -> None:
    """Keep the reason of a failed poll (the watermark is left as it was)."""
    state = _state(session)
    state.last_error = str(exc) or exc.__class__.__name__
    state.last_error_at = utcnow()
    session.commit()
    log.warning("iTop sync failed: %s", state.last_error)


def window_oql(service: str, since: dt.datetime | None, upper: dt.datetime, tz: ZoneInfo) -> str:
    """The OQL of one sync window, with values escaped."""
    oql = f"SELECT UserRequest WHERE service_name = {quote(service)}"
    if since is not None:
        if since.astimezone(tz).utcoffset() != upper.astimezone(tz).utcoffset():
            since -= dt.timedelta(hours=1)  # a DST change repeats an hour of local times
        oql += f" AND last_update >= {quote(format_itop_date(since, tz))}"
    return oql + f" AND last_update <= {quote(format_itop_date(upper, tz))}"


def _sync(
    *, session: Session, settings: Settings, client: ItopClient, state: SyncState
) -> SyncResult:
    tz = settings.tz
    client.list_operations()  # checks the login and reads iTop's clock
    upper = (client.server_date or utcnow()).replace(microsecond=0)
    oql = window_oql(settings.itop_service, state.watermark, upper, tz)
    size = settings.itop_page_size
    result, seen, expected, number = SyncResult(), {}, None, 1
    while True:
        page = client.get("UserRequest", oql, output_fields=OUTPUT_FIELDS, limit=size, page=number)
        result.pages += 1
        if expected is not None and page.total != expected:
            result.restarts += 1  # the window moved under the pages: read it again
            if result.restarts > MAX_RESTARTS:
                raise ItopProtocolError("iTop's answer kept changing during the scan")
            log.info("iTop window changed (%s -> %s tickets): restarting", expected, page.total)
            expected, number = None, 1
            continue
        expected = page.total
        _upsert(session=session, settings=settings, objects=page.objects, seen=seen, result=result)
        session.commit()
        if len(page.objects) < size or number * size >= page.total:
            break
        number += 1
    overlap = dt.timedelta(seconds=settings.itop_sync_overlap)
    state.watermark = max(filter(None, [state.watermark, upper - overlap]))
    state.last_success_at = utcnow()
    state.last_fetched, state.last_created, state.last_updated = (
        len(seen),
        result.created,
        result.updated,
    )
    session.commit()
    result.fetched, result.watermark = len(seen), state.watermark
    return result


def ticket_values(obj: ItopObject, tz: ZoneInfo, known: Ticket | None = None) -> dict[str, Any]:
    """The Ticket columns of one iTop UserRequest (strings cut to the column sizes)."""
    f = obj.fields
    html = f.get("description") or ""
    # HTML parsing is the costly part: reuse the stored text when the HTML did not change
    same = known is not None and known.description_html == html
    status = f.get("status") or ""
    created = parse_itop_date(f.get("start_date"), tz) or utcnow()
    team_id = int(f.get("team_id") or 0)
    values = {
        "itop_id": obj.key,
        "ref": f.get("ref") or f"#{obj.key}",
        "title": f.get("title") or "",
        # the typed prefix of every ticket, routed or not (the dashboard's wrong-prefix share)
        "prefix": read_prefix(f.get("title") or "").team,
        "description": known.description if same else html_to_text(html),
        "description_html": html,
        "status": status,
        "is_open": is_open_status(status),
        "organization": f.get("org_name") or "",
        "caller": f.get("caller_id_friendlyname") or "",
        "agent": f.get("agent_id_friendlyname") or "",
        "service": f.get("service_name") or "",
        "servicesubcategory": f.get("servicesubcategory_name") or "",
        "priority": str(f.get("priority") or ""),
        "urgency": str(f.get("urgency") or ""),
        "origin": f.get("origin") or "",
        "itop_team_id": team_id or None,
        "itop_team": (f.get("team_name") or "") if team_id else "",
        "created_at": created,
        "updated_at": parse_itop_date(f.get("last_update"), tz) or created,
        "resolved_at": parse_itop_date(f.get("resolution_date") or f.get("close_date"), tz),
    }
    for name, size in _LIMITS.items():
        if isinstance(values.get(name), str) and len(values[name]) > size:
            values[name] = values[name][:size]
    return values


def _upsert(
    *,
    session: Session,
    settings: Settings,
    objects: list[ItopObject],
    seen: dict[int, str],
    result: SyncResult,
) -> None:
    """Create or update the tickets of one page (one query for the existing ones)."""
    service = settings.itop_service
    fresh = [
        o
        for o in objects
        if (o.fields.get("service_name") or service) == service
        and seen.get(o.key) != o.fields.get("last_update")
    ]
    if not fresh:
        return
    existing = {
        t.itop_id: t
        for t in session.exec(select(Ticket).where(Ticket.itop_id.in_([o.key for o in fresh])))
    }
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    team_moved: list[Ticket] = []
    for obj in fresh:
        seen[obj.key] = obj.fields.get("last_update") or ""
        ticket = existing.get(obj.key)
        values = ticket_values(obj, settings.tz, ticket)
        if ticket is None:
            new_rows.append({**values, "last_seen_at": now})
            continue
        old_team = ticket.itop_team
        changed = [k for k, v in values.items() if getattr(ticket, k) != v]
        for name in changed:
            setattr(ticket, name, values[name])
        ticket.last_seen_at = now
        result.updated += bool(changed)
        if ticket.itop_team != old_team:
            team_moved.append(ticket)
    created: list[Ticket] = []
    if new_rows:  # one bulk INSERT, then the new rows as objects for their decisions
        session.execute(sa.insert(Ticket), new_rows)
        created = list(
            session.exec(select(Ticket).where(Ticket.itop_id.in_([r["itop_id"] for r in new_rows])))
        )
    result.created += len(created)
    to_route: list[Ticket] = []  # routed together: one model call per page
    for ticket in created:
        _follow_itop_team(
            session=session, settings=settings, ticket=ticket, is_new=True, to_route=to_route
        )
    for ticket in team_moved:
        _follow_itop_team(
            session=session, settings=settings, ticket=ticket, is_new=False, to_route=to_route
        )
    routing.route_tickets(session=session, tickets=to_route, settings=settings)


def _follow_itop_team(
    *,
    session: Session,
    settings: Settings,
    ticket: Ticket,
    is_new: bool,
    to_route: list[Ticket],
) -> None:
    """A team set or changed in iTop becomes the ticket's team; no team: queued for the router."""
    queue = settings.queue_of_itop_team(ticket.itop_team)
    if queue is None:
        if is_new or (ticket.team == Team.UNASSIGNED and ticket.team_source is None):
            to_route.append(ticket)
        return
    if queue == ticket.team:
        return  # already there: typically our own write-back coming back from iTop
    set_team(
        session=session,
        ticket=ticket,
        team=queue,
        source="itop",
        actor="itop",
        reason=f"équipe iTop : {ticket.itop_team}",
    )
