"""The ``triage`` command: thin click commands calling into the services."""

import datetime as dt
import json
import sys

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from triage.db import get_session, init_db


def _create_app():
    from triage import create_app

    return create_app()


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """triage: support-ticket triage for the Op@le assistance desk."""
    # with_appcontext builds the app from this ScriptInfo (settings from TRIAGE_* variables)
    ctx.obj = ScriptInfo(create_app=_create_app, set_debug_flag=False)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    version = init_db()
    click.echo(f"Database ready (schema revision {version}).")


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only tickets created on or after this day (YYYY-MM-DD).")
@with_appcontext
def stats_command(as_json: bool, since: dt.datetime | None) -> None:
    """Print the backlog table: all / open / open over the threshold, by queue."""
    from triage.services.stats import backlog_for_app, format_table

    table = backlog_for_app(session=get_session(), config=current_app.config,
                            since=since.date() if since else None)
    if as_json:
        click.echo(json.dumps(table, ensure_ascii=False))
    else:
        click.echo(format_table(table))


# --- connector commands (poll, demo) -------------------------------------------------------

@click.command("poll")
@with_appcontext
def poll_command() -> None:
    """One sync with iTop now; prints what it fetched, created and updated."""
    from connectors.itop import ItopError
    from triage.services.ingest import run_poll

    try:
        result = run_poll(session=get_session(), config=current_app.config)
    except ItopError as exc:
        raise click.ClickException(f"iTop sync failed: {exc}") from exc
    watermark = result.watermark.isoformat() if result.watermark else "-"
    click.echo(f"Fetched {result.fetched}, created {result.created}, updated "
               f"{result.updated} ({result.pages} page(s)); watermark {watermark}.")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the web app.")
@click.option("--tickets", default=300, show_default=True, type=int,
              help="How many demo tickets the iTop sandbox holds.")
@click.option("--no-scheduler", is_flag=True, help="Do not start `triage scheduler`.")
@with_appcontext
def demo_command(host: str, port: int, tickets: int, no_scheduler: bool) -> None:
    """The whole service on SQLite with the bundled iTop sandbox (seeded demo data)."""
    from triage.demo import run_demo

    run_demo(app=current_app._get_current_object(), host=host, port=port, tickets=tickets,
             scheduler=not no_scheduler)


CONNECTOR_COMMANDS = [poll_command, demo_command]


# --- router commands (classify, train, evaluate) -------------------------------------------

# --- scheduler commands (escalate, scheduler) ----------------------------------------------

@click.command("escalate")
@with_appcontext
def escalate_command() -> None:
    """One overdue check now (warnings, escalations), then send the pending e-mails."""
    from triage.services.escalation import check_ages
    from triage.services.outbox import outbox_counts, send_pending

    session = get_session()
    ages = check_ages(session=session, config=current_app.config)
    click.echo(f"Vérification des âges : {ages['national']} escalade(s) au national, "
               f"{ages['warning']} avertissement(s).")
    # a manual run retries now, even e-mails waiting for their backoff
    sent = send_pending(session=session, config=current_app.config, ignore_backoff=True)
    left = outbox_counts(session=session)
    click.echo(f"E-mails : {sent['sent']} envoyé(s), {sent['failed']} en échec, "
               f"{left['pending'] + left['failed']} en attente dans la file.")
    if sent["failed"]:
        raise click.ClickException(
            f"{sent['failed']} e-mail(s) non envoyé(s) : {sent['last_error']}. "
            "Ils restent dans la file et seront renvoyés."
        )


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler's jobs until SIGTERM/SIGINT (poll, ages, e-mails, snapshots)."""
    from triage.scheduler import run

    sys.exit(run(current_app._get_current_object()))


# --- accounts commands (create-user, create-token) -----------------------------------------

COMMANDS = [init_db_command, stats_command, *CONNECTOR_COMMANDS, escalate_command, scheduler_command]


def init_app(app) -> None:
    """Register the commands on the app (for ``flask --app`` and the test runner)."""
    for command in COMMANDS:
        app.cli.add_command(command)


for _command in COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
