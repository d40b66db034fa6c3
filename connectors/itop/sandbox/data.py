"""Realistic Op@le tickets for the sandbox: the one generator of tests, benchmarks and the demo.

``synthetic_tickets`` writes ticket specs for ``SandboxStore.bulk_load``: texts (a small
built-in list, or the caller's: the demo passes the labelled corpus), a few vague requests,
prefixes right (60 %), wrong (10 %) or missing (30 %) in the users' varied spellings,
establishments with their UAI, callers, HTML descriptions, and an iTop life cycle that
follows the age: most tickets of the last three weeks still ``new`` with no team, older ones
dispatched (team, agent, status) as agents did, a few moved to the national level.
"""

import datetime as dt
import html
import random
import re
from collections.abc import Sequence
from typing import Any

# a text: (team that should handle it, title without prefix, plain-text description)
Text = tuple[str, str, str]

# the iTop names of the three queues, as in the recorded instance (and triage's defaults)
TEAM_NAMES = {"SI2C": "SI2C", "DRASI": "DRASI", "NATIONAL": "Niveau national"}
AGENTS = {
    "SI2C": ["Paul Lefebvre", "Julie Roussel"],
    "DRASI": ["Claire Moreau", "Thomas Girard"],
    "NATIONAL": ["Nicolas Petit"],
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
TEXTS: list[Text] = [
    (
        "SI2C",
        "Budget initial 2025 non équilibré à l'intégration",
        "Lors de l'intégration du budget initial 2025 dans Op@le, le message « Le budget n'est "
        "pas équilibré » s'affiche alors que nos totaux recettes et dépenses sont identiques.",
    ),
    (
        "SI2C",
        "Écart de solde sur le compte 515 après rapprochement",
        "Le solde du compte 515 dans Op@le diffère de 12,40 € du relevé du Trésor au 31/10.",
    ),
    (
        "SI2C",
        "Mandat rejeté par l'agent comptable sans motif visible",
        "Un mandat de 1 250 € a été rejeté mais aucun motif n'apparaît dans l'écran de suivi.",
    ),
    (
        "SI2C",
        "Question sur la clôture de l'exercice pour un groupement comptable",
        "Quelle est la procédure de clôture de l'exercice pour un groupement comptable ?",
    ),
    (
        "SI2C",
        "DBM n°3 bloquée à l'état brouillon",
        "La décision budgétaire modificative n°3 reste à l'état brouillon, le bouton Valider est "
        "grisé.",
    ),
    (
        "DRASI",
        "Connexion impossible à Op@le depuis ce matin",
        "Depuis ce matin je n'arrive plus à me connecter : la page tourne indéfiniment après le "
        "portail ARENA.",
    ),
    (
        "DRASI",
        "Compte bloqué après changement de mot de passe",
        "Après le changement de mot de passe demandé, mon compte est bloqué (trop de tentatives).",
    ),
    (
        "DRASI",
        "Habilitation manquante pour la nouvelle adjointe gestionnaire",
        "Notre nouvelle adjointe gestionnaire n'a pas accès au module Dépenses.",
    ),
    (
        "DRASI",
        "Erreur 500 à l'ouverture de l'écran des mandats",
        "Une page « Erreur technique 500 » s'affiche quand j'ouvre l'écran des mandats.",
    ),
    (
        "DRASI",
        "Lenteurs importantes sur le portail Op@le",
        "Chaque écran met plus d'une minute à s'afficher depuis lundi, sous Firefox comme Edge.",
    ),
]
# vague requests that name neither a business nor a technical matter: a router should
# leave them to a human
VAGUE: list[Text] = [
    (
        "SI2C",
        "Problème Op@le",
        "Bonjour, nous avons un problème avec Op@le, pouvez-vous nous rappeler ?",
    ),
    ("DRASI", "Demande urgente", "Merci de me contacter au plus vite au sujet d'Op@le."),
    ("SI2C", "Question", "J'ai une question sur l'application, qui dois-je contacter ?"),
    ("DRASI", "Ça ne marche pas", "Depuis hier ça ne fonctionne plus, je ne peux pas travailler."),
    (
        "SI2C",
        "Suite à notre échange téléphonique",
        "Comme convenu au téléphone, je vous envoie ma demande. Merci d'avance.",
    ),
]
RECENT_DAYS = 21  # tickets younger than this mostly wait in iTop with no team: a router's work
VAGUE_SHARE = 0.04


def to_html(text: str) -> str:
    """Plain text as iTop's editor stores it: paragraphs and <br>."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def _title(rng: random.Random, team: str, title: str) -> str:
    """Prefix right (60 %), wrong (10 %) or missing (30 %), in the users' varied spellings."""
    roll = rng.random()
    if roll < 0.3:
        return title
    written = team if roll < 0.9 else ("DRASI" if team == "SI2C" else "SI2C")
    style = rng.choice(["{p} - {t}", "{p} - {t}", "[{p}] {t}", "{l} : {t}", "{p}-{t}"])
    return style.format(p=written, l=written.lower(), t=title)


def _status_and_team(rng: random.Random, age_days: float, team: str) -> tuple[str, str | None]:
    """The iTop status and queue of a ticket of that age (None: no team set in iTop yet)."""
    open_chance = 0.85 if age_days < 10 else 0.3 if age_days < 30 else 0.12
    if age_days < RECENT_DAYS and rng.random() < 0.8:
        return "new", None  # arrived lately, nobody dispatched it in iTop
    if rng.random() >= open_chance:
        return rng.choice(["resolved", "closed", "closed"]), team
    status = rng.choice(["assigned", "assigned", "pending"])
    return status, "NATIONAL" if age_days > 15 and rng.random() < 0.2 else team


def ticket_spec(
    rng: random.Random,
    text: Text,
    *,
    start: dt.datetime,
    now: dt.datetime,
    service: str = "Op@le",
) -> dict[str, Any]:
    """One ticket spec from a text, created at ``start``, last changed between then and now."""
    team, title, body = text
    age = (now - start).total_seconds() / 86400
    status, queue = _status_and_team(rng, age, team)
    caller = rng.choice(CALLERS)
    update = start + (now - start) * rng.uniform(0.1, 1.0)
    return {
        "title": _title(rng, team, title),
        "description": to_html(body + f"\n\nCordialement,\n{caller}"),
        "status": status,
        "team": TEAM_NAMES[queue] if queue else None,
        "agent": rng.choice(AGENTS[queue]) if queue and status != "new" else None,
        "caller": caller,
        "org": rng.choice(ESTABLISHMENTS),
        "service": service,
        "subcategory": "Connexion / habilitations"
        if team == "DRASI"
        else rng.choice(["Budget", "Comptabilite"]),
        "urgency": rng.choice("2334"),
        "origin": rng.choice(["mail", "phone", "portal", "portal"]),
        "start_date": start,
        "last_update": update,
        "resolution_date": update if status in ("resolved", "closed") else None,
        "close_date": update if status == "closed" else None,
    }


def synthetic_tickets(
    count: int,
    *,
    now: dt.datetime,
    seed: int = 0,
    days: int = 90,
    service: str = "Op@le",
    texts: Sequence[Text] | None = None,
    changed_now: bool = True,
) -> list[dict[str, Any]]:
    """``count`` ticket specs for ``SandboxStore.bulk_load``, created over the last ``days``.

    ``texts`` (default: the built-in ``TEXTS``) are used once each in a shuffled order, then
    drawn at random. With ``changed_now`` each ticket was last changed at ``now`` (as
    tickets just loaded into iTop are), so that an incremental poll sees them; otherwise at
    a random time since its creation, as on a real desk. Start, resolution and close dates
    are always in the past.
    """
    rng = random.Random(seed)
    pool = list(texts or TEXTS)
    rng.shuffle(pool)
    specs = []
    for n in range(count):
        text = pool[n] if n < len(pool) else rng.choice(pool)
        if rng.random() < VAGUE_SHARE:
            text = rng.choice(VAGUE)
        start = now - dt.timedelta(days=rng.uniform(0.05, days))
        spec = ticket_spec(rng, text, start=start, now=now, service=service)
        if changed_now:
            spec["last_update"] = now
        specs.append(spec)
    return specs
