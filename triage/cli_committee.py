"""The committee's commands (``triage import-schools``), apart from ``triage.cli``."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from triage.db import get_session
from triage.services.schools import SchoolImportError, decode_csv, import_schools


@click.command("import-schools")
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


COMMITTEE_COMMANDS = [import_schools_command]
