"""The states of the recorded iTop instances, so that each recording can be replayed.

``prepare`` puts the sandbox in the state the recorded instance was in when a file was
recorded (clock included). Files 01-67 come from the first instance, whose final state is
the sandbox's default seed: ``FIRST`` undoes what happened after each file. Files 70-99 come
from the second instance (see the README): ``second_instance`` is its seed, and the state
before a file is that seed plus every step of ``TIMELINE`` before it (recorded files
replayed over HTTP, and the unrecorded activity the README describes).
"""

import json
from collections.abc import Callable
from typing import Any

import requests

from connectors.itop.sandbox import TICKET, Sandbox, recorded_instance
from tests.itop_replay import at, replay

Step = Callable[[Sandbox], Any]


# --- the first instance (files 01-67) -------------------------------------------------------


def _ticket(sandbox: Sandbox, ticket_id: int) -> dict[str, Any]:
    return sandbox.store.objects[TICKET][ticket_id]


def _keep_entries(ticket_id: int, log: str, count: int) -> Step:
    def step(sandbox: Sandbox) -> None:
        entries = _ticket(sandbox, ticket_id)[log]["entries"]
        del entries[count:]

    return step


def _fields(ticket_id: int, **fields: Any) -> Step:
    return lambda sandbox: _ticket(sandbox, ticket_id).update(fields)


def _no_second_org(sandbox: Sandbox) -> None:
    del sandbox.store.objects["Organization"][2]


def _no_ticket_yet(sandbox: Sandbox) -> None:
    store = sandbox.store
    store.objects[TICKET].clear()
    store.next_id = store.next_ref = 2


def _bulk_ticket(sandbox: Sandbox) -> None:
    # file 58 was recorded while the 1,000 bulk tickets "... (lot N)" existed
    sandbox.store.add_ticket(title="Demande de charge (lot 1)")


# file -> (clock, steps): the recorded instance as it was when the file was recorded
FIRST: dict[str, tuple[str, list[Step]]] = {
    "10_core_create_organization.json": ("2026-11-28 15:37:11", [_no_second_org]),
    "11_core_create_userrequest.json": ("2026-11-28 15:37:12", [_no_ticket_yet]),
    "41_core_update_private_log_append_string.json": (
        "2026-11-28 15:37:13",
        [_keep_entries(2, "private_log", 0)],
    ),
    "42_core_update_private_log_add_item.json": (
        "2026-11-28 15:37:13",
        [_keep_entries(2, "private_log", 1)],
    ),
    "43_core_update_public_log_append.json": (
        "2026-11-28 15:37:14",
        [_keep_entries(2, "public_log", 0)],
    ),
    "48_core_update_private_log_third_entry_order.json": ("2026-11-28 15:37:47", []),
    "50_apply_stimulus_ev_assign.json": ("2026-11-28 15:37:13", [_fields(2, status="new")]),
    "51_apply_stimulus_ev_assign_without_agent_accepted.json": (
        "2026-11-28 15:37:14",
        [_fields(11, status="new")],
    ),
    "52_apply_stimulus_ev_pending.json": ("2026-11-28 15:37:14", [_fields(3, status="assigned")]),
    "53_apply_stimulus_ev_resolve.json": (
        "2026-11-28 15:37:15",
        [_fields(5, status="assigned", solution="", resolution_date="")],
    ),
    "54_apply_stimulus_ev_resolve_missing_mandatory.json": (
        "2026-11-28 15:37:15",
        [_fields(5, status="assigned", solution="")],
    ),
    "56_apply_stimulus_ev_reassign_with_criteria_keys.json": (
        "2026-11-28 15:37:15",
        [_fields(10, status="assigned")],
    ),
    "58_core_delete_simulate.json": ("2026-11-28 16:10:00", [_bulk_ticket]),
}
FIRST_CLOCK = "2026-11-28 15:40:00"  # any time after the seed: these answers show no clock


# --- the second instance (files 70-99) ------------------------------------------------------

