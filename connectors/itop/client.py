"""iTop REST/JSON client: requests sessions, retries with backoff, a timeout on every call.

The protocol, as recorded on iTop 3.2: a POST to ``<url>/webservices/rest.php`` with the form
fields ``version``, ``json_data`` and ``auth_user``/``auth_pwd`` (or an ``Auth-Token`` header);
the answer is HTTP 200 even on errors, with a ``code`` in the body (0 = OK).
"""

import datetime as dt
import email.utils
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests

from connectors.itop.errors import (
    ItopAuthError,
    ItopNoAnswer,
    ItopNotConfigured,
    ItopProtocolError,
    ItopRemoteError,
    ItopUnreachable,
)
from connectors.itop.pages import keyset_pages
from connectors.itop.wire import (
    ItopObject,
    ItopPage,
    excerpt,
    failure_reason,
    fields_spec,
    http_session,
    never_sent,
    objects_of,
    read_retry,
    single,
    write_retry,
)

log = logging.getLogger(__name__)

REST_PATH = "/webservices/rest.php"
WRITES = frozenset({"core/create", "core/update", "core/apply_stimulus", "core/delete"})
_FOUND = re.compile(r"Found:\s*(\d+)")


class ItopClient:
    """A client of one iTop; use it as a context manager or call ``close()``."""

    def __init__(
        self,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        version: str = "1.4",
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        verify: bool = True,
    ) -> None:
        if not url:
            raise ItopNotConfigured("no iTop URL configured")
        if not token and not user:
            raise ItopNotConfigured("no iTop credentials configured (user/password or token)")
        self.endpoint = url.rstrip("/") + REST_PATH
        self.version = version
        self.timeout = timeout
        self._auth = {} if token else {"auth_user": user or "", "auth_pwd": password or ""}
        self.server_date: dt.datetime | None = None
        # how long iTop took to answer (the request sent, the body read, retries included),
        # how many POSTs this client made, and how long its caller was held waiting for
        # iTop: less than the answer time when pages are read ahead (``iter_keyset``)
        self.answer_seconds = 0.0
        self.calls = 0
        self.waited_seconds = 0.0
        self._counting = threading.Lock()
        self._reader = threading.local()  # the read-ahead thread's own HTTP session
        headers = {"Auth-Token": token} if token else {}
        self._reading = (verify, headers, read_retry(retries, backoff))
        self.session = self.new_read_session()
        # A write is retried only when it surely did not reach iTop (no connection): one
        # sent twice would append its case-log entry twice. Its caller retries it later.
        self.write_session = http_session(verify, headers, write_retry(retries, backoff))

    def __enter__(self) -> "ItopClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pools."""
        self.session.close()
        self.write_session.close()

    # --- the wire -------------------------------------------------------------------------

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Send one operation; return the parsed body when its ``code`` is 0."""
        body = self._post({"operation": operation, **params}, write=operation in WRITES)
        code = body.get("code")
        if not isinstance(code, int):
            raise ItopProtocolError(f"iTop answer without an integer 'code': {excerpt(body)}")
        if code == 1:
            raise ItopAuthError(code, str(body.get("message")), operation)
        if code != 0:
            raise ItopRemoteError(code, str(body.get("message")), operation)
        return body

    def _post(self, payload: dict[str, Any], *, write: bool = False) -> dict[str, Any]:
        """POST the form and return the decoded JSON object."""
        data = {"version": self.version, "json_data": json.dumps(payload), **self._auth}
        reading_ahead = getattr(self._reader, "session", None)
        http = self.write_session if write else reading_ahead or self.session
        started = time.perf_counter()
        try:
            response = http.post(self.endpoint, data=data, timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            reason = failure_reason(exc, self.endpoint, self.timeout)
            if write and not never_sent(exc):
                raise ItopNoAnswer(
                    f"iTop gave no answer to {payload.get('operation')} ({reason}): "
                    "it may have been applied"
                ) from exc
            raise ItopUnreachable(reason) from exc
        finally:
            elapsed = time.perf_counter() - started
            with self._counting:
                self.answer_seconds += elapsed
                self.calls += 1
                if reading_ahead is None:
                    self.waited_seconds += elapsed
        if response.status_code >= 500:
            raise ItopUnreachable(f"iTop answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise ItopProtocolError(f"iTop answered HTTP {response.status_code} at {self.endpoint}")
        self._note_date(response.headers.get("Date"))
        try:
            body = response.json()
        except ValueError as exc:
            raise ItopProtocolError(
                f"iTop answered something that is not JSON: {response.text[:120]!r}"
            ) from exc
        if not isinstance(body, dict):
            raise ItopProtocolError(f"iTop answered JSON that is not an object: {excerpt(body)}")
        return body

    def _note_date(self, header: str | None) -> None:
        """Remember iTop's clock (HTTP Date header) to bound sync windows by its time."""
        if not header:
            return
        try:
            self.server_date = email.utils.parsedate_to_datetime(header).astimezone(dt.UTC)
        except (TypeError, ValueError):
            log.debug("unreadable Date header %r", header)

    # --- operations -----------------------------------------------------------------------

    def list_operations(self) -> list[dict[str, Any]]:
        """The verbs this iTop offers (also a cheap check of the login)."""
        body = self.call("list_operations")
        operations = body.get("operations")
        if not isinstance(operations, list):
            raise ItopProtocolError(f"list_operations without a list: {excerpt(body)}")
        return operations

    def check_credentials(self, user: str, password: str) -> bool:
        """Whether iTop accepts that login and password."""
        body = self.call("core/check_credentials", user=user, password=password)
        return bool(body.get("authorized"))

    def get(
        self,
        cls: str,
        key: Any,
        *,
        output_fields: str | list[str],
        limit: int | None = None,
        page: int | None = None,
    ) -> ItopPage:
        """``core/get`` by id, criteria object or OQL; one page when ``limit`` is given."""
        spec = fields_spec(output_fields)
        params: dict[str, Any] = {"class": cls, "key": key, "output_fields": spec}
        if limit is not None:
            params.update(limit=limit, page=page or 1)
        body = self.call("core/get", **params)
        objects = objects_of(body)
        match = _FOUND.search(str(body.get("message") or ""))
        total = int(match.group(1)) if match else len(objects)
        return ItopPage(objects=objects, total=total)

    def count(self, cls: str, oql: str) -> int:
        """How many objects an OQL query matches (one object asked, iTop's ``Found: N``)."""
        return self.get(cls, oql, output_fields="id", limit=1, page=1).total

    def iter_keyset(self, cls: str, where: str, **paging: Any) -> Iterator[ItopPage]:
        """Every object matching ``where``, a page at a time, by id descending: keyset paging
        (``pages.keyset_pages``: ``output_fields``, ``page_size``, ``read_ahead``, the next
        page asked while the caller works on this one)."""
        return keyset_pages(self, cls, where, **paging)

    # --- for a thread reading ahead (pages.py) --------------------------------------------

    def new_read_session(self) -> requests.Session:
        """A reading HTTP session (retries with backoff); another thread's own, for one that
        reads ahead (close it when done)."""
        return http_session(*self._reading)

    def read_in_this_thread_with(self, session: requests.Session) -> None:
        """This thread's reads go through ``session``, and do not count as the caller's
        waits (``waited_seconds``)."""
        self._reader.session = session

    def count_wait(self, seconds: float) -> None:
        """The caller was held that long waiting for an answer read in another thread."""
        with self._counting:
            self.waited_seconds += seconds

    def get_by_ids(
        self, cls: str, ids: list[int], *, output_fields: str | list[str], batch: int = 500
    ) -> dict[int, ItopObject]:
        """The objects of those ids that exist (``id IN (...)``, in batches); missing: deleted."""
        found: dict[int, ItopObject] = {}
        unique = sorted(set(int(i) for i in ids))
        for start in range(0, len(unique), batch):
            chunk = ", ".join(str(i) for i in unique[start : start + batch])
            page = self.get(cls, f"SELECT {cls} WHERE id IN ({chunk})", output_fields=output_fields)
            found.update((o.key, o) for o in page.objects)
        return found

    def team_members(self, team: str) -> frozenset[int]:
        """The Person ids iTop lists as members of the team named ``team`` (none if unknown)."""
        page = self.get("Team", {"name": team}, output_fields="id,name,persons_list")
        members: set[int] = set()
        for obj in page.objects:
            for link in obj.fields.get("persons_list") or []:
                try:
                    members.add(int(link.get("person_id") or 0))
                except (TypeError, ValueError, AttributeError) as exc:
                    raise ItopProtocolError(f"unreadable member of {team!r}: {link!r}") from exc
        members.discard(0)
        return frozenset(members)

    def update(
        self,
        cls: str,
        key: Any,
        fields: dict[str, Any],
        *,
        comment: str,
        output_fields: str | list[str] = "id",
    ) -> ItopObject:
        """``core/update`` one object (``comment`` is mandatory for iTop's history)."""
        body = self.call(
            "core/update",
            comment=comment,
            **{"class": cls},
            key=key,
            output_fields=fields_spec(output_fields),
            fields=fields,
        )
        return single(body)

    def apply_stimulus(
        self,
        cls: str,
        key: Any,
        stimulus: str,
        fields: dict[str, Any] | None = None,
        *,
        comment: str,
        output_fields: str | list[str] = "id",
    ) -> ItopObject:
        """``core/apply_stimulus``: move an object through its lifecycle."""
        body = self.call(
            "core/apply_stimulus",
            comment=comment,
            **{"class": cls},
            key=key,
            stimulus=stimulus,
            output_fields=fields_spec(output_fields),
            fields=fields or {},
        )
        return single(body)

    def create(
        self,
        cls: str,
        fields: dict[str, Any],
        *,
        comment: str,
        output_fields: str | list[str] = "id",
    ) -> ItopObject:
        """``core/create`` one object."""
        body = self.call(
            "core/create",
            comment=comment,
            **{"class": cls},
            output_fields=fields_spec(output_fields),
            fields=fields,
        )
        return single(body)
