"""The account commands (``triage create-user``, ``create-token``), apart from ``triage.cli``."""

import sys

import click
from flask.cli import with_appcontext

from triage.cli_help import HELP
from triage.db import get_session
from triage.models import TEAMS


@click.command("create-user", help=HELP["create-user"])
@click.argument("login")
@click.option(
    "--role",
    type=click.Choice(["agent", "supervisor", "admin"]),
    required=True,
    help="agent (avec --team), supervisor (superviseur) ou admin.",
)
@click.option(
    "--team",
    type=click.Choice([team.value for team in TEAMS], case_sensitive=False),
    default=None,
    help="La file de l'agent.",
)
@with_appcontext
def create_user_command(login: str, role: str, team: str | None) -> None:
    """Create an account; the password is read from standard input (or prompted)."""
    from triage.services.users import AccountError, create_user

    if sys.stdin.isatty():
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(
            session=get_session(), login=login, password=password, role=role, team=team
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Compte {user.login} créé ({user.role}{', ' + user.team if user.team else ''}).")


@click.command("create-token", help=HELP["create-token"])
@click.argument("login")
@click.option(
    "--name", default="", help="À quoi sert le jeton (affiché sur la page d'administration)."
)
@with_appcontext
def create_token_command(login: str, name: str) -> None:
    """Print a new API token for that user (shown once: only its hash is kept)."""
    from triage.services.users import create_token, get_user

    session = get_session()
    user = get_user(session=session, login=login)
    if user is None or not user.active:
        raise click.ClickException(f"aucun compte actif {login!r}")
    click.echo(create_token(session=session, user=user, name=name))


ACCOUNT_COMMANDS = [create_user_command, create_token_command]
