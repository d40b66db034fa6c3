"""The sandbox's writing operations: core/update, core/apply_stimulus, core/create."""

from typing import Any

from connectors.itop.dates import parse_itop_date
from connectors.itop.sandbox.ops import answer_objects, check_output
from connectors.itop.sandbox.query import one_object, resolve_key, valid_codes
from connectors.itop.sandbox.schema import (
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

_LOGS = ("private_log", "public_log")


def _issue(field: str, text: str, obj_id: str) -> RestError:
    label = LABELS.get(field, field.replace("_", " ").capitalize())
    what = f"Unexpected value for attribute '{label}' ({field}) : {text}"
    return RestError(100, f"Error: {what}: issues = {{0=>{what}}}, class = {TICKET}, id = {obj_id}")


def _apply_fields(
    store: SandboxStore, cls: str, obj: dict[str, Any], fields: Any, user: dict[str, Any]
) -> None:
    """Check then set ``fields`` on ``obj``; nothing is changed when a check fails."""
    if not isinstance(fields, dict):
        raise RestError(100, "Error: Parameter fields: expecting a structure")
    codes = set(valid_codes(store, cls))
    staged = dict(obj)
    for name, value in fields.items():
        if name not in codes:
            raise RestError(100, f"Error: {name}: Unknown attribute")
        if cls == TICKET and (name in READ_ONLY or name.endswith(READ_ONLY_SUFFIXES)):
            raise RestError(
                100,
                f"Error: {name}: Attempting to set the value on the read-only "
                f"attribute {cls}::{name}",
            )
        if cls == TICKET and name in EXTERNAL_KEYS:
            target_id = "0"
            if value not in (0, "0", "", None):
                target_id = one_object(store, EXTERNAL_KEYS[name][0], value, name)["id"]
            store.set_external(staged, name, target_id)
        elif cls == TICKET and name in _LOGS:
            staged[name] = {"entries": list(obj[name]["entries"])}
            store.append_log(staged, name, value, user)
        else:
            text = "" if value is None else str(value)
            if name in ENUMS and text not in ENUMS[name]:
                raise _issue(name, f"Value not allowed [{text}]", obj.get("id", "-1"))
            staged[name] = text
    if cls == TICKET:
        staged["priority"] = PRIORITY.get(staged["impact"], {}).get(staged["urgency"], "4")
        staged["last_update"] = store.now_text()
        staged["friendlyname"] = staged["ref"]
    obj.clear()
    obj.update(staged)


def core_update(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/update`` (``comment`` mandatory): fields, external keys, case-log appends."""
    get_param(params, "comment")
    cls = get_class(params)
    key = get_param(params, "key")
    spec = check_output(store, cls, params.get("output_fields"))
    obj = one_object(store, cls, key)
    _apply_fields(store, cls, obj, params.get("fields", {}), user)
    return answer_objects(store, cls, [obj], spec, None, "updated")


def core_apply_stimulus(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/apply_stimulus`` along the ITIL UserRequest lifecycle."""
    get_param(params, "comment")
    cls = get_class(params)
    key = get_param(params, "key")
    stimulus = get_param(params, "stimulus")
    spec = check_output(store, cls, params.get("output_fields"))
    obj = one_object(store, cls, key)
    fields = params.get("fields") or {}
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
    _apply_fields(store, cls, obj, fields, user)
    obj["status"] = target
    if stamp:
        obj[stamp] = store.now_text()
    if target == "resolved":
        obj["time_spent"] = str(max(1, _seconds_since(store, obj.get("start_date", ""))))
    return answer_objects(store, cls, [obj], spec, None, "updated")


def _seconds_since(store: SandboxStore, text: str) -> int:
    start = parse_itop_date(text, store.tz) if text else None
    return int((store.now() - start).total_seconds()) if start else 0


def core_create(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/create`` (tickets and organizations; enough to seed the sandbox over HTTP)."""
    get_param(params, "comment")
    cls = get_class(params)
    spec = check_output(store, cls, params.get("output_fields"))
    if not user.get("admin") and cls != TICKET:
        raise RestError(
            1,
            f"The current user does not have enough permissions for creating data of class {cls}",
            objects=True,
        )
    fields = dict(params.get("fields") or {})
    with store.lock:
        if cls != TICKET:
            new_id = max(store.objects[cls], default=0) + 1
            obj = store.put(cls, {"id": new_id, **{k: str(v) for k, v in fields.items()}})
            return answer_objects(store, cls, [obj], spec, None, "created")
        if not str(fields.get("title") or "").strip():
            raise _issue("title", "Null not allowed", "-1")
        for name in ("urgency", "impact", "origin"):
            if name in fields and str(fields[name]) not in ENUMS[name]:
                raise _issue(name, f"Value not allowed [{fields[name]}]", "-1")
        saved = (store.next_id, store.next_ref)
        obj = store.new_ticket()
        try:
            _apply_fields(store, cls, obj, fields, user)
        except RestError:
            store.next_id = saved[0]  # a failed create still consumes a ref, as on iTop
            raise
        obj["start_date"] = obj["last_update"]
        store.put(TICKET, obj)
    return answer_objects(store, cls, [obj], spec, None, "created")


def core_delete(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/delete`` (``simulate: true`` only reports what would go)."""
    get_param(params, "comment")
    cls = get_class(params)
    found = resolve_key(store, cls, get_param(params, "key"))
    simulate = bool(params.get("simulate"))
    if not simulate:
        for obj in found:
            store.objects[cls].pop(int(obj["id"]), None)
    prefix = "SIMULATING: " if simulate else ""
    return answer_objects(
        store, cls, found, "id,friendlyname", f"{prefix}Deleted: {len(found)}", ""
    )
