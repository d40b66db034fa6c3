"""The iTop sandbox: a real HTTP server speaking iTop's REST/JSON protocol, with fault injection.

Run it: ``python -m connectors.itop.sandbox --port 8081 [--seed FILE]``. From Python:
``with Sandbox() as sandbox: sandbox.url``. Control endpoints (JSON) under ``/_sandbox/``:
``faults`` (POST one, DELETE all), ``clock``, ``tickets`` (bulk load), ``generate``,
``reset``, ``dump``.
"""

import argparse
import base64
import datetime as dt
import email.utils
import json
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.itop import sandbox_ops as ops
from connectors.itop import sandbox_writes as writes
from connectors.itop.dates import parse_itop_date
from connectors.itop.sandbox_data import synthetic_tickets
from connectors.itop.sandbox_ops import RestError
from connectors.itop.sandbox_store import SandboxStore

log = logging.getLogger(__name__)

REST_PATH = "/webservices/rest.php"
FAULT_KINDS = ("http500", "delay", "cut", "garbled", "code100")
HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    "list_operations": ops.list_operations,
    "core/check_credentials": ops.check_credentials,
    "core/get": ops.core_get,
    "core/update": writes.core_update,
    "core/apply_stimulus": writes.core_apply_stimulus,
    "core/create": writes.core_create,
    "core/delete": writes.core_delete,
}
# A hook sees each request's json_data before it is answered; returning a dict answers it.
Hook = Callable[[dict[str, Any], SandboxStore], dict[str, Any] | None]


class Faults:
    """Faults waiting to be served, oldest first; ``count=None`` repeats until cleared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[dict[str, Any]] = []

    def add(
        self, kind: str, *, count: int | None = 1, delay: float = 0.0, operation: str | None = None
    ) -> None:
        """Inject ``kind`` (http500, delay, cut, garbled, code100) into the next requests."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}: one of {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._queue.append(
                {"kind": kind, "count": count, "delay": float(delay), "operation": operation}
            )

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._queue.clear()

    def pending(self) -> list[dict[str, Any]]:
        """The faults still queued."""
        with self._lock:
            return [dict(f) for f in self._queue]

    def take(self, operation: str | None) -> dict[str, Any] | None:
        """The fault to serve for this request, if any (consumes one use)."""
        with self._lock:
            for fault in self._queue:
                if fault["operation"] and fault["operation"] != operation:
                    continue
                if fault["count"] is not None:
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self._queue.remove(fault)
                return dict(fault)
        return None


class Sandbox:
    """A sandbox server on ``host:port`` (port 0: a free one), served from a thread."""

    def __init__(
        self, store: SandboxStore | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.store = store or SandboxStore()
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
        self.server.shutdown()
        self.server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def answer(self, form: dict[str, str], headers: Any) -> dict[str, Any]:
        """The JSON answer of one REST request (auth, protocol checks, dispatch)."""
        user = self._login(form, headers)
        if user is None:
            return {"code": 1, "message": "Error: Invalid login"}
        version = form.get("version")
        if version is None:
            return {"code": 2, "message": "Error: Missing parameter 'version' (e.g. '1.0')"}
        raw = form.get("json_data")
        if raw is None:
            return {"code": 3, "message": "Error: Missing parameter 'json_data'"}
        try:
            params = json.loads(raw)
        except ValueError:
            params = None
        if not isinstance(params, dict):
            return {
                "code": 4,
                "message": "Error: Parameter json_data is not a valid JSON structure",
            }
        if version not in ops.VERSIONS:
            return {
                "code": 10,
                "message": f"Error: There is no service available for version '{version}'",
            }
        operation = params.get("operation")
        if operation is None:
            return {"code": 100, "message": "Error: Missing parameter 'operation'"}
        handler = HANDLERS.get(operation)
        if handler is None:
            return {
                "code": 11,
                "message": f"Error: Unknown verb '{operation}' in version '{version}'",
            }
        for hook in list(self.hooks):
            override = hook(params, self.store)
            if override is not None:  # a hook may answer in iTop's place (errors mid-scan)
                return override
        try:
            with self.store.lock:
                return handler(self.store, params, user, version)
        except RestError as exc:
            return exc.body()
        except (TypeError, ValueError, KeyError) as exc:  # malformed parameters
            return {"code": 100, "message": f"Error: {exc}"}

    def _login(self, form: dict[str, str], headers: Any) -> dict[str, Any] | None:
        users = self.store.users
        token = headers.get("Auth-Token") or form.get("auth_token")
        if token:
            login = self.store.tokens.get(token)
            return users.get(login) if login else None
        login, password = form.get("auth_user"), form.get("auth_pwd")
        basic = headers.get("Authorization", "")
        if login is None and basic.lower().startswith("basic "):
            try:
                login, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
        user = users.get(login or "")
        return user if user and user.get("password") == password else None

    def control(self, path: str, method: str, body: Any) -> tuple[int, Any]:
        """The ``/_sandbox/...`` endpoints."""
        name = path.removeprefix("/_sandbox/").strip("/")
        store = self.store
        if name == "faults" and method == "POST":
            self.faults.add(
                body["kind"],
                count=body.get("count", 1),
                delay=body.get("delay", 0.0),
                operation=body.get("operation"),
            )
        elif name == "faults" and method == "DELETE":
            self.faults.clear()
        elif name == "clock" and method == "POST":
            if body.get("now"):
                store.set_clock(parse_itop_date(body["now"], store.tz))
            elif body.get("advance"):
                store.set_clock(advance=dt.timedelta(seconds=float(body["advance"])))
            else:
                store.set_clock(None)
        elif name == "tickets" and method == "POST":
            return 200, {"loaded": store.bulk_load(body)}
        elif name == "generate" and method == "POST":
            specs = synthetic_tickets(
                int(body.get("count", 100)), now=store.now(), seed=int(body.get("seed", 0))
            )
            return 200, {"loaded": store.bulk_load(specs)}
        elif name == "reset" and method == "POST":
            store.load(body or ops_recorded())
        elif name == "dump" and method == "GET":
            return 200, store.dump()
        elif not (name == "faults" and method == "GET"):
            return 404, {"error": f"no {method} {path}"}
        return 200, {
            "faults": self.faults.pending(),
            "now": store.now_text(),
            "tickets": len(store.objects["UserRequest"]),
        }


def ops_recorded() -> dict[str, Any]:
    """The recorded instance's seed (for ``/_sandbox/reset`` without a body)."""
    from connectors.itop.sandbox_store import recorded_instance

    return recorded_instance()


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
                status, answer = self.sandbox.control(split.path, method, body)
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
        answer = self.sandbox.answer(form, self.headers)
        self._send(200, json.dumps(answer).encode())  # ASCII escapes, as PHP's json_encode

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


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.itop.sandbox``: serve until interrupted."""
    parser = argparse.ArgumentParser(description="iTop REST/JSON sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--seed", help="seed JSON file (default: the recorded instance)")
    parser.add_argument("--generate", type=int, default=0, help="add N synthetic tickets")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sandbox = Sandbox(SandboxStore(args.seed), host=args.host, port=args.port)
    if args.generate:
        sandbox.store.bulk_load(synthetic_tickets(args.generate, now=sandbox.store.now()))
    print(f"iTop sandbox on {sandbox.url}{REST_PATH} (login admin/admin)", flush=True)
    try:
        sandbox.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.server.server_close()


if __name__ == "__main__":
    main()
