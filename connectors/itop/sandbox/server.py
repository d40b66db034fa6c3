"""The sandbox's HTTP server: iTop's REST entry point, authentication, faults, control endpoints.

``with Sandbox() as sandbox: sandbox.url``; control endpoints (JSON) under ``/_sandbox/``
(see control.py).
"""

import datetime as dt
import email.utils
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.itop.sandbox import rest
from connectors.itop.sandbox.activity import Activity
from connectors.itop.sandbox.control import control
from connectors.itop.sandbox.faults import Faults
from connectors.itop.sandbox.schema import ServerError
from connectors.itop.sandbox.store import SandboxStore

log = logging.getLogger(__name__)

REST_PATH = "/webservices/rest.php"
# A hook sees each request's json_data before it is answered; returning a dict answers it.
Hook = Callable[[dict[str, Any], SandboxStore], dict[str, Any] | None]


class Sandbox:
    """A sandbox server on ``host:port`` (port 0: a free one), served from a thread."""

    def __init__(
        self,
        store: SandboxStore | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_extension: bool = False,
        updates_per_get: int = 0,
        activity_seed: int = 0,
        pace: float = 0.0,
    ) -> None:
        """``pace``: seconds an answer takes at least for each field of each object it holds
        (0: as fast as the sandbox goes). A real iTop 3.2 answered a sync's pages, 24 fields
        a ticket, at about 0.6 ms a ticket (bench/sync_bench.py)."""
        self.store = store or SandboxStore()
        self.pace = pace
        self.token_extension = token_extension  # simulate Combodo's authent-token extension
        self.activity = Activity(self.store, per_get=updates_per_get, seed=activity_seed)
        self.faults = Faults()
        self.hooks: list[Hook] = []
        self.requests = 0
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer((host, port), _Handler)
        self.server.daemon_threads = True
        self.server.sandbox = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to give the client (it appends /webservices/rest.php)."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Sandbox":
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
            name="itop-sandbox", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self.stopping.set()
        self.activity.stop()
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer(self, form: dict[str, str], headers: Any) -> dict[str, Any]:
        """The JSON answer of one REST request (rest.py)."""
        return rest.answer(self, form, headers)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""

    @property
    def sandbox(self) -> Sandbox:
        return self.server.sandbox  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("sandbox %s " + format, self.address_string(), *args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header follows the sandbox clock (the connector reads iTop's time there)."""
        return email.utils.format_datetime(self.sandbox.store.now().astimezone(dt.UTC), usegmt=True)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        raw = self._body()
        if split.path.startswith("/_sandbox/"):
            try:
                body = json.loads(raw or b"{}")
                status, answer = control(self.sandbox, split.path, method, body)
            except (ValueError, KeyError, TypeError) as exc:
                status, answer = 400, {"error": str(exc)}
            return self._send(status, json.dumps(answer, ensure_ascii=False).encode())
        if split.path != REST_PATH:
            return self._send(404, b"<html><body>Not Found</body></html>", "text/html")
        form = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        if method == "POST":
            form.update(
                {
                    k: v[0]
                    for k, v in parse_qs(
                        raw.decode("utf-8", "replace"), keep_blank_values=True
                    ).items()
                }
            )
        self.sandbox.requests += 1
        if self._fault(form):
            return
        started = time.perf_counter()
        try:
            answer = self.sandbox.answer(form, self.headers)
        except ServerError as exc:  # a PHP error on iTop: its HTML page, nothing changed
            log.debug("sandbox: HTTP 500 (%s)", exc)
            return self._send(500, ServerError.BODY.encode(), ServerError.CONTENT_TYPE)
        body = json.dumps(answer).encode()  # ASCII escapes, as PHP's json_encode
        objects = answer.get("objects")
        if self.sandbox.pace and isinstance(objects, dict):  # as slow as a real iTop
            fields = sum(len(o.get("fields") or {}) for o in objects.values())
            due = self.sandbox.pace * fields - (time.perf_counter() - started)
            self.sandbox.stopping.wait(max(due, 0.0))
        self._send(200, body)

    def _fault(self, form: dict[str, str]) -> bool:
        """Serve an injected fault; True when the request is answered (or cut) already."""
        try:
            operation = json.loads(form.get("json_data") or "{}").get("operation")
        except (ValueError, AttributeError):
            operation = None
        fault = self.sandbox.faults.take(operation)
        if fault is None:
            return False
        kind = fault["kind"]
        if kind == "delay":
            self.sandbox.stopping.wait(fault["delay"])
            return False
        if kind == "http500":
            self._send(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        elif kind == "garbled":
            self._send(200, b'{"code": 0, "message": "Found: 3", "objects": {"UserReq')
        elif kind == "code100":
            self._send(
                200,
                json.dumps({"code": 100, "message": "Error: injected fault (sandbox)"}).encode(),
            )
        elif kind == "cut":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        return True

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.close_connection = True
