"""The ``triage demo`` command, registered under the ``triage.commands`` entry point group."""

import click
from flask import current_app
from flask.cli import with_appcontext

MISSING_EXTRA = (
    "`triage demo` a besoin d'aiosmtpd pour son serveur de courriel local, qui n'est pas "
    "installé : pip install 'triage[demo]' (depuis les sources : pip install -e '.[demo]' ; "
    "`make run` le fait)"
)


@click.command(
    "demo",
    help="Tout le service sur SQLite avec le bac à sable iTop livré (données de démonstration).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Adresse d'écoute.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port du site web.")
@click.option(
    "--tickets",
    default=300,
    show_default=True,
    type=int,
    help="Nombre de tickets de démonstration dans le bac à sable iTop.",
)
@click.option("--no-scheduler", is_flag=True, help="Sans lancer `triage scheduler`.")
@with_appcontext
def demo_command(host: str, port: int, tickets: int, no_scheduler: bool) -> None:
    """The whole service on SQLite with the bundled iTop sandbox (seeded demo data)."""
    try:
        from triage_demo.run import run_demo
    except ModuleNotFoundError as exc:  # the demo extra is not installed
        if (exc.name or "").split(".")[0] != "aiosmtpd":
            raise
        raise click.ClickException(MISSING_EXTRA) from exc

    app = current_app._get_current_object()
    if "web" not in app.blueprints:  # the commands' app serves nothing: the whole one
        from triage import create_app

        app = create_app(dict(app.config))
    with app.app_context():
        run_demo(app=app, host=host, port=port, tickets=tickets, scheduler=not no_scheduler)
