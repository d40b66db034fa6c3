"""A UserRequest read from iTop as the columns of its Ticket row (``ticket_values``), and a
sync page's rows to write: its new tickets and those that changed (``changed``)."""

from typing import Any

from sqlmodel import Session

from classifiers.prefix import read_prefix
from connectors.itop import UserRequest, html_to_text
from triage.models import SEARCH_FIELDS, Ticket, is_open_status, ticket_search_text, utcnow
from triage.services import callers, figures

_LIMITS = {c.name: c.type.length for c in Ticket.__table__.columns if getattr(c.type, "length", 0)}


def ticket_values(
    request: UserRequest, known: Any = None, contact: dict[str, str] | None = None
) -> dict[str, Any]:
    """The Ticket columns of a UserRequest (strings cut to size), ``contact``'s if given;
    ``known``: the stored ticket (its object or its row), whose text is reused if unchanged."""
    # HTML parsing is the costly part: reuse the stored text when the HTML did not change
    same = known is not None and known.description_html == request.description_html
    created = request.start_date or utcnow()
    values = {
        "itop_id": request.id,
        "ref": request.ref,
        "title": request.title,
        # the typed prefix of every ticket, routed or not (the dashboard's wrong-prefix share)
        "prefix": read_prefix(request.title).team,
        "description": known.description if same else html_to_text(request.description_html),
        "description_html": request.description_html,
        "status": request.status,
        "is_open": is_open_status(request.status),
        "organization": request.organization,
        "caller": request.caller,
        "agent": request.agent,
        "itop_agent_id": request.agent_id,
        "service": request.service,
        "servicesubcategory": request.servicesubcategory,
        "priority": request.priority,
        "urgency": request.urgency,
        "origin": request.origin,
        "itop_team_id": request.team_id,
        "itop_team": request.team,
        "created_at": created,
        "updated_at": request.last_update or created,
        "resolved_at": request.resolution_date or request.close_date,
        "assigned_at": request.assignment_date,
        "exchanges": list(request.exchanges) or None,
        **(contact or {}),
    }
    for name, size in _LIMITS.items():
        if isinstance(values.get(name), str) and len(values[name]) > size:
            values[name] = values[name][:size]
    # written without the ORM's event; folding the text again is the costly part of a ticket
    # read again unchanged
    same = known is not None and all(values[n] == getattr(known, n) for n in SEARCH_FIELDS)
    values["search_text"] = known.search_text if same else ticket_search_text(values)
    return values


def changed(
    *,
    session: Session,
    requests: list[UserRequest],
    known: dict[int, Any],  # the known tickets (rows or objects) by iTop id
    contacts: callers.CallerContacts,
) -> tuple[list[dict[str, Any]], int]:
    """The rows to write (new or changed tickets) and how many of them are known ones. A
    ticket read again unchanged is not rewritten (every new version of a row goes through
    its search indexes)."""
    rows, updated = [], 0
    for request in requests:
        ticket = known.get(request.id)
        values = ticket_values(request, ticket, contacts.values(request, ticket))
        changed = {k for k, v in values.items() if getattr(ticket, k) != v} if ticket else set()
        if ticket is not None and not changed:
            continue
        rows.append({**values, "last_seen_at": utcnow()})
        updated += ticket is not None
        if changed & {"is_open", "service"} or (ticket is None and not values["is_open"]):
            figures.invalidate(session=session)  # the stored closed counts change
    return rows, updated