SHIFT = at("2026-12-01 20:35:05") - at("2026-11-28 15:37:12")  # its seed ran 3 days later
# What files 94 and 99 show of its tickets 2-9 where they differ from the first instance's
SECOND_TICKETS: dict[int, dict[str, str]] = {
    2: {"last_update": "2026-12-01 20:35:09"},
    5: {
        "start_date": "2026-12-01 20:35:06",
        "last_update": "2026-12-01 20:35:10",
        "resolution_date": "2026-12-01 20:35:10",
    },
    7: {"last_update": "2026-12-01 20:35:10"},
    8: {
        "title": "DRASI - mot de passe refusé à la connexion au portail Op@le",
        "last_update": "2026-12-01 20:35:07",
    },
    9: {"last_update": "2026-12-01 20:35:07"},
}
_DATES = (
    "start_date",
    "last_update",
    "assignment_date",
    "resolution_date",
    "close_date",
    "last_pending_date",
    "tto_escalation_deadline",
    "ttr_escalation_deadline",
)


def _shifted(text: str) -> str:
    return (at(text) + SHIFT).strftime("%Y-%m-%d %H:%M:%S") if text else ""


def second_instance() -> dict[str, Any]:
    """The seed of the second instance before files 70-99: the first one's objects, a
    service 2 "Autre service", tickets 2-11 three days later (SECOND_TICKETS)."""
    seed = recorded_instance()
    seed["services"].append({"id": "2", "name": "Autre service", "org_id": "1"})
    for ticket in seed["tickets"]:
        for name in _DATES:
            ticket[name] = _shifted(ticket[name])
        for log in ("private_log", "public_log"):
            for entry in ticket[log]["entries"]:
                entry["date"] = _shifted(entry["date"])
        ticket.update(SECOND_TICKETS.get(int(ticket["id"]), {}))
    seed["next_id"] = seed["next_ref"] = 12  # refs follow ids on this instance
    return seed


def rest(sandbox: Sandbox, data: dict[str, Any], login: str = "admin") -> dict[str, Any]:
    """One REST call (unrecorded activity), checked."""
    form = {"version": "1.3", "json_data": json.dumps(data), "auth_user": login,
            "auth_pwd": login}
    answer = requests.post(sandbox.url + "/webservices/rest.php", data=form, timeout=10).json()
    assert answer["code"] == 0, answer
    return answer


def _seeded(sandbox: Sandbox) -> None:
    """Before 20:51: the seed's deletion of R-000001, the two "Autre service" tickets."""
    store = sandbox.store
    store.history.next_change, store.history.next_op = 20, 60  # ids used by the seed
    admin = store.users["admin"]
    store.history.change(admin, "seed").deleted(TICKET, {"id": "1", "friendlyname": "R-000001"})
    store.set_clock(at("2026-12-01 20:40:00"))
    for title in ("Messagerie - boîte pleine", "Messagerie - accès refusé"):
        store.add_ticket(title=title, service="Autre service", urgency="3")
    # ids 72.. and 333.. are where the creation of ticket 15 (change 73, op 334, file 92) lands
    store.history.next_change, store.history.next_op = 72, 333


def _create(subcategory: int, title: str) -> Step:
    """A plain core/create as admin, as the tickets 14-18 and 22 were (not recorded)."""
    fields = {"org_id": 2, "caller_id": 10, "title": title, "description": f"<p>{title}</p>",
              "service_id": 1, "servicesubcategory_id": subcategory, "impact": "3",
              "urgency": "2", "origin": "mail"}
    data = {"operation": "core/create", "comment": "triage", "class": TICKET, "fields": fields}
    return lambda sandbox: rest(sandbox, data)


def _update(ticket_id: int, **fields: Any) -> Step:
    data = {"operation": "core/update", "comment": "triage", "class": TICKET,
            "key": ticket_id, "fields": fields}
    return lambda sandbox: rest(sandbox, data)


def _unrecorded_changes(sandbox: Sandbox) -> None:
    # between files 75 and 76 other activity used changes 82-85 and ops 343-350 (file 92
    # shows ev_assign as change 86, ops 351-355)
    sandbox.store.history.next_change, sandbox.store.history.next_op = 86, 351


def _ids_used_elsewhere(sandbox: Sandbox) -> None:
    sandbox.store.next_id = sandbox.store.next_ref = 22  # 19-21: other activity (README)


