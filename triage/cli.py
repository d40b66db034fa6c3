"""The ``triage`` commands: thin click commands calling into the services.

The group that runs them (the console script) is ``triage.__main__.main``.
"""

import datetime as dt
import json
import logging
import sys

import click
import sqlalchemy.exc
from flask import current_app
from flask.cli import with_appcontext

from triage.cli_accounts import ACCOUNT_COMMANDS
from triage.cli_committee import COMMITTEE_COMMANDS
from triage.cli_help import HELP
from triage.cli_router import ROUTER_COMMANDS
from triage.config import ConfigError, get_settings
from triage.config_values import create_secret_key
from triage.db import get_session, init_db

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """Log INFO and up to standard error, one line each (unless logging is set up already)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


class TriageGroup(click.Group):
    """The command group: database and settings failures become one clear line, not a trace."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(f"réglage invalide : {exc}") from exc
        except sqlalchemy.exc.DBAPIError as exc:
            raise click.ClickException(_database_error(exc)) from exc
        except sqlalchemy.exc.ArgumentError as exc:  # e.g. a URL naming an unknown driver
            raise click.ClickException(f"réglage invalide : TRIAGE_DATABASE_URL : {exc}") from exc


def _database_error(exc: sqlalchemy.exc.DBAPIError) -> str:
    """Why the database could not be used, and what to do."""
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "no such table" in text or "does not exist" in text:
        return f"la base n'a pas le schéma de triage ({text}) : lancez d'abord `triage init-db`"
    if "unable to open database file" in text:  # SQLite, its folder missing
        return f"le fichier de la base ne s'ouvre pas ({text}) : lancez d'abord `triage init-db`"
    return f"la base de données est inutilisable : {text.strip()}"


