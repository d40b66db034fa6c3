"""The ``triage`` console script (and ``python -m triage``): the group running the commands.

It builds the commands' app (``create_command_app``: no pages, no API) for each command,
and adds to the commands of ``triage.cli`` those that installed packages register under the
``triage.commands`` entry point group (``triage demo``, from the ``triage_demo`` package).
"""

import logging
import sys
from importlib.metadata import entry_points

import click
from flask.cli import ScriptInfo

from triage import create_command_app
from triage.cli import COMMANDS, TriageGroup, configure_logging

log = logging.getLogger(__name__)
PLUGIN_GROUP = "triage.commands"


@click.group(
    cls=TriageGroup,
    help="triage : le tri des demandes d'assistance Op@le (iTop).",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """triage: support-ticket triage for the Op@le assistance desk."""
    configure_logging()  # this process's logging: the app factory sets up none
    # with_appcontext builds the commands' app (settings from TRIAGE_* variables, no pages)
    ctx.obj = ScriptInfo(create_app=create_command_app, set_debug_flag=False)


def plugin_commands() -> list[click.Command]:
    """The commands registered under the ``triage.commands`` entry points, in name order."""
    commands = []
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            command = entry.load()
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not stop every command
            log.warning("command %s (%s) not loaded: %s", entry.name, entry.value, exc)
            continue
        commands.append(command)
    return commands


for _command in [*COMMANDS, *plugin_commands()]:
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
