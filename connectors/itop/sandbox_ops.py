"""The sandbox's REST operations, answering with the shapes and messages recorded on iTop 3.2."""

import difflib
import json
from collections.abc import Callable
from typing import Any

from connectors.itop import oql
from connectors.itop.sandbox_store import (
    CLASSES,
    TICKET,
    SandboxStore,
    like_to_regex,
)

OPERATIONS = [
    ("core/create", "Create an object"),
    ("core/update", "Update an object"),
    ("core/apply_stimulus", "Apply a stimulus to change the state of an object"),
    ("core/get", "Search for objects"),
    ("core/delete", "Delete objects"),
    ("core/get_related", "Get related objects through the specified relation"),
    ("core/check_credentials", "Check user credentials"),
]
VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
# state -> stimulus -> (new state, mandatory fields, date field stamped)
LIFECYCLE: dict[str, dict[str, tuple[str, tuple[str, ...], str | None]]] = {
    "new": {
        "ev_assign": ("assigned", (), "assignment_date"),
        "ev_resolve": ("resolved", ("solution",), "resolution_date"),
    },
    "assigned": {
        "ev_pending": ("pending", ("pending_reason",), "last_pending_date"),
        "ev_resolve": ("resolved", ("solution",), "resolution_date"),
        "ev_reassign": ("assigned", (), "assignment_date"),
    },
    "pending": {
        "ev_assign": ("assigned", (), "assignment_date"),
        "ev_resolve": ("resolved", ("solution",), "resolution_date"),
    },
    "resolved": {"ev_close": ("closed", (), "close_date"), "ev_reopen": ("assigned", (), None)},
}
READ_ONLY_SUFFIXES = (
    "_name",
    "_friendlyname",
    "_obsolescence_flag",
    "_email",
    "_ref",
    "_finalclass_recall",
)
READ_ONLY = {
    "id",
    "friendlyname",
    "finalclass",
    "operational_status",
    "priority",
    "tto",
    "ttr",
    "cumulatedpending",
    "sla_tto_passed",
    "sla_tto_over",
    "sla_ttr_passed",
    "sla_ttr_over",
    "tto_escalation_deadline",
    "ttr_escalation_deadline",
}


class RestError(Exception):
    """An error answer: ``{"code": ..., "message": ...}`` (plus ``"objects": null`` if set)."""

    def __init__(self, code: int, message: str, objects: bool = False) -> None:
        super().__init__(message)
        self.code, self.message, self.objects = code, message, objects

    def body(self) -> dict[str, Any]:
        """The JSON answer."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.objects:
            body["objects"] = None
        return body


def get_param(params: dict[str, Any], name: str) -> Any:
    if name not in params:
        raise RestError(100, f"Error: Missing parameter '{name}'")
    return params[name]


def get_class(params: dict[str, Any]) -> str:
    cls = get_param(params, "class")
    if cls not in CLASSES:
        raise RestError(100, f"Error: class: '{cls}' is not a valid class'")
    return cls


def valid_codes(store: SandboxStore, cls: str) -> list[str]:
    """Attribute codes a query or output_fields may name."""
    if cls == TICKET:
        return store.filter_codes + [
            "contacts_list",
            "functionalcis_list",
            "workorders_list",
            "related_request_list",
        ]
    codes = {"id", "friendlyname"}
    for obj in store.objects[cls].values():
        codes.update(obj)
    return sorted(codes)


def _output(store: SandboxStore, cls: str, obj: dict[str, Any], spec: str) -> dict[str, Any]:
    if spec.strip() in ("*", "*+"):
        return {k: v for k, v in obj.items() if k != "id"}
    fields = {}
    for name in (n.strip() for n in spec.split(",")):
        if name:
            fields[name] = obj.get(name, "")
    return fields


def check_output(store: SandboxStore, cls: str, spec: Any) -> str:
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
    objects = {
        f"{cls}::{o['id']}": {
            "code": 0,
            "message": per_object,
            "class": cls,
            "key": o["id"],
            "fields": _output(store, cls, o, spec),
        }
        for o in objs
    }
    return {"code": 0, "message": message, "objects": objects or None}


# --- OQL ----------------------------------------------------------------------------------


def _oql_error(query: str, kind: str, text: str) -> RestError:
    return RestError(
        100,
        f"Error: Query failed to execute: query = {query}, "
        f"exception_class = {kind}, exception_message = {text}",
    )


def select(store: SandboxStore, cls: str, query: str) -> list[dict[str, Any]]:
    """The objects an OQL SELECT matches, in iTop's default order."""
    try:
        parsed = oql.parse(query)
    except oql.OqlSyntaxError as exc:
        raise _oql_error(query, "OQLParserSyntaxErrorException", str(exc)) from exc
    if parsed.cls not in CLASSES:
        raise RestError(100, f"Error: class: '{parsed.cls}' is not a valid class'")
    aliases = {parsed.alias: (parsed.cls, None)}
    for join in parsed.joins:
        aliases[join.alias] = (join.cls, join.left.name)
    test = _compile(store, query, parsed.where, aliases, parsed.alias)
    return [o for o in store.ordered(parsed.cls) if test(o)]


