"""``triage demo``: the iTop sandbox seeded with demo tickets, a first sync, the web app."""

import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from werkzeug.serving import run_simple

from connectors.itop.sandbox import Sandbox
from connectors.itop.sandbox_store import SandboxStore
from triage.db import get_session, init_db
from triage.demo_data import demo_tickets
from triage.models import utcnow
from triage.services.ingest import run_poll

log = logging.getLogger(__name__)

SANDBOX_PORT = 8081
DEMO_PASSWORD = "demo-triage-2026"
DEMO_ACCOUNTS = [  # login, role, team
    ("superviseur", "supervisor", None),
    ("agent.si2c", "agent", "SI2C"),
    ("agent.drasi", "agent", "DRASI"),
    ("admin", "admin", None),
]


def start_sandbox(tickets: int) -> Sandbox:
    """The sandbox on 127.0.0.1:8081 (or a free port), holding the demo tickets."""
    store = SandboxStore()
    store.bulk_load(demo_tickets(tickets, now=utcnow()))
    try:
        sandbox = Sandbox(store, port=SANDBOX_PORT)
    except OSError:  # 8081 taken: any free port
        sandbox = Sandbox(store, port=0)
    return sandbox.start()


def prepare_app(app: Flask, sandbox: Sandbox) -> Path:
    """Point the app at a fresh demo SQLite file in the instance folder and at the sandbox."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    database = instance / "demo.db"
    for suffix in ("", "-wal", "-shm"):  # each run starts from the sandbox's fresh data
        Path(str(database) + suffix).unlink(missing_ok=True)
    app.config.update(
        DATABASE_URL=f"sqlite:///{database}",
        DATABASE_SCHEMA=None,
        ITOP_URL=sandbox.url,
        ITOP_USER="admin",
        ITOP_PASSWORD="admin",
        ITOP_TOKEN=None,
        ITOP_WRITEBACK=True,
    )
    app.extensions.pop("triage_db", None)  # an engine made before would point elsewhere
    return database


def create_accounts(app: Flask) -> list[tuple[str, str, str | None]]:
    """The demo accounts, when the accounts service is there."""
    try:
        from triage.services.users import create_user
    except ImportError:
        log.warning("no accounts service yet: no demo accounts")
        return []
    created = []
    with app.app_context():
        for login, role, team in DEMO_ACCOUNTS:
            try:
                create_user(
                    session=get_session(), login=login, password=DEMO_PASSWORD, role=role, team=team
                )
                created.append((login, role, team))
            except Exception as exc:  # noqa: BLE001 - the demo goes on without that account
                log.warning("demo account %s not created: %s", login, exc)
                get_session().rollback()
    return created


def start_scheduler(app: Flask, database: Path) -> subprocess.Popen | None:
    """``triage scheduler`` in a child process with the demo's settings, when it exists."""
    from triage.cli import main

    if "scheduler" not in main.commands:
        return None
    env = dict(os.environ)
    env.update(
        TRIAGE_INSTANCE_PATH=app.instance_path,
        TRIAGE_DATABASE_URL=f"sqlite:///{database}",
        TRIAGE_ITOP_URL=app.config["ITOP_URL"],
        TRIAGE_ITOP_USER="admin",
        TRIAGE_ITOP_PASSWORD="admin",
        TRIAGE_ITOP_WRITEBACK="1",
    )
    env.pop("TRIAGE_ITOP_TOKEN", None)
    return subprocess.Popen([sys.executable, "-m", "triage.cli", "scheduler"], env=env)


def run_demo(
    *,
    app: Flask,
    host: str = "127.0.0.1",
    port: int = 5000,
    tickets: int = 300,
    scheduler: bool = True,
) -> None:
    """Run the whole demo until Ctrl-C; everything started here is stopped on the way out."""
    if not _port_free(host, port):
        raise click.ClickException(f"port {port} is already in use: try `triage demo --port N`")
    sandbox = start_sandbox(tickets)
    child = None
    # SIGTERM (e.g. from a supervisor) unwinds like Ctrl-C, so the children are stopped too
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        database = prepare_app(app, sandbox)
        init_db(app)
        with app.app_context():
            result = run_poll(session=get_session(), config=app.config)
        accounts = create_accounts(app)
        child = start_scheduler(app, database) if scheduler else None
        _banner(app, sandbox, host, port, result, accounts, database, child)
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        sandbox.stop()
        signal.signal(signal.SIGTERM, previous)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _banner(
    app: Flask,
    sandbox: Sandbox,
    host: str,
    port: int,
    result: Any,
    accounts: list,
    database: Path,
    child: subprocess.Popen | None,
) -> None:
    echo = click.echo
    echo("")
    echo(f"triage (démo) : http://{host}:{port}/")
    echo(f"  Bac à sable iTop / iTop sandbox : {sandbox.url}/webservices/rest.php (admin / admin)")
    echo(
        f"  Première synchronisation / first sync : {result.fetched} tickets, "
        f"{result.created} créés / created"
    )
    echo(f"  Base / database : {database}")
    if accounts:
        echo(f"  Comptes de démo / demo logins (mot de passe / password « {DEMO_PASSWORD} ») :")
        for login, role, team in accounts:
            echo(f"    {login:<12} {role}{' ' + team if team else ''}")
    echo("  Planificateur / scheduler : " + (f"pid {child.pid}" if child else "non lancé"))
    echo(f"  Autre terminal / other shell : TRIAGE_DATABASE_URL=sqlite:///{database} triage stats")
    echo("  Ctrl-C pour arrêter / to stop.")
    echo("")
