"""gunicorn on the loaded database, and what the benchmark measures over HTTP.

The server is ``gunicorn -w 2 wsgi:app`` from the checkout, on a free loopback port, with
only the TRIAGE_* variables given here (the caller's own are dropped) and no scheduler.
"""

import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TIMEOUT = 600  # seconds: a slow page is measured, not cut short


def app_env(*, url: str, instance: str, secret: str) -> dict[str, str]:
    """The environment of the app's processes: the caller's, minus its TRIAGE_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(TRIAGE_DATABASE_URL=url, TRIAGE_INSTANCE_PATH=instance, TRIAGE_SECRET_KEY=secret)
    return env


def init_db(env: dict[str, str]) -> str:
    """``triage init-db``: the app creates or upgrades the schema (and its router model)."""
    done = subprocess.run(
        [str(BIN / "triage"), "init-db"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"triage init-db failed: {done.stderr.strip() or done.stdout}")
    return done.stdout.strip()


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running gunicorn."""

    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        """SIGTERM, then wait (gunicorn finishes the requests in flight)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(env: dict[str, str], log: Path, workers: int = 2) -> Server:
    """Start gunicorn and wait until /healthz answers."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--timeout", str(TIMEOUT), "wsgi:app",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(server.url + "/healthz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer within 90 s: {log.read_text()[-2000:]}")


def login(base: str, user: str, password: str) -> requests.Session:
    """A signed-in browser session: the login form's CSRF token, then the form posted."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=60)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    form = {"login": user, "password": password, "next": ""}
    if match:
        form["csrf_token"] = match.group(1)
    answer = session.post(base + "/login", data=form, allow_redirects=False, timeout=60)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"login of {user} refused: HTTP {answer.status_code}")
    return session


def cookie_header(session: requests.Session) -> str:
    """The session's cookies as one Cookie header (for wrk)."""
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(share * len(ordered)))) - 1]


@dataclass
class Timing:
    """The samples of one request."""

    status: int | None = None
    times_ms: list[float] = field(default_factory=list)
    errors: int = 0
    note: str = ""

    @property
    def ok(self) -> bool:
        """Measured (a 2xx answer)."""
        return bool(self.times_ms)

    def figures(self) -> dict:
        """p50, p99, n."""
        if not self.times_ms:
            return {"p50_ms": None, "p99_ms": None, "n": 0}
        return {
            "p50_ms": round(statistics.median(self.times_ms), 1),
            "p99_ms": round(percentile(self.times_ms, 0.99), 1),
            "n": len(self.times_ms),
        }


Fetch = Callable[[], tuple[int, float]]


def fetcher(session: requests.Session, url: Callable[[], str], headers=None) -> Fetch:
    """A function that does one GET and returns (status, milliseconds)."""

    def fetch() -> tuple[int, float]:
        started = time.perf_counter()
        answer = session.get(url(), headers=headers, allow_redirects=False, timeout=TIMEOUT)
        _ = answer.content
        return answer.status_code, (time.perf_counter() - started) * 1000

    return fetch


def sample(fetch: Fetch, *, warmup: int, samples: int, min_samples: int, budget_s: float) -> Timing:
    """Warm up, then sequential samples until ``samples`` or the time budget (but at least
    ``min_samples``)."""
    timing = Timing()
    try:
        status, _ = fetch()
    except requests.RequestException as exc:
        return Timing(note=f"no answer: {type(exc).__name__}")
    timing.status = status
    if status == 404:
        timing.note = "404: no such route (renamed or not merged yet)"
        return timing
    if not 200 <= status < 300:
        timing.note = f"HTTP {status}"
        return timing
    for _ in range(max(warmup - 1, 0)):  # each worker loads what it loads on first use
        fetch()
    deadline = time.monotonic() + budget_s
    while len(timing.times_ms) + timing.errors < samples and (
        len(timing.times_ms) < min_samples or time.monotonic() < deadline
    ):
        status, elapsed = fetch()
        if 200 <= status < 300:
            timing.times_ms.append(elapsed)
        else:
            timing.errors += 1
    if timing.errors:
        timing.note = f"{timing.errors} non-2xx answers while sampling"
    return timing


LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def load_test(url: str, *, cookie: str | None, seconds: float, connections: int = 8) -> dict:
    """Requests per second under ``connections`` concurrent connections (wrk when installed)."""
    wrk = shutil.which("wrk")
    if wrk:
        command = [wrk, "-t2", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "--latency",
                   "--timeout", f"{TIMEOUT}s"]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        lat = {p: float(v) * UNITS[u] for p, v, u in LATENCY.findall(out)}
        return {"rps": round(rps, 1), "p50_ms": lat.get("50"), "p99_ms": lat.get("99"),
                "errors": int(bad.group(1)) if bad else 0, "tool": "wrk"}
    return _threaded_load(url, cookie=cookie, seconds=seconds, connections=connections)


def _threaded_load(url: str, *, cookie: str | None, seconds: float, connections: int) -> dict:
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        session = requests.Session()
        headers = {"Cookie": cookie} if cookie else None
        while time.monotonic() < deadline:
            started = time.perf_counter()
            answer = session.get(url, headers=headers, allow_redirects=False, timeout=TIMEOUT)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                times.append(elapsed)
                errors[0] += not 200 <= answer.status_code < 300

    began = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spent = time.monotonic() - began
    return {"rps": round(len(times) / spent, 1), "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(percentile(times, 0.99), 1), "errors": errors[0],
            "tool": "python threads"}


def starvation(queue: Fetch, dashboard_url: str, cookie: str, *, loads: int,
               seconds: float) -> dict:
    """The queue's latency while ``loads`` dashboard requests run without pause."""
    stop = threading.Event()
    done = [0]

    def hammer() -> None:
        session = requests.Session()
        while not stop.is_set():
            session.get(dashboard_url, headers={"Cookie": cookie}, timeout=TIMEOUT)
            done[0] += 1

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(loads)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the dashboards are in the workers
    times, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline or len(times) < 5:
        status, elapsed = queue()
        if 200 <= status < 300:
            times.append(elapsed)
    stop.set()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    return {"dashboards_running": loads, "p50_ms": round(statistics.median(times), 1),
            "p99_ms": round(percentile(times, 0.99), 1), "n": len(times),
            "dashboards_done": done[0]}
