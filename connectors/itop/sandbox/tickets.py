"""Tickets made and changed from Python as someone in iTop would (``SandboxStore`` methods).

Every change moves ``last_update`` to the sandbox clock and is written to the change log
under the user ``admin`` with ``userinfo`` "sandbox" (or the ``comment`` given).
"""

from typing import TYPE_CHECKING, Any

from connectors.itop.sandbox import caselog, sla
from connectors.itop.sandbox.schema import EXTERNAL_KEYS, PRIORITY, TICKET

if TYPE_CHECKING:
    from connectors.itop.sandbox.store import SandboxStore

_DATES = ("start_date", "last_update", "resolution_date", "close_date", "assignment_date")
_BLANK: dict[str, Any] = {
    "operational_status": "ongoing",
    "status": "new",
    "request_type": "service_request",
    "impact": "3",
    "urgency": "4",
    "priority": "4",
    "origin": "portal",
    "escalation_flag": "no",
    "cumulatedpending": 0,
    "tto": 0,
    "ttr": 0,
    "sla_tto_passed": "no",
    "sla_tto_over": None,
    "sla_ttr_passed": "no",
    "sla_ttr_over": None,
    "resolution_code": "assistance",
    "user_satisfaction": "1",
    "finalclass": TICKET,
}


def new_ticket(store: "SandboxStore") -> dict[str, Any]:
    """A blank UserRequest with the next id and ref, every ``*`` field in iTop's order."""
    ticket: dict[str, Any] = {"id": str(store.next_id)}
    for name in store.star_fields:
        ticket[name] = ""
    ticket.update(_BLANK, ref=f"R-{store.next_ref:06d}")
    for name in ("private_log", "public_log"):
        ticket[name] = {"entries": []}
    for name in ("contacts_list", "functionalcis_list", "workorders_list", "related_request_list"):
        ticket[name] = []
    for attr in EXTERNAL_KEYS:
        store.set_external(ticket, attr, "0")
    for attr in ("parent_request_id", "parent_incident_id", "parent_change_id"):
        ticket[attr] = "0"
    ticket["friendlyname"] = ticket["ref"]
    store.next_id += 1
    store.next_ref += 1
    return ticket


def _keys_by_name(store: "SandboxStore", ticket: dict[str, Any], spec: dict[str, Any]) -> None:
    org_id = store.named("Organization", spec.pop("org", "Academie d'Amiens"))
    store.set_external(ticket, "org_id", org_id)
    caller = store.person(spec.pop("caller", "Marie Dupont"), org_id)
    store.set_external(ticket, "caller_id", caller)
    store.set_external(ticket, "service_id", store.named("Service", spec.pop("service", "Op@le")))
    subcategory = spec.pop("subcategory", None)
    team, agent = spec.pop("team", None), spec.pop("agent", None)
    if subcategory:
        store.set_external(
            ticket, "servicesubcategory_id", store.named("ServiceSubcategory", subcategory)
        )
    if team:
        store.set_external(ticket, "team_id", store.named("Team", team))
    if agent:
        store.set_external(ticket, "agent_id", store.person(agent))


def add_ticket(store: "SandboxStore", **spec: Any) -> dict[str, Any]:
    """Create a ticket from friendly values (names instead of ids); returns its fields.

    Keys: title, description (HTML), status, team, agent, caller, org, service,
    subcategory, urgency, impact, origin, start_date, last_update, private_log (list of
    texts), resolution_date, close_date; any other key is stored as an iTop field.
    SLA deadlines follow the status and the priority (sla.py).
    """
    with store.lock:
        ticket = new_ticket(store)
        _keys_by_name(store, ticket, spec)
        logs = spec.pop("private_log", [])
        for key in _DATES:
            if key in spec:
                spec[key] = store.date_text(spec[key])
        now = store.now_text()
        ticket.update(start_date=now, last_update=now)
        ticket.update({k: v for k, v in spec.items() if v is not None})
        ticket["priority"] = PRIORITY[ticket["impact"]][ticket["urgency"]]
        sla.start(store, ticket)
        admin = store.users.get("admin")
        for text in logs:
            append_log(store, ticket, "private_log", text, admin, date=ticket["last_update"])
        store.history.change(admin, "sandbox").created(TICKET, ticket)
        return store.put(TICKET, ticket)


def bulk_load(store: "SandboxStore", specs: list[dict[str, Any]]) -> int:
    """Create many tickets at once (see ``add_ticket``); returns how many."""
    with store.lock:
        for spec in specs:
            add_ticket(store, **dict(spec))
    return len(specs)


def update_ticket(
    store: "SandboxStore", ticket_id: int, *, comment: str = "sandbox", **fields: Any
) -> dict[str, Any]:
    """Change a ticket as someone in iTop would (``team``: a team name; ``private_log``: a
    text to append); stamps last_update and logs the change."""
    with store.lock:
        ticket = store.objects[TICKET][int(ticket_id)]
        before = json_copy(ticket)
        if "team" in fields:
            team = fields.pop("team")
            store.set_external(ticket, "team_id", store.named("Team", team) if team else "0")
        admin = store.users.get("admin")
        if "private_log" in fields:
            append_log(store, ticket, "private_log", fields.pop("private_log"), admin)
        old_status = ticket["status"]
        ticket.update(fields)
        if ticket["status"] != old_status:
            sla.transition(store, ticket, old_status, ticket["status"])
        ticket["last_update"] = store.now_text()
        store.history.change(admin, comment).compare(TICKET, before, ticket)
        return ticket


def move_ticket(
    store: "SandboxStore", ticket_id: int, service: str = "Autre service", *,
    comment: str = "sandbox",
) -> dict[str, Any]:
    """Move a ticket to another service (created if new), its subcategory left as it is
    (iTop does not check that they match, file 85)."""
    with store.lock:
        ticket = store.objects[TICKET][int(ticket_id)]
        before = json_copy(ticket)
        store.set_external(ticket, "service_id", store.named("Service", service))
        ticket["last_update"] = store.now_text()
        store.history.change(store.users.get("admin"), comment).compare(TICKET, before, ticket)
        return ticket


def delete_ticket(store: "SandboxStore", ticket_id: int, *, comment: str = "sandbox") -> bool:
    """Delete a ticket as ``core/delete`` does (a CMDBChangeOpDelete is logged); False if
    there was no such ticket."""
    with store.lock:
        ticket = store.objects[TICKET].pop(int(ticket_id), None)
        if ticket is None:
            return False
        store.history.change(store.users.get("admin"), comment).deleted(TICKET, ticket)
        return True


def append_log(
    store: "SandboxStore",
    ticket: dict[str, Any],
    attr: str,
    value: Any,
    user: dict[str, Any] | None,
    date: str | None = None,
) -> None:
    """Append a case-log entry as REST would (caselog.py), at ``date`` if given."""
    item = caselog.entry(store, attr, value, user)
    if date:
        item["date"] = date
    ticket[attr]["entries"].append(item)


def json_copy(ticket: dict[str, Any]) -> dict[str, Any]:
    """A copy deep enough to compare case logs before and after a change."""
    copied = dict(ticket)
    for name, value in ticket.items():
        if isinstance(value, dict) and "entries" in value:
            copied[name] = {"entries": list(value["entries"])}
    return copied
