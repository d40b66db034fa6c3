"""The wire of the iTop client: HTTP sessions with their retries, and iTop's answer shapes."""

import re
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from connectors.itop.errors import ItopProtocolError, ItopRemoteError


@dataclass(frozen=True)
class ItopObject:
    """One object of an answer: class, id and its fields (values mostly strings)."""

    cls: str
    key: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class ItopPage:
    """The objects of a ``core/get`` and the total count iTop found (``Found: N``)."""

    objects: list[ItopObject]
    total: int


def read_retry(retries: int, backoff: float) -> Retry:
    """Reads: connection errors, read time-outs and 5xx retried with backoff (iTop's reads
    are POSTs too)."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"POST", "GET"}),
        raise_on_status=True,
    )


def write_retry(retries: int, backoff: float) -> Retry:
    """Writes: retried only when no connection was made (the request surely did not go)."""
    return Retry(
        total=retries, connect=retries, read=0, status=0, other=0,
        backoff_factor=backoff, allowed_methods=None,
    )


def http_session(verify: bool, headers: dict[str, str], retry: Retry) -> requests.Session:
    """A ``requests.Session`` with these headers and retries."""
    session = requests.Session()
    session.verify = verify
    session.headers.update(headers)
    _mount(session, retry)
    return session


def _mount(session: requests.Session, retry: Retry) -> None:
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)


def never_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the request surely did not reach the server (no connection was made)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def failure_reason(exc: requests.exceptions.RequestException, endpoint: str, timeout: float) -> str:
    """A readable reason for a failed POST to ``endpoint`` (after the retries)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    status = re.search(r"too many (\d+) error", str(reason or exc))
    if status:
        return f"iTop answered HTTP {status.group(1)} on every try at {endpoint}"
    if isinstance(exc, requests.exceptions.Timeout) or "timed out" in str(reason or exc):
        return f"iTop did not answer within {timeout} s at {endpoint}"
    detail = reason.__class__.__name__ if reason is not None else exc.__class__.__name__
    return f"iTop unreachable at {endpoint} ({detail})"


def fields_spec(output_fields: str | list[str]) -> str:
    return output_fields if isinstance(output_fields, str) else ",".join(output_fields)


def objects_of(body: dict[str, Any]) -> list[ItopObject]:
    """The ``objects`` map as a list, in iTop's order; null means none."""
    raw = body.get("objects")
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise ItopProtocolError(f"'objects' is neither a map nor null: {excerpt(raw)}")
    result = []
    for name, item in raw.items():
        if not isinstance(item, dict) or not isinstance(item.get("fields"), dict):
            raise ItopProtocolError(f"object {name!r} has no 'fields' map")
        code = item.get("code", 0)
        if code not in (0, "0"):
            raise ItopRemoteError(int(code), str(item.get("message")), "object " + name)
        try:
            key = int(item.get("key", name.rpartition("::")[2]))
        except (TypeError, ValueError) as exc:
            raise ItopProtocolError(f"object {name!r} has no numeric key") from exc
        result.append(ItopObject(cls=str(item.get("class", "")), key=key, fields=item["fields"]))
    return result


def single(body: dict[str, Any]) -> ItopObject:
    objects = objects_of(body)
    if len(objects) != 1:
        raise ItopProtocolError(f"expected one object in the answer, got {len(objects)}")
    return objects[0]


def excerpt(value: Any) -> str:
    return repr(value)[:160]
