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

from connectors.itop.sandbox import Sandbox, SandboxStore
from triage.config import get_settings, replace_settings
from triage.config_values import create_secret_key, read_secret_key
from triage.db import get_session, init_db, reset_engine
from triage.models import Team, utcnow
from triage.services.ingest import run_poll
from triage.services.schools import decode_csv, import_schools
from triage.services.snapshots import backfill_snapshots, take_snapshot
from triage.services.users import create_user
from triage_demo.activity import TicketActivity
from triage_demo.mailsink import MailSink
from triage_demo.tickets import demo_tickets

log = logging.getLogger(__name__)

SANDBOX_PORT = 8081
DEMO_PASSWORD = "demo-triage-2026"
DEMO_ACCOUNTS = [  # login, role, team
    ("superviseur", "supervisor", None),
    ("agent.si2c", "agent", Team.SI2C),
    ("agent.drasi", "agent", Team.DRASI),
    ("admin", "admin", None),
]
MAIL_TO = {  # who the demo's e-mails are for (they all land in <instance>/demo-mail/)
    "escalation_to": "niveau-national@demo.invalid",
    "warning_to_si2c": "equipe-si2c@demo.invalid",
    "warning_to_drasi": "equipe-drasi@demo.invalid",
    "digest_to": "superviseurs@demo.invalid",  # the weekly digest (queued at once: day 1, 0 h)
}
BACKFILL_DAYS = 90
# the committee's data on the demo's establishments (wave, kit de bascule, budget)
SCHOOLS_CSV = Path(__file__).with_name("schools.csv")


def start_sandbox(tickets: int) -> Sandbox:
    """The sandbox on 127.0.0.1:8081 (or a free port), holding the demo tickets."""
    store = SandboxStore()
    store.bulk_load(demo_tickets(tickets, now=utcnow()))
    try:
        sandbox = Sandbox(store, port=SANDBOX_PORT)
    except OSError:  # 8081 taken: any free port
        sandbox = Sandbox(store, port=0)
    return sandbox.start()


def prepare_app(app: Flask, sandbox: Sandbox, mail: MailSink, web_url: str = "") -> Path:
    """Point the app at a fresh demo SQLite file, the sandbox and the mail sink; the e-mails'
    links at ``web_url`` (where the demo serves), unless TRIAGE_BASE_URL says otherwise."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    database = instance / "demo.db"
    for suffix in ("", "-wal", "-shm"):  # each run starts from the sandbox's fresh data
        Path(str(database) + suffix).unlink(missing_ok=True)
    key = get_settings(app).secret_key
    if not key:  # as `triage init-db` does: the web app needs one
        create_secret_key(instance)
        key = read_secret_key(instance)
    replace_settings(
        app,
        secret_key=key,
        database_url=f"sqlite:///{database}",
        database_schema=None,
        itop_url=sandbox.url,
        itop_user="admin",
        itop_password="admin",
        itop_token=None,
        itop_writeback=True,
        smtp_host="127.0.0.1",
        smtp_port=mail.port,
        smtp_user=None,
        smtp_password=None,
        smtp_starttls=False,
        **({"base_url": web_url} if web_url and not os.environ.get("TRIAGE_BASE_URL") else {}),
        **{key: (address,) for key, address in MAIL_TO.items()},
    )
    reset_engine(app)  # an engine made before would point elsewhere
    return database


def create_accounts(app: Flask) -> list[tuple[str, str, str | None]]:
    """The demo accounts (one that cannot be made is skipped with a warning)."""
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


def seed_history(app: Flask) -> Any:
    """The first sync (the router routes the new tickets), the past 90 days' snapshots, the
    schools' CSV."""
    with app.app_context():
        session = get_session()
        settings = get_settings(app)
        result = run_poll(session=session, settings=settings)
        backfill_snapshots(session=session, settings=settings, days=BACKFILL_DAYS)
        take_snapshot(session=session, settings=settings)
        import_schools(session=session, text=decode_csv(SCHOOLS_CSV.read_bytes()))
    return result


