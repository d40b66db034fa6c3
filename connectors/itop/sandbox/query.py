"""The sandbox's searches: OQL SELECTs evaluated on the store, and REST keys (id, OQL, criteria)."""

import difflib
import operator
import re
from collections.abc import Callable
from typing import Any

from connectors.itop import oql
from connectors.itop.sandbox.schema import (
    CHANGE_CLASSES,
    CHANGE_FIELDS,
    CLASSES,
    TICKET,
    RestError,
    ServerError,
)
from connectors.itop.sandbox.store import SandboxStore


def valid_codes(store: SandboxStore, cls: str) -> list[str]:
    """Attribute codes a query or output_fields may name."""
    if cls == TICKET:
        return store.filter_codes + [
            "contacts_list",
            "functionalcis_list",
            "workorders_list",
            "related_request_list",
        ]
    if cls in CHANGE_CLASSES:
        return ["id"] + CHANGE_FIELDS[cls]
    codes = {"id", "friendlyname"}
    for obj in store.objects[cls].values():
        codes.update(obj)
    return sorted(codes)


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
    compare = _comparator(node[2], node[3])
    return lambda obj: compare(getter(obj))


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


_OPERATORS = {
    "=": operator.eq, "!=": operator.ne, ">=": operator.ge,
    "<=": operator.le, ">": operator.gt, "<": operator.lt,
}


def _comparator(op: str, right: str) -> Callable[[Any], bool]:
    """``left <op> right`` as MySQL compares them: as integers when both are, else as text
    ignoring case. Built once per query (it runs for every object)."""
    apply, text = _OPERATORS[op], str(right)
    numeric = int(text) if text.lstrip("-").isdigit() else None
    folded = text.casefold()

    def compare(left: Any) -> bool:
        if left is None:
            return False
        value = str(left)
        if numeric is not None and value.lstrip("-").isdigit():
            return apply(int(value), numeric)
        return apply(value.casefold(), folded)

    return compare


# --- keys ---------------------------------------------------------------------------------

_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def _is_numeric(key: Any) -> bool:
    """PHP's ``is_numeric``: numbers and numeric strings (not booleans)."""
    if isinstance(key, bool):
        return False
    return isinstance(key, int | float) or (isinstance(key, str) and bool(_NUMERIC.fullmatch(key)))


def _php(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    return "" if value is None else str(value)


def resolve_key(store: SandboxStore, cls: str, key: Any) -> list[dict[str, Any]]:
    """The objects a ``core/get`` or ``core/delete`` key designates: an id, OQL or criteria."""
    if isinstance(key, dict):
        return sorted(store.find(cls, key), key=lambda o: int(o["id"]))
    if _is_numeric(key):
        obj = store.get(cls, int(float(key)))
        return [obj] if obj else []
    if isinstance(key, str):
        return select(store, cls, key)
    raise RestError(100, "Error: Wrong format for key")


def find_object(
    store: SandboxStore, cls: str, key: Any, attr: str = "", allow_null: bool = False
) -> dict[str, Any] | None:
    """The single object a key designates, as iTop's ``RestUtils::FindObjectFromKey``.

    ``allow_null`` (external keys): 0 designates no object. An empty string is a PHP
    TypeError on iTop (HTTP 500, file 80).
    """
    prefix = f"Error: {attr}: " if attr else "Error: "
    if isinstance(key, dict):
        found = resolve_key(store, cls, key)
        report = ", ".join(f"{k}: {_php(v)} ({_php(v)})" for k, v in key.items())
        if len(found) != 1:
            what = "No item found" if not found else f"Several items found ({len(found)})"
            raise RestError(100, f"{prefix}{what} with criteria: {report}")
        return found[0]
    if _is_numeric(key):
        if allow_null and float(key) == 0:
            return None
        obj = store.get(cls, int(float(key)))
        if obj is None:
            raise RestError(100, f"{prefix}Invalid object {cls}::{key}")
        return obj
    if key == "":
        raise ServerError(f"{attr or 'key'}: empty string")
    if not isinstance(key, str):
        raise RestError(100, f"{prefix}Wrong format for key")
    found = select(store, cls, key)
    if len(found) != 1:
        what = "No item found" if not found else f"Several items found ({len(found)})"
        raise RestError(100, f"{prefix}{what} for query: {key}")
    return found[0]


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """An OQL LIKE pattern (``%``, ``_``) as a case-insensitive regular expression."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