@click.command("init-db", help=HELP["init-db"])
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema, the secret key and a first model (safe to rerun)."""
    settings = get_settings()
    settings.instance_path.mkdir(parents=True, exist_ok=True)  # the SQLite file's home
    version = init_db()
    click.echo(f"Base de données prête (révision du schéma {version}).")
    if not settings.secret_key:  # TRIAGE_SECRET_KEY or instance/config.py win over the file
        path = create_secret_key(settings.instance_path)
        if path is not None:
            click.echo(f"Clé secrète écrite dans {path}.")
    from triage.services.training import ensure_model

    card = ensure_model(settings=settings)  # the router needs a model from day one
    click.echo(f"Modèle du routeur prêt ({card['version']}).")


@click.command("stats", help=HELP["stats"])
@click.option("--json", "as_json", is_flag=True, help="Du JSON au lieu d'un tableau.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Seulement les tickets créés ce jour-là ou après (AAAA-MM-JJ).",
)
@with_appcontext
def stats_command(as_json: bool, since: dt.datetime | None) -> None:
    """Print the backlog table: all / open / open over the threshold, by queue."""
    from triage.services.stats import backlog_for_app, format_table

    table = backlog_for_app(
        session=get_session(), settings=get_settings(), since=since.date() if since else None
    )
    if as_json:
        click.echo(json.dumps(table, ensure_ascii=False))
    else:
        click.echo(format_table(table))


# --- connector commands (poll; `triage demo` is the triage_demo package's) ------------------


@click.command("poll", help=HELP["poll"])
@with_appcontext
def poll_command() -> None:
    """One sync with iTop now; prints what it fetched, created and updated."""
    from connectors.itop import ItopError
    from triage.services.ingest import run_poll

    try:
        result = run_poll(session=get_session(), settings=get_settings())
    except ItopError as exc:
        raise click.ClickException(f"la relève iTop a échoué : {exc}") from exc
    watermark = result.watermark.isoformat() if result.watermark else "-"
    click.echo(
        f"Lus {result.fetched}, créés {result.created}, mis à jour {result.updated} "
        f"({result.pages} page(s)) ; dernière modification vue {watermark}. "
        f"Durée {result.seconds:.1f} s, dont {result.waited_seconds:.1f} s d'attente des "
        f"réponses d'iTop ({result.itop_calls} appel(s) ; iTop a répondu en "
        f"{result.itop_seconds:.1f} s, la page suivante pendant l'écriture de la précédente)."
    )


CONNECTOR_COMMANDS = [poll_command]


# --- scheduler commands (escalate, scheduler) ----------------------------------------------


@click.command("escalate", help=HELP["escalate"])
@click.option("--digest", is_flag=True, help=HELP["escalate --digest"])
@with_appcontext
def escalate_command(digest: bool) -> None:
    """One overdue check now (warnings, escalations), then send the pending e-mails."""
    from triage.services.escalation import escalate_now
    from triage.services.golive import escalate_now_with_digest

    settings = get_settings()
    run = escalate_now_with_digest if digest else escalate_now
    done = run(session=get_session(), settings=settings)
    ages, sent = done["ages"], done["mail"]
    click.echo(
        f"Vérification des âges : {ages['national']} escalade(s) au national, "
        f"{ages['warning']} avertissement(s)."
    )
    if not settings.escalation_to:
        click.echo(
            "Attention : TRIAGE_ESCALATION_TO est vide, les escalades partent sans e-mail.",
            err=True,
        )
    click.echo(
        f"E-mails : {sent['sent']} envoyé(s), {sent['failed']} en échec, "
        f"{sent['refused']} refusé(s) par le serveur, {sent['uncertain']} incertain(s), "
        f"{done['waiting']} en attente dans la file."
    )
    if sent["failed"] or sent["refused"]:
        raise click.ClickException(
            f"{sent['failed'] + sent['refused']} e-mail(s) non envoyé(s) : {sent['last_error']}. "
            "Ils restent dans la file (les refusés se relancent depuis la page d'administration)."
        )


@click.command("writeback", help=HELP["writeback"])
@with_appcontext
def writeback_command() -> None:
    """Push the pending iTop writes now (even those waiting for their retry); print counts."""
    from triage.services.itop_push import push_pending

    settings = get_settings()
    counts = push_pending(session=get_session(), settings=settings, ignore_backoff=True)
    if not settings.itop_writeback:
        click.echo(
            "Attention : TRIAGE_ITOP_WRITEBACK est désactivé, aucune nouvelle décision n'est "
            "mise en file pour iTop.",
            err=True,
        )
    click.echo(
        f"Écritures iTop : {counts['sent']} envoyée(s), {counts['failed']} en échec, "
        f"{counts['refused']} refusée(s) par iTop, {counts['superseded']} dépassée(s) par un "
        f"changement fait dans iTop, {counts['pending']} en attente."
    )
    if counts["failed"] or counts["refused"]:
        raise click.ClickException(
            f"iTop n'a pas pris {counts['failed'] + counts['refused']} écriture(s) : "
            f"{counts['last_error']}. Rien n'est perdu : elles restent dans la file"
            + (
                " (les refusées sont à relancer depuis la page d'administration)."
                if counts["refused"]
                else " et seront renvoyées."
            )
        )


@click.command("replay", help=HELP["replay"])
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Seulement les tickets créés ce jour-là ou après (AAAA-MM-JJ).",
)
@with_appcontext
def replay_command(since: dt.datetime | None) -> None:
    """Route again, writing nothing, the tickets people dispatched in iTop; print agreement."""
    from triage.services.replay import replay, replay_lines

    run = replay(session=get_session(), settings=get_settings(), since=since and since.date())
    for line in replay_lines(run):
        click.echo(line)


@click.command("scheduler", help=HELP["scheduler"])
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduler's jobs until SIGTERM/SIGINT (poll, ages, e-mails, snapshots)."""
    from triage.scheduler import run

    configure_logging()  # the job process logs one line per run, however it was started
    sys.exit(run(current_app._get_current_object()))


# --- accounts commands (create-user, create-token) -----------------------------------------


COMMANDS = [
    init_db_command,
    stats_command,
    *CONNECTOR_COMMANDS,
    *ROUTER_COMMANDS,
    escalate_command,
    writeback_command,
    replay_command,
    scheduler_command,
    *ACCOUNT_COMMANDS,
    *COMMITTEE_COMMANDS,
]


def init_app(app) -> None:
    """Register the commands on the app (for ``flask --app`` and the test runner)."""
    for command in COMMANDS:
        app.cli.add_command(command)


if __name__ == "__main__":  # pragma: no cover - `python -m triage.cli`, as `triage` does
    from triage.__main__ import main

    sys.exit(main())
