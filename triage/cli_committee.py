"""The committee's commands (``triage import-schools``, ``triage completeness``), apart from
``triage.cli``."""

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from triage.cli_help import HELP
from triage.config import get_settings
from triage.db import get_session
from triage.services.completeness_request import measure
from triage.services.schools import SchoolImportError, decode_csv, import_schools


@click.command("import-schools", help=HELP["import-schools"])
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_schools_command(file: Path) -> None:
    """Import the schools' deployment data (CSV: UAI, nom, vague, kit, budget[, commune]).

    All or nothing: one bad line and nothing is imported; a school already known is updated.
    """
    session = get_session()
    try:
        result = import_schools(session=session, text=decode_csv(file.read_bytes()))
    except SchoolImportError as exc:
        session.rollback()
        for error in exc.errors:
            click.echo(error, err=True)
        raise click.ClickException(
            f"fichier refusé, rien n'a été importé ({len(exc.errors)} erreur(s))"
        ) from exc
    click.echo(
        f"{result.created} établissement(s) créé(s), {result.updated} mis à jour, "
        f"{result.unchanged} inchangé(s)."
    )


@click.command("completeness", help=HELP["completeness"])
@click.option("--json", "as_json", is_flag=True, help="Du JSON au lieu du texte.")
@with_appcontext
def completeness_command(as_json: bool) -> None:
    """Measure the completeness request on the stored tickets (writes nothing)."""
    figures = measure(session=get_session(), settings=get_settings())
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False))
        return
    click.echo(
        f"{figures['incomplete']} demande(s) sur {figures['written_by_requesters']} écrites par "
        f"les demandeurs ({figures['tickets']} en tout) manquent d'au moins deux éléments ; "
        f"{figures['would_ask_now']} nouvelle(s) demande(s) recevrai(en)t la demande de "
        f"complément maintenant (sur {figures['new_now']} nouvelle(s))."
    )
    for label, count in figures["missing"].items():
        click.echo(f"  {label} : {count}")


COMMITTEE_COMMANDS = [import_schools_command, completeness_command]
