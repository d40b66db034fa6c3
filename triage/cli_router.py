"""The router's commands (``triage classify``, ``train``, ``evaluate``), apart from
``triage.cli``; scikit-learn is imported only when one of them runs."""

import json

import click
from flask.cli import with_appcontext

from triage.cli_help import HELP
from triage.config import get_settings
from triage.db import get_session


@click.command("classify", help=HELP["classify"], short_help="Classe des lignes JSON.")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@with_appcontext
def classify_command(file) -> None:
    """Classify JSON lines (FILE or standard input): one answer a line, same order."""
    from triage.services.routing import classify_lines

    for answer in classify_lines(settings=get_settings(), lines=file):
        click.echo(json.dumps(answer, ensure_ascii=False))


@click.command("train", help=HELP["train"])
@click.option(
    "--exclude",
    "exclude_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Laisser de côté les tickets de ce fichier JSON Lines (un jeu de test).",
)
@click.option("--quiet", is_flag=True, help="Sans barre de progression.")
@with_appcontext
def train_command(exclude_file: str | None, quiet: bool) -> None:
    """Retrain the router on the shipped corpus plus the agents' requalifications."""
    from triage.services.training import train

    card = train(
        session=get_session(),
        settings=get_settings(),
        progress=not quiet,
        exclude_file=exclude_file,
    )
    cv, data = card["cv"], card["data"]
    click.echo(
        f"Modèle {card['version']} ({card['kind']}) : {data['tickets']} tickets "
        f"(corpus {data['corpus']}, agents {data['agents']})."
    )
    click.echo(
        f"Validation croisée : {cv['routed_accuracy']:.1%} des tickets routés justes, "
        f"{cv['coverage']:.1%} routés, Brier {cv['brier']:.4f}, "
        f"seuils {card['thresholds']['threshold']} / "
        f"{card['thresholds']['override_threshold']}."
    )


@click.command("evaluate", help=HELP["evaluate"])
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Du JSON au lieu d'un tableau.")
@with_appcontext
def evaluate_command(file: str, as_json: bool) -> None:
    """Measure the router (and prefix-only routing) on labelled JSON lines."""
    from classifiers.report import format_report
    from triage.services.training import evaluate_file

    report = evaluate_file(settings=get_settings(), path=file)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"Modèle {report['model_version']} sur {report['file']}")
    if not report["held_out"]:
        click.echo(
            "Note : ce modèle n'a pas été entraîné avec `--exclude` sur ce fichier ; "
            "il a pu voir ces tickets."
        )
    click.echo(format_report(report["router"], report["prefix_only"]))


ROUTER_COMMANDS = [classify_command, train_command, evaluate_command]
