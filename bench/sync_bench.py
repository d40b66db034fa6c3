"""Time a first sync of 10,000 sandbox tickets and an empty poll, on SQLite and PostgreSQL.

    .venv/bin/python bench/sync_bench.py [--tickets 10000] [--page-size 500] [--busy 5]
    TRIAGE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/sync_bench.py

``--busy N``: the sandbox changes N tickets after every page it answers (a busy desk); the
first sync must still read every ticket once. PostgreSQL runs in a schema of its own, dropped
afterwards. The router is the one the app
has (the shipped model is trained once, before timing, into a temporary instance folder).
"""

import argparse
import os
import tempfile
import time
import uuid

import sqlalchemy as sa

from connectors.itop.sandbox import Sandbox, SandboxStore, synthetic_tickets
from triage import create_app
from triage.config import get_settings
from triage.db import get_engine, get_session, init_db
from triage.services.ingest import run_poll


def bench(url: str | None, tickets: int, page_size: int, instance: str, busy: int = 0) -> None:
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
    store = SandboxStore()
    store.bulk_load(synthetic_tickets(tickets - 10, now=store.now(), seed=42))
    with Sandbox(store, updates_per_get=busy) as sandbox:
        config["ITOP_URL"] = sandbox.url
        app = create_app(config)
        init_db(app)
        try:
            with app.app_context():
                started, calls = time.perf_counter(), sandbox.requests
                first = run_poll(session=get_session(), settings=get_settings(app))
                first_s, first_calls = time.perf_counter() - started, sandbox.requests - calls
                sandbox.activity.per_get = 0
                started = time.perf_counter()
                empty = run_poll(session=get_session(), settings=get_settings(app))
                empty_s = time.perf_counter() - started
        finally:
            get_engine(app).dispose()
            if schema:
                with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    backend = "PostgreSQL" if url else "SQLite"
    changed = f", {sandbox.activity.status()['changed']} changed meanwhile" if busy else ""
    print(f"{backend:<10} first sync: {first.created} tickets ({first.fetched} read), "
          f"{first.pages} pages, {first_calls} iTop calls in {first_s:.1f} s "
          f"({first.created / first_s:.0f} tickets/s{changed}); "
          f"empty poll: {empty.fetched} fetched, {empty.updated} updated in {empty_s:.3f} s")


def main() -> None:
    """Parse the arguments and run the benchmark on each configured backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--busy", type=int, default=0,
                        help="tickets the sandbox changes after each page it answers")
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
            bench(None, args.tickets, args.page_size, instance, args.busy)
        if pg:
            bench(pg, args.tickets, args.page_size, instance, args.busy)


if __name__ == "__main__":
    main()
