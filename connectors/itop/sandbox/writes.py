"""The sandbox's writing operations: core/update, core/apply_stimulus, core/create, core/delete.

Each write is one change in the change log (history.py) and moves ``last_update``, a
case-log entry alone included (files 81-83). External keys accept what iTop's
``FindObjectFromKey`` accepts (query.py); neither the team membership of the agent nor the
service of the subcategory is checked (files 79, 85); ``team_id`` alone keeps the agent.
"""

from typing import Any

from connectors.itop.dates import parse_itop_date
from connectors.itop.sandbox import caselog, sla
from connectors.itop.sandbox.markup import sanitize_html
from connectors.itop.sandbox.ops import answer_objects, check_output
from connectors.itop.sandbox.query import find_object, resolve_key, valid_codes
from connectors.itop.sandbox.schema import (
    CHANGE_CLASSES,
    ENUMS,
    EXTERNAL_KEYS,
    LABELS,
    LIFECYCLE,
    PRIORITY,
    READ_ONLY,
    READ_ONLY_SUFFIXES,
    TICKET,
    RestError,
    get_class,
    get_param,
)
from connectors.itop.sandbox.store import SandboxStore
from connectors.itop.sandbox.tickets import json_copy

_LOGS = ("private_log", "public_log")
_HTML = ("description",)  # HTML attributes, sanitized as iTop does (file 11)


def _issue(field: str, text: str, obj_id: str) -> RestError:
    label = LABELS.get(field, field.replace("_", " ").capitalize())
    what = f"Unexpected value for attribute '{label}' ({field}) : {text}"
    return RestError(100, f"Error: {what}: issues = {{0=>{what}}}, class = {TICKET}, id = {obj_id}")


def _writable_class(params: dict[str, Any], verb: str) -> str:
    cls = get_class(params)
    if cls in CHANGE_CLASSES:  # the change log is written by iTop only
        raise RestError(
            1,
            f"The current user does not have enough permissions for {verb} data of class {cls}",
            objects=True,
        )
    return cls


def _check_name(store: SandboxStore, cls: str, name: str, codes: set[str]) -> None:
    if name not in codes:
        raise RestError(100, f"Error: {name}: Unknown attribute")
    if cls == TICKET and (name in READ_ONLY or name.endswith(READ_ONLY_SUFFIXES)):
        raise RestError(
            100,
            f"Error: {name}: Attempting to set the value on the read-only attribute {cls}::{name}",
        )


def _set(
    store: SandboxStore, cls: str, staged: dict[str, Any], name: str, value: Any, user: dict
) -> None:
    if cls == TICKET and name in EXTERNAL_KEYS:
        target = find_object(store, EXTERNAL_KEYS[name][0], value, name, allow_null=True)
        store.set_external(staged, name, target["id"] if target else "0")
    elif cls == TICKET and name in _LOGS:
        added = caselog.entry(store, name, value, user)
        staged[name] = {"entries": [*staged[name]["entries"], added]}
    else:
        text = "" if value is None else str(value)
        if name in ENUMS and text not in ENUMS[name]:
            raise _issue(name, f"Value not allowed [{text}]", staged.get("id", "-1"))
        staged[name] = sanitize_html(text) if cls == TICKET and name in _HTML else text


def _apply_fields(
    store: SandboxStore, cls: str, obj: dict[str, Any], fields: Any, user: dict[str, Any]
) -> None:
    """Check then set ``fields`` on ``obj``; nothing is changed when a check fails."""
    if not isinstance(fields, dict):
        raise RestError(100, "Error: Parameter fields: expecting a structure")
    codes = set(valid_codes(store, cls))
    staged = json_copy(obj)
    for name, value in fields.items():
        _check_name(store, cls, name, codes)
        _set(store, cls, staged, name, value, user)
    if cls == TICKET:
        staged["priority"] = PRIORITY.get(staged["impact"], {}).get(staged["urgency"], "4")
        if staged["priority"] != obj.get("priority"):
            sla.reprioritise(store, staged)
        if staged["status"] != obj.get("status", staged["status"]):  # admins may set it
            sla.transition(store, staged, obj["status"], staged["status"])
        staged["last_update"] = store.now_text()
        staged["friendlyname"] = staged["ref"]
    obj.clear()
    obj.update(staged)


