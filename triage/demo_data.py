"""Demo data for the iTop sandbox: realistic Op@le tickets over the last three months."""

import datetime as dt
import html
import json
import random
import re
from pathlib import Path
from typing import Any

from triage.config import DEFAULTS
from triage.models import ROUTABLE_TEAMS, TEAMS, Team

CORPUS_DIR = Path(__file__).resolve().parent.parent / "classifiers" / "data"
# the sandbox's iTop teams are named as the settings' defaults expect
TEAM_NAMES = {team: DEFAULTS[f"TEAM_{team}"] for team in TEAMS}
AGENTS = {
    Team.SI2C: ["Paul Lefebvre", "Julie Roussel"],
    Team.DRASI: ["Claire Moreau", "Thomas Girard"],
    Team.NATIONAL: ["Nicolas Petit"],
}
ESTABLISHMENTS = [
    "Collège Jules Verne, Amiens (0801745T)",
    "Lycée Louis Thuillier, Amiens (0800007X)",
    "Collège Henri Matisse, Bohain-en-Vermandois (0020009P)",
    "Lycée Madeleine Michelis, Amiens (0800009Z)",
    "Collège Amiral Lejeune, Amiens (0800020L)",
    "Lycée Pierre Méchain, Laon (0020032P)",
    "Collège Gérard Philipe, Soissons (0021476A)",
    "Lycée Félix Faure, Beauvais (0600001A)",
    "Collège Jean de La Fontaine, Crépy-en-Valois (0600012M)",
    "Lycée Jean Racine, Montdidier (0800046P)",
]
CALLERS = [
    "Marie Dupont",
    "Jean Martin",
    "Sophie Bernard",
    "Luc Fontaine",
    "Corinne Dufresne",
    "Karim Benali",
    "Isabelle Lemoine",
    "Olivier Garnier",
    "Nathalie Caron",
    "Hélène Vasseur",
    "Mehdi Haddad",
    "Sylvie Lecomte",
    "François Delattre",
]
FALLBACK = [
    (
        Team.SI2C,
        "Budget initial 2025 non équilibré à l'intégration",
        "Lors de l'intégration du budget initial 2025 dans Op@le, le message « Le budget n'est "
        "pas équilibré » s'affiche alors que nos totaux recettes et dépenses sont identiques.",
    ),
    (
        Team.SI2C,
        "Écart de solde sur le compte 515 après rapprochement",
        "Le solde du compte 515 dans Op@le diffère de 12,40 € du relevé du Trésor au 31/10.",
    ),
    (
        Team.SI2C,
        "Mandat rejeté par l'agent comptable sans motif visible",
        "Un mandat de 1 250 € a été rejeté mais aucun motif n'apparaît dans l'écran de suivi.",
    ),
    (
        Team.SI2C,
        "Question sur la clôture de l'exercice pour un groupement comptable",
        "Quelle est la procédure de clôture de l'exercice pour un groupement comptable ?",
    ),
    (
        Team.SI2C,
        "DBM n°3 bloquée à l'état brouillon",
        "La décision budgétaire modificative n°3 reste à l'état brouillon, le bouton Valider est "
        "grisé.",
    ),
    (
        Team.DRASI,
        "Connexion impossible à Op@le depuis ce matin",
        "Depuis ce matin je n'arrive plus à me connecter : la page tourne indéfiniment après le "
        "portail ARENA.",
    ),
    (
        Team.DRASI,
        "Compte bloqué après changement de mot de passe",
        "Après le changement de mot de passe demandé, mon compte est bloqué (trop de tentatives).",
    ),
    (
        Team.DRASI,
        "Habilitation manquante pour la nouvelle adjointe gestionnaire",
        "Notre nouvelle adjointe gestionnaire n'a pas accès au module Dépenses.",
    ),
    (
        Team.DRASI,
        "Erreur 500 à l'ouverture de l'écran des mandats",
        "Une page « Erreur technique 500 » s'affiche quand j'ouvre l'écran des mandats.",
    ),
    (
        Team.DRASI,
        "Lenteurs importantes sur le portail Op@le",
        "Chaque écran met plus d'une minute à s'afficher depuis lundi, sous Firefox comme Edge.",
    ),
]
# vague requests that name neither a business nor a technical matter: the router should
# leave them to a human ("À trier")
VAGUE = [
    (
        Team.SI2C,
        "Problème Op@le",
        "Bonjour, nous avons un problème avec Op@le, pouvez-vous nous rappeler ?",
    ),
    (Team.DRASI, "Demande urgente", "Merci de me contacter au plus vite au sujet d'Op@le."),
    (Team.SI2C, "Question", "J'ai une question sur l'application, qui dois-je contacter ?"),
    (
        Team.DRASI,
        "Ça ne marche pas",
        "Depuis hier ça ne fonctionne plus, je ne peux pas travailler.",
    ),
    (
        Team.SI2C,
        "Suite à notre échange téléphonique",
        "Comme convenu au téléphone, je vous envoie ma demande. Merci d'avance.",
    ),
]
_PREFIX = re.compile(r"^\s*[\[(]?\s*(si2c|drasi)\s*[\])]?\s*[-:–]*\s*", re.IGNORECASE)


