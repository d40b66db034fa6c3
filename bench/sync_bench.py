"""Time a first sync of 10,000 sandbox tickets, a poll that reads them all again unchanged
and an empty poll, on SQLite and PostgreSQL, and how much of each is iTop's answer time and
how much triage's own work.

    .venv/bin/python bench/sync_bench.py [--tickets 10000] [--page-size 500] [--busy 5]
    TRIAGE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/sync_bench.py

The sandbox runs in a process of its own (``python -m connectors.itop.sandbox``), as a real
iTop would: its work does not share the benchmark's interpreter. iTop's answer time is what
the connector's client measured for its answers (``SyncResult.itop_seconds``, the request
sent to the body read); triage's own work is the poll less the time it was held waiting for
them (``SyncResult.waited_seconds``): the sync reads the next page while it writes this one,
so the two overlap. The goal's figure is the time the poll took beyond iTop's answer time.
The sandbox answers faster than a real iTop 3.2 (0.59 s for 1,011 tickets, measured against
a real one); by default it is held to that pace, for each field of each object it answers
(``--pace``; ``--pace 0``: its own speed), and the own work is also given against that rate.

``--busy N``: the sandbox changes N tickets after every page it answers (a busy desk); the
first sync must still read every ticket once. PostgreSQL runs in a schema of its own, dropped
afterwards. The router is the one the app has (the shipped model is trained once, before
timing, into a temporary instance folder) and is loaded before timing, as in the scheduler,
which keeps it from one poll to the next.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

from connectors.itop import SYNC_FIELDS
from triage import create_app
from triage.config import get_settings
from triage.db import get_engine, get_session, init_db
from triage.services.ingest import run_poll

ROOT = Path(__file__).resolve().parents[1]
REAL_ITOP_SECONDS_PER_TICKET = 0.59 / 1011  # a real iTop 3.2 answering a first sync's pages
# its pace, for every field of every object answered (a sync's pages ask for SYNC_FIELDS)
REAL_ITOP_SECONDS_PER_FIELD = REAL_ITOP_SECONDS_PER_TICKET / len(SYNC_FIELDS)
SEED_TICKETS = 10  # the recorded instance's own tickets


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcess:
    """``python -m connectors.itop.sandbox`` on a free port, with ``tickets`` tickets."""

    def __init__(self, tickets: int, busy: int, pace: float = 0.0) -> None:
        port = free_port()
        command = [sys.executable, "-m", "connectors.itop.sandbox", "--port", str(port),
                   "--updates-per-get", str(busy), "--pace", str(pace)]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        banner = self.process.stdout.readline()
        if "sandbox" not in banner:
            self.process.kill()
            raise RuntimeError(f"the sandbox did not start: {banner!r}")
        self.url = f"http://127.0.0.1:{port}"
        loaded = self.control("POST", "generate", {"count": tickets - SEED_TICKETS, "seed": 42})
        self.tickets = loaded["loaded"] + SEED_TICKETS

    def control(self, method: str, name: str, body: dict | None = None) -> dict:
        """One ``/_sandbox/<name>`` call."""
        answer = requests.request(method, f"{self.url}/_sandbox/{name}", json=body or {},
                                  timeout=600)
        answer.raise_for_status()
        return answer.json() or {}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _figures(label: str, result, tickets: int) -> str:
    """iTop's answer time, triage's own work (the poll less its waits for iTop: pages are
    read ahead, so iTop answers while triage works) and what the poll took beyond iTop."""
    own = result.seconds - result.waited_seconds
    beyond = result.seconds - result.itop_seconds
    line = (f"  {label}: {result.seconds:.2f} s, iTop answered in {result.itop_seconds:.2f} s "
            f"({result.itop_calls} calls), triage worked {own:.2f} s")
    if tickets:
        real = tickets * REAL_ITOP_SECONDS_PER_TICKET
        line += (f" ({own * 1000 / tickets:.3f} ms a ticket, {own / real:.0%} of a real "
                 f"iTop 3.2's {real:.2f} s for {tickets} tickets)")
    if result.itop_seconds:
        line += (f"; the poll took {beyond:.2f} s beyond iTop's answer time "
                 f"= {beyond / result.itop_seconds:.0%} on top of it")
    return line


def bench(url: str | None, tickets: int, page_size: int, instance: str, busy: int = 0,
          pace: float = 0.0) -> None:  # fmt: skip
    """Print the timings of one backend."""
    schema = None
    config = {"INSTANCE_PATH": instance, "ITOP_USER": "admin", "ITOP_PASSWORD": "admin",
              "ITOP_PAGE_SIZE": page_size, "TESTING": True}
    if url:
        schema = "bench_" + uuid.uuid4().hex[:8]
        with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        config.update(DATABASE_URL=url, DATABASE_SCHEMA=schema)
    else:
        config["DATABASE_URL"] = f"sqlite:///{instance}/bench-{uuid.uuid4().hex[:6]}.db"
    sandbox = SandboxProcess(tickets, busy, pace)
    try:
        config["ITOP_URL"] = sandbox.url
        app = create_app(config)
        init_db(app)
        try:
            with app.app_context():
                warm_router(app)
                first = run_poll(session=get_session(), settings=get_settings(app))
                changed = sandbox.control("DELETE", "activity")["changed"]
                # every ticket was changed "now": the next poll reads them all again, unchanged;
                # an hour later (past the overlap), the one after it reads none
                sandbox.control("POST", "clock", {"advance": 3600})
                again = run_poll(session=get_session(), settings=get_settings(app))
                empty = run_poll(session=get_session(), settings=get_settings(app))
        finally:
            get_engine(app).dispose()
            if schema:
                with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        sandbox.stop()
    backend = "PostgreSQL" if url else "SQLite"
    meanwhile = f", {changed} changed meanwhile" if busy else ""
    print(f"{backend:<10} first sync: {first.created} tickets ({first.fetched} read), "
          f"{first.pages} pages, {first.itop_calls} iTop calls in {first.seconds:.1f} s "
          f"({first.created / first.seconds:.0f} tickets/s{meanwhile}); "
          f"re-read: {again.fetched} fetched, {again.updated} updated in {again.seconds:.3f} s; "
          f"empty poll: {empty.fetched} fetched in {empty.seconds:.3f} s")
    print(_figures("first sync", first, first.created))
    print(_figures("re-read", again, 0))
    print(_figures("empty poll", empty, 0))


def warm_router(app) -> None:
    """Load the router now, as the scheduler does before a poll (``settle_router``), and
    keeps it from one poll to the next."""
    from triage.scheduler import settle_router
    from triage.services.training import get_router

    started = time.perf_counter()
    # what explanations read of the model is prepared at the first one: done here too
    get_router(get_settings(app)).decide_explained_many([("Ticket", "Bonjour")])
    settle_router(get_settings(app))
    print(f"router loaded in {time.perf_counter() - started:.2f} s (before timing)")


def main() -> None:
    """Parse the arguments and run the benchmark on each configured backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--busy", type=int, default=0,
                        help="tickets the sandbox changes after each page it answers")
    parser.add_argument("--pace", type=float, default=REAL_ITOP_SECONDS_PER_FIELD,
                        help="the sandbox answers no faster than S seconds a field of each "
                        "object (default: a real iTop 3.2's pace; 0: as fast as it goes)")
    parser.add_argument("--no-router", action="store_true",
                        help="time the connector alone (new tickets are not routed)")
    args = parser.parse_args()
    if args.no_router:
        from triage.services import routing

        routing.route_tickets = lambda *, tickets, **_: [None] * len(tickets)
    pg = os.environ.get("TRIAGE_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as instance:
        # one model for both runs, trained before any timing
        from triage.services.training import ensure_model

        app = create_app({"INSTANCE_PATH": instance, "TESTING": True,
                          "DATABASE_URL": f"sqlite:///{instance}/warm.db"})
        ensure_model(settings=get_settings(app))
        if not args.skip_sqlite:
            bench(None, args.tickets, args.page_size, instance, args.busy, args.pace)
        if pg:
            bench(pg, args.tickets, args.page_size, instance, args.busy, args.pace)


if __name__ == "__main__":
    main()