def core_update(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/update`` (``comment`` mandatory): fields, external keys, case-log appends."""
    comment = get_param(params, "comment")
    cls = _writable_class(params, "modifying")
    key = get_param(params, "key")
    spec = check_output(store, cls, params.get("output_fields"))
    obj = find_object(store, cls, key)
    before = json_copy(obj)
    _apply_fields(store, cls, obj, params.get("fields", {}), user)
    store.history.change(user, str(comment)).compare(cls, before, obj)
    return answer_objects(store, cls, [obj], spec, None, "updated")


def _transition(obj: dict[str, Any], stimulus: str, fields: dict) -> tuple[str, str | None]:
    """(target state, date field stamped) of a stimulus, or iTop's error."""
    state = obj.get("status", "")
    transition = LIFECYCLE.get(state, {}).get(stimulus)
    if transition is None:
        raise RestError(
            100,
            f"Invalid stimulus: '{stimulus}' on the object "
            f"{obj.get('friendlyname', obj['id'])} in state '{state}'",
            objects=True,
        )
    target, mandatory, stamp = transition
    missing = [f for f in mandatory if not str(fields.get(f, obj.get(f, "")) or "").strip()]
    if missing:
        raise RestError(
            100,
            f"Missing mandatory attribute(s) for applying the stimulus: {', '.join(missing)}.",
            objects=True,
        )
    return target, stamp


def core_apply_stimulus(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/apply_stimulus`` along the ITIL UserRequest lifecycle."""
    comment = get_param(params, "comment")
    cls = _writable_class(params, "modifying")
    key = get_param(params, "key")
    stimulus = get_param(params, "stimulus")
    spec = check_output(store, cls, params.get("output_fields"))
    obj = find_object(store, cls, key)
    fields = params.get("fields") or {}
    target, stamp = _transition(obj, stimulus, fields)
    before = json_copy(obj)
    _apply_fields(store, cls, obj, fields, user)
    sla.transition(store, obj, obj["status"], target)
    obj["status"] = target
    if stamp:
        obj[stamp] = store.now_text()
    if target == "resolved":
        obj["time_spent"] = str(max(1, _seconds_since(store, obj.get("start_date", ""))))
    store.history.change(user, str(comment)).compare(cls, before, obj)
    return answer_objects(store, cls, [obj], spec, None, "updated")


def _seconds_since(store: SandboxStore, text: str) -> int:
    start = parse_itop_date(text, store.tz) if text else None
    return int((store.now() - start).total_seconds()) if start else 0


def _create_ticket(store: SandboxStore, fields: dict, user: dict) -> dict[str, Any]:
    if not str(fields.get("title") or "").strip():
        raise _issue("title", "Null not allowed", "-1")
    for name in ("urgency", "impact", "origin"):
        if name in fields and str(fields[name]) not in ENUMS[name]:
            raise _issue(name, f"Value not allowed [{fields[name]}]", "-1")
    saved_id = store.next_id
    obj = store.new_ticket()
    try:
        _apply_fields(store, TICKET, obj, fields, user)
    except RestError:
        store.next_id = saved_id  # a failed create still consumes a ref, as on iTop
        raise
    obj["start_date"] = obj["last_update"]
    sla.start(store, obj)
    return store.put(TICKET, obj)


def core_create(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/create`` (tickets and simple objects; enough to seed the sandbox over HTTP)."""
    comment = get_param(params, "comment")
    cls = _writable_class(params, "creating")
    spec = check_output(store, cls, params.get("output_fields"))
    if not user.get("admin") and cls != TICKET:
        raise RestError(
            1,
            f"The current user does not have enough permissions for creating data of class {cls}",
            objects=True,
        )
    fields = dict(params.get("fields") or {})
    if cls == TICKET:
        obj = _create_ticket(store, fields, user)
    else:
        new_id = max(store.objects[cls], default=0) + 1
        obj = store.put(cls, {"id": new_id, **{k: str(v) for k, v in fields.items()}})
    store.history.change(user, str(comment)).created(cls, obj)
    answer = answer_objects(store, cls, [obj], spec, None, "created")
    fields_out = answer["objects"][f"{cls}::{obj['id']}"]["fields"]
    if "parent_change_id_finalclass_recall" in fields_out:
        # the object in memory right after its creation shows the default (file 11); read
        # back from the database later, it is empty (file 20)
        fields_out["parent_change_id_finalclass_recall"] = "Change"
    return answer


def core_delete(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/delete`` (``simulate: true`` only reports what would go); logged as
    CMDBChangeOpDelete with the ``comment`` as userinfo."""
    comment = get_param(params, "comment")
    cls = _writable_class(params, "deleting")
    found = resolve_key(store, cls, get_param(params, "key"))
    simulate = bool(params.get("simulate"))
    if not simulate:
        change = store.history.change(user, str(comment))
        for obj in found:
            store.objects[cls].pop(int(obj["id"]), None)
            change.deleted(cls, obj)
    prefix = "SIMULATING: " if simulate else ""
    return answer_objects(
        store, cls, found, "id,friendlyname", f"{prefix}Deleted: {len(found)}", ""
    )