def _compile(
    store: SandboxStore, query: str, node: tuple | None, aliases: dict, main: str
) -> Callable[[dict[str, Any]], bool]:
    if node is None:
        return lambda obj: True
    kind = node[0]
    if kind in ("and", "or"):
        parts = [_compile(store, query, n, aliases, main) for n in node[1]]
        combine = all if kind == "and" else any
        return lambda obj: combine(p(obj) for p in parts)
    getter = _getter(store, query, node[1], aliases, main)
    if kind == "in":
        wanted = {str(v).casefold() for v in node[2]}
        return lambda obj: (str(getter(obj)).casefold() in wanted) != node[3]
    if kind == "like":
        regex = like_to_regex(node[2])
        return lambda obj: bool(regex.fullmatch(str(getter(obj)))) != node[3]
    op, value = node[2], node[3]
    return lambda obj: _compare(getter(obj), op, value)


def _getter(
    store: SandboxStore, query: str, ref: oql.FieldRef, aliases: dict, main: str
) -> Callable[[dict[str, Any]], Any]:
    cls, via = aliases.get(ref.alias or main, (None, None))
    if cls is None or ref.name not in valid_codes(store, cls):
        codes = valid_codes(store, cls or TICKET)
        if cls == TICKET:
            codes = store.filter_codes
        hint = difflib.get_close_matches(ref.name, codes, n=1)
        suggest = f", I would suggest to use '{hint[0]}'" if hint else ""
        raise _oql_error(
            query,
            "OqlNormalizeException",
            f"Unknown filter code - found '{ref.name}' at {ref.position} in "
            f"'{query}', expecting {{{', '.join(codes)}}}{suggest}",
        )
    if via is None:
        return lambda obj: obj.get(ref.name, "")
    table = store.objects[cls]

    def joined(obj: dict[str, Any]) -> Any:
        target = table.get(int(obj.get(via) or 0))
        return target.get(ref.name, "") if target else None

    return joined


def _compare(left: Any, op: str, right: str) -> bool:
    if left is None:
        return False
    a, b = str(left), str(right)
    if a.lstrip("-").isdigit() and b.lstrip("-").isdigit():
        x, y = int(a), int(b)
    else:
        x, y = a.casefold(), b.casefold()
    return {"=": x == y, "!=": x != y, ">=": x >= y, "<=": x <= y, ">": x > y, "<": x < y}[op]


# --- keys ---------------------------------------------------------------------------------


def resolve_key(store: SandboxStore, cls: str, key: Any) -> list[dict[str, Any]]:
    """The objects a key designates: an id, an OQL string or a criteria object."""
    if isinstance(key, dict):
        return sorted(store.find(cls, key), key=lambda o: int(o["id"]))
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
        obj = store.objects[cls].get(int(key))
        return [obj] if obj else []
    return select(store, cls, str(key))


def one_object(store: SandboxStore, cls: str, key: Any, attr: str = "") -> dict[str, Any]:
    """The single object a key designates, or iTop's error."""
    prefix = f"{attr}: " if attr else ""
    found = resolve_key(store, cls, key)
    if isinstance(key, int) or (isinstance(key, str) and key.strip().isdigit()):
        if not found:
            raise RestError(100, f"Error: {prefix}Invalid object {cls}::{key}")
        return found[0]
    if len(found) != 1:
        what = "No item found" if not found else f"Several items found ({len(found)})"
        raise RestError(100, f"Error: {prefix}{what} with criteria: {json.dumps(key)}")
    return found[0]


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
