"""The sandbox's reading operations: list_operations, core/check_credentials, core/get."""

from typing import Any

from connectors.itop.sandbox.query import resolve_key, valid_codes
from connectors.itop.sandbox.schema import (
    CHANGE_CLASSES,
    CHANGE_FIELDS,
    OPERATIONS,
    RestError,
    get_class,
    get_param,
)
from connectors.itop.sandbox.store import SandboxStore


def _output(store: SandboxStore, cls: str, obj: dict[str, Any], spec: str) -> dict[str, Any]:
    star = spec.strip()
    if star in ("*", "*+") and cls in CHANGE_CLASSES:
        # "*" gives the attributes of the class asked for, "*+" those of each object's class
        names = CHANGE_FIELDS[obj["finalclass"] if star == "*+" else cls]
        return {name: obj.get(name, "") for name in names}
    if star in ("*", "*+"):
        return {k: v for k, v in obj.items() if k != "id"}
    fields = {}
    for name in (n.strip() for n in spec.split(",")):
        if name:
            fields[name] = obj.get(name, "")
    return fields


def check_output(store: SandboxStore, cls: str, spec: Any) -> str:
    """The ``output_fields`` asked for ("*" by default), each name checked."""
    spec = "*" if spec is None else str(spec)
    if spec.strip() not in ("*", "*+"):
        codes = set(valid_codes(store, cls))
        for name in (n.strip() for n in spec.split(",")):
            if name and name not in codes:
                raise RestError(100, f"Error: output_fields: invalid attribute code '{name}'")
    return spec


def answer_objects(
    store: SandboxStore,
    cls: str,
    objs: list[dict[str, Any]],
    spec: str,
    message: str | None,
    per_object: str,
) -> dict[str, Any]:
    """iTop's answer listing objects: keyed "Class::id", ``null`` when there are none."""
    objects = {}
    for obj in objs:
        own = obj["finalclass"] if cls in CHANGE_CLASSES else cls  # keyed by the subclass
        objects[f"{own}::{obj['id']}"] = {
            "code": 0,
            "message": per_object,
            "class": own,
            "key": obj["id"],
            "fields": _output(store, cls, obj, spec),
        }
    return {"code": 0, "message": message, "objects": objects or None}


# --- operations ---------------------------------------------------------------------------


def list_operations(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``list_operations``."""
    return {
        "code": 0,
        "message": f"Operations: {len(OPERATIONS)}",
        "version": version,
        "operations": [
            {"verb": v, "description": d, "extension": "CoreServices"} for v, d in OPERATIONS
        ],
    }


def check_credentials(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/check_credentials``."""
    login, password = get_param(params, "user"), get_param(params, "password")
    known = store.users.get(login)
    return {
        "code": 0,
        "message": None,
        "authorized": bool(known and known.get("password") == password),
    }


def core_get(store: SandboxStore, params: dict, user: dict, version: str) -> dict:
    """``core/get`` with ``limit``/``page``."""
    cls = get_class(params)
    key = get_param(params, "key")
    if cls in CHANGE_CLASSES and not user.get("admin"):  # file 93: Service Desk Agent
        raise RestError(
            1,
            f"The current user does not have enough permissions for reading data of class {cls}",
            objects=True,
        )
    spec = check_output(store, cls, params.get("output_fields"))
    limit, page = int(params.get("limit") or 0), int(params.get("page", 1) or 0)
    if page < 1:
        raise RestError(
            13,
            "The request page number is not valid. It must be an integer greater than 0",
            objects=True,
        )
    found = resolve_key(store, cls, key)
    shown = found[(page - 1) * limit : page * limit] if limit else found
    return answer_objects(store, cls, shown, spec, f"Found: {len(found)}", "")