def load_corpus() -> list[tuple[str, str, str]]:
    """(team, title without prefix, description) from the labelled corpus, else a fallback."""
    records = []
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if item.get("team") in ROUTABLE_TEAMS and item.get("title"):
                title = _PREFIX.sub("", item["title"]).strip() or item["title"]
                records.append((item["team"], title, item.get("description") or ""))
    return records if len(records) >= 20 else list(FALLBACK)


def to_html(text: str) -> str:
    """Plain text as iTop's editor stores it: paragraphs and <br>."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def _title(rng: random.Random, team: str, title: str) -> str:
    """Prefix right (60 %), wrong (10 %) or missing (30 %), in the users' varied spellings."""
    roll = rng.random()
    if roll < 0.3:
        return title
    written = team if roll < 0.9 else (Team.DRASI if team == Team.SI2C else Team.SI2C)
    style = rng.choice(["{p} - {t}", "{p} - {t}", "[{p}] {t}", "{l} : {t}", "{p}-{t}"])
    return style.format(p=written, l=written.lower(), t=title)


RECENT_DAYS = 21  # tickets younger than this mostly wait in iTop with no team: the router's work


def _status_and_team(rng: random.Random, age_days: float, team: str) -> tuple[str, str | None]:
    """The iTop status and queue of a ticket of that age (None: no team set in iTop yet)."""
    open_chance = 0.85 if age_days < 10 else 0.3 if age_days < 30 else 0.12
    if age_days < RECENT_DAYS and rng.random() < 0.8:
        return "new", None  # arrived lately, nobody dispatched it in iTop
    if rng.random() >= open_chance:
        return rng.choice(["resolved", "closed", "closed"]), team
    status = rng.choice(["assigned", "assigned", "pending"])
    return status, Team.NATIONAL if age_days > 15 and rng.random() < 0.2 else team


def ticket_spec(
    rng: random.Random, record: tuple[str, str, str], *, start: dt.datetime, now: dt.datetime
) -> dict[str, Any]:
    """One sandbox ticket spec from a corpus record, created at ``start``."""
    team, title, text = record
    age = (now - start).total_seconds() / 86400
    status, queue = _status_and_team(rng, age, team)
    caller = rng.choice(CALLERS)
    update = start + (now - start) * rng.uniform(0.1, 1.0)
    return {
        "title": _title(rng, team, title),
        "description": to_html(text + f"\n\nCordialement,\n{caller}"),
        "status": status,
        "team": TEAM_NAMES[queue] if queue else None,
        "agent": rng.choice(AGENTS[queue]) if queue and status != "new" else None,
        "caller": caller,
        "org": rng.choice(ESTABLISHMENTS),
        "subcategory": "Connexion / habilitations"
        if team == Team.DRASI
        else rng.choice(["Budget", "Comptabilite"]),
        "urgency": rng.choice("2334"),
        "origin": rng.choice(["mail", "phone", "portal", "portal"]),
        "start_date": start,
        "last_update": update,
        "resolution_date": update if status in ("resolved", "closed") else None,
        "close_date": update if status == "closed" else None,
    }


def demo_tickets(count: int, *, now: dt.datetime, seed: int = 2026) -> list[dict[str, Any]]:
    """Ticket specs for ``SandboxStore.bulk_load`` over 90 days: older ones dispatched in iTop
    (team, agent, status) as agents did, most of the last three weeks still ``new`` with no team.
    """
    rng = random.Random(seed)
    corpus = load_corpus()
    rng.shuffle(corpus)
    specs = []
    for n in range(count):
        record = corpus[n % len(corpus)] if n < len(corpus) else rng.choice(corpus)
        if rng.random() < 0.04:
            record = rng.choice(VAGUE)
        start = now - dt.timedelta(days=rng.uniform(0.05, 90))
        specs.append(ticket_spec(rng, record, start=start, now=now))
    return specs
