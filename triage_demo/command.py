"""The ``triage demo`` command, registered under the ``triage.commands`` entry point group."""

import click
from flask import current_app
from flask.cli import with_appcontext

MISSING_EXTRA = (
    "`triage demo` needs aiosmtpd for its local mail server, which is not installed: "
    "pip install 'triage[demo]' (from a checkout: pip install -e '.[demo]'; `make run` does it)"
)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the web app.")
@click.option(
    "--tickets",
    default=300,
    show_default=True,
    type=int,
    help="How many demo tickets the iTop sandbox holds.",
)
@click.option("--no-scheduler", is_flag=True, help="Do not start `triage scheduler`.")
@with_appcontext
def demo_command(host: str, port: int, tickets: int, no_scheduler: bool) -> None:
    """The whole service on SQLite with the bundled iTop sandbox (seeded demo data)."""
    try:
        from triage_demo.run import run_demo
    except ModuleNotFoundError as exc:  # the demo extra is not installed
        if (exc.name or "").split(".")[0] != "aiosmtpd":
            raise
        raise click.ClickException(MISSING_EXTRA) from exc

    run_demo(
        app=current_app._get_current_object(),
        host=host,
        port=port,
        tickets=tickets,
        scheduler=not no_scheduler,
    )