# (time, a recording replayed or an unrecorded step), in the order they happened
TIMELINE: list[tuple[str, str | Step]] = [
    ("20:50:00", _seeded),
    ("20:51:16", _create(1, "SI2C - budget rectificatif refusé")),
    ("20:51:16", _create(2, "DRASI - habilitation perdue")),
    ("20:51:17", _create(3, "SI2C - écriture de clôture en double")),
    ("20:51:17", _create(1, "SI2C - ligne budgétaire introuvable")),
    ("20:51:17", _create(2, "DRASI - session expirée en boucle")),
    ("20:51:20", "70_core_update_private_log_string_special_chars.json"),
    ("20:51:20", "71_core_update_public_log_string_special_chars.json"),
    ("20:51:21", "72_core_get_case_logs_after_string_special_chars.json"),
    ("20:51:24", "73_core_update_private_log_add_item_format_text.json"),
    ("20:51:54", "74_core_update_private_log_add_item_format_html.json"),
    ("20:51:57", "75_core_update_private_log_add_item_date_and_author_override.json"),
    ("20:51:58", _unrecorded_changes),
    ("20:52:00", "76_apply_stimulus_ev_assign_team_and_agent.json"),
    ("20:52:01", "77_core_update_team_id_only_agent_kept.json"),
    ("20:52:04", "78_core_update_team_id_and_agent_id_0_clears_agent.json"),
    ("20:52:04", "79_core_update_agent_id_not_member_of_team.json"),
    ("20:52:12", _update(16, origin="phone")),  # file 84: ticket 16 changed at 20:52:12
    ("20:52:15", "84_core_get_incremental_oql_before_service_change.json"),
    ("20:52:21", "85_core_update_service_id_to_other_service.json"),
    ("20:52:22", "86_core_get_incremental_oql_after_service_change.json"),
    ("20:52:23", "87_core_get_id_in_list_recheck_known_tickets.json"),
    ("20:52:32", "88_core_delete_real.json"),
    ("20:52:33", "89_core_get_deleted_ticket_by_id.json"),
    ("20:52:34", "90_core_get_cmdbchangeopdelete_objclass_userrequest_finds_nothing.json"),
    ("20:52:35", "91_core_get_cmdbchangeopdelete_since_date.json"),
    ("20:52:36", "92_core_get_cmdbchangeop_ticket_history.json"),
    ("20:52:37", "93_core_get_cmdbchangeopdelete_as_triage_forbidden.json"),
    ("20:52:40", "94_core_get_keyset_paging_id_lower_than.json"),
    ("20:52:41", "95_core_get_oql_order_by_rejected.json"),
    ("20:52:42", "96_core_update_team_id_criteria_no_match.json"),
    ("20:52:43", "97_auth_token_header_without_extension.json"),
    ("20:52:44", "98_auth_token_form_field_without_extension.json"),
    ("20:52:45", "99_core_get_sync_fields_open_and_resolved.json"),
    ("20:53:30", _update(15, agent_id=7)),  # file 80: "its agent was 7 by then"
    ("20:54:00", _ids_used_elsewhere),
    ("20:54:08", _create(1, "SI2C - mandat bloqué au visa")),
    ("20:54:08", "80_core_update_agent_id_empty_string_server_error.json"),
    ("20:54:08", "81_core_get_last_update_before_private_log_as_triage.json"),
    ("20:54:22", "82_core_update_private_log_only_as_triage.json"),
    ("20:54:25", "83_core_get_last_update_after_private_log_as_triage_with_headers.json"),
]


def _prepare_second(sandbox: Sandbox, name: str) -> None:
    sandbox.store.load(second_instance())
    for time, step in TIMELINE:
        sandbox.store.set_clock(at(f"2026-12-01 {time}"))
        if step == name:
            return
        if isinstance(step, str):
            replay(sandbox, step)
        else:
            step(sandbox)
    raise KeyError(f"{name} is not in TIMELINE")


def prepare(sandbox: Sandbox, name: str) -> None:
    """Put the sandbox in the state the recorded instance was in when ``name`` was recorded."""
    if name >= "70":
        return _prepare_second(sandbox, name)
    store = sandbox.store
    store.load(recorded_instance())
    clock, steps = FIRST.get(name, (FIRST_CLOCK, []))
    store.set_clock(at(clock))
    for step in steps:
        step(sandbox)