def start_scheduler(app: Flask, database: Path) -> subprocess.Popen:
    """``triage scheduler`` in a child process with the demo's settings."""
    settings = get_settings(app)
    env = dict(os.environ)
    env.update(
        TRIAGE_INSTANCE_PATH=app.instance_path,
        TRIAGE_DATABASE_URL=f"sqlite:///{database}",
        TRIAGE_ITOP_URL=settings.itop_url,
        TRIAGE_ITOP_USER="admin",
        TRIAGE_ITOP_PASSWORD="admin",
        TRIAGE_ITOP_WRITEBACK="1",
        # short intervals: the sandbox's new tickets, the mails and the writes show up quickly
        TRIAGE_POLL_SECONDS="30",
        TRIAGE_OUTBOX_SECONDS="15",
        TRIAGE_WRITEBACK_SECONDS="15",
        TRIAGE_AGE_CHECK_SECONDS="120",
        # the committee's features, on in the demo: the week's digest at once, and the
        # completeness request to the sandbox's new incomplete tickets
        TRIAGE_DIGEST_DAY="1",
        TRIAGE_DIGEST_HOUR="0",
        TRIAGE_COMPLETENESS_REQUEST="1",
        TRIAGE_SMTP_HOST="127.0.0.1",
        TRIAGE_SMTP_PORT=str(settings.smtp_port),
        TRIAGE_SMTP_STARTTLS="0",
        TRIAGE_BASE_URL=settings.base_url,  # the e-mails' links: where the demo serves
        **{f"TRIAGE_{key.upper()}": address for key, address in MAIL_TO.items()},
    )
    for name in ("TRIAGE_ITOP_TOKEN", "TRIAGE_SMTP_USER", "TRIAGE_SMTP_PASSWORD"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "triage", "scheduler"], env=env)


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
        raise click.ClickException(f"le port {port} est déjà pris : essayez `triage demo --port N`")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter
    sandbox = start_sandbox(tickets)
    mail = activity = child = None
    # SIGTERM (e.g. from a supervisor) unwinds like Ctrl-C, so the children are stopped too
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        mail = MailSink(Path(app.instance_path) / "demo-mail", clear=True).start()
        database = prepare_app(app, sandbox, mail, web_url=f"http://{host}:{port}")
        init_db(app)
        result = seed_history(app)
        accounts = create_accounts(app)
        child = start_scheduler(app, database) if scheduler else None
        activity = TicketActivity(sandbox.store).start()
        _banner(app, sandbox, host, port, result, accounts, database, child, mail)
        run_simple(host, port, app, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass  # Ctrl-C before the web server took over: stop quietly all the same
    finally:
        _stop(child, activity, mail, sandbox)
        signal.signal(signal.SIGTERM, previous)
        click.echo("triage (démo) arrêté.")


def _stop(child, activity, mail, sandbox) -> None:
    """Stop what the demo started, the scheduler first (it talks to the others)."""
    if child is not None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    for part in (activity, mail, sandbox):
        if part is not None:
            part.stop()


def _triage() -> str:
    """The ``triage`` command of this installation (``.venv/bin/triage`` after ``make``):
    a plain ``triage`` is not on the PATH of a shell where the venv is not activated."""
    script = Path(sys.executable).parent / "triage"
    if not script.exists():
        return "triage"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


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
    mail: MailSink,
) -> None:
    echo = click.echo
    echo("")
    echo(f"triage (démo) : http://{host}:{port}/")
    echo(f"  Bac à sable iTop : {sandbox.url}/webservices/rest.php (admin / admin)")
    echo(f"  Première relève : {result.fetched} tickets lus, {result.created} créés")
    echo(f"  Base de données : {database}")
    if accounts:
        echo(f"  Comptes de démo (mot de passe « {DEMO_PASSWORD} ») :")
        for login, role, team in accounts:
            echo(f"    {login:<12} {role}{' ' + team if team else ''}")
    echo(f"  Courriels : serveur SMTP local 127.0.0.1:{mail.port}, un fichier .eml")
    echo(f"    par courriel dans {mail.folder}/ (national : {MAIL_TO['escalation_to']})")
    echo("  Nouveaux tickets dans le bac à sable toutes les 30 à 60 s")
    echo("  Planificateur (triage scheduler) : " + (f"pid {child.pid}" if child else "non lancé"))
    shell = f"TRIAGE_DATABASE_URL=sqlite:///{database} {_triage()} stats"
    echo(f"  Dans un autre terminal : {shell}")
    echo("  Ctrl-C pour arrêter.")
    echo("")
