"""``--explain``: the SQL the pages run, caught in process, and its plans.

Each service behind a measured page is called once with the app's settings; every statement
it sends is replayed under ``EXPLAIN (ANALYZE, BUFFERS)`` (PostgreSQL) or ``EXPLAIN QUERY
PLAN`` (SQLite), and the slowest are printed with their plan's first lines; the wall time
of each call in process comes first (SQL plus Python: ORM objects, loops).
"""

import datetime as dt
import inspect
import time
from collections.abc import Callable

import sqlalchemy as sa

DASHBOARD_PARTS = ("backlog_trend", "age_distribution", "top_establishments",
                   "wrong_prefix_share", "router_accuracy")


def _calls(settings, as_of: dt.datetime, queries: dict[str, dict]) -> list[tuple[str, Callable]]:
    from triage.services import dashboard, escalation, stats, tickets

    calls = []
    for label, args in queries.items():
        def listing(session, args=args):
            query = tickets.parse_query(args)
            return tickets.list_tickets(session=session, settings=settings, query=query, now=as_of)

        calls.append((label, listing))
    calls += [
        ("queue_counts", lambda s: tickets.queue_counts(session=s, settings=settings)),
        ("backlog", lambda s: stats.backlog_for_app(session=s, settings=settings, as_of=as_of)),
    ]
    def age_check_candidates(session):
        # the age check's one query (read only): what is due at the data set's "now"
        limits = escalation.thresholds(now=as_of, settings=settings)
        return escalation._candidate_ids(session, limits, settings)

    calls.append(("age_check candidates", age_check_candidates))
    # the dashboard part by part (each is called with the keywords it accepts)
    for name in DASHBOARD_PARTS:
        part = getattr(dashboard, name, None)
        if part is None:
            continue

        def call(session, part=part):
            kwargs = {"session": session, "settings": settings, "now": as_of,
                      "today": as_of.date()}
            names = inspect.signature(part).parameters
            return part(**{k: v for k, v in kwargs.items() if k in names})

        calls.append((f"dashboard.{name}", call))
    return calls


def _plan(conn, statement: str, parameters) -> tuple[float, list[str]]:
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
            total = next((float(line.split(":")[1].split()[0]) for line in lines
                          if line.startswith("Execution Time")), 0.0)
            return total, lines
        clock = time.perf_counter()
        cursor.execute(statement, parameters).fetchall()
        total = (time.perf_counter() - clock) * 1000
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return total, [" ".join(str(v) for v in row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def explain(app, *, as_of: dt.datetime, queries: dict[str, dict], top: int = 8,
            lines: int = 14) -> list[str]:
    """The slowest statements of the measured services, with their plans (printable lines)."""
    from triage.config import get_settings
    from triage.db import get_engine, get_session

    caught: list[tuple[str, str, object]] = []
    current = [""]

    def catch(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and "alembic" not in statement:
            caught.append((current[0], statement, parameters))

    out: list[str] = []
    with app.app_context():
        engine = get_engine()
        sa.event.listen(engine, "before_cursor_execute", catch)
        try:
            for label, call in _calls(get_settings(app), as_of, queries):
                current[0] = label
                clock = time.perf_counter()
                try:
                    call(get_session())
                    spent = (time.perf_counter() - clock) * 1000
                    out.append(f"in process: {label}: {spent:.0f} ms")
                except Exception as exc:  # noqa: BLE001 - the service changed: say so, go on
                    out.append(f"{label}: could not be called ({type(exc).__name__}: {exc})")
                get_session().rollback()
        finally:
            sa.event.remove(engine, "before_cursor_execute", catch)
        plans = []
        with engine.connect() as conn:
            for label, statement, parameters in caught:
                total, plan = _plan(conn, statement, parameters)
                plans.append((total, label, statement, plan))
            conn.rollback()
    for total, label, statement, plan in sorted(plans, key=lambda p: -p[0])[:top]:
        flat = " ".join(statement.split())
        out.append(f"-- {label}: {total:.1f} ms -- {flat[:300]}{'...' if len(flat) > 300 else ''}")
        out.extend("   " + line for line in plan[:lines])
    return out
