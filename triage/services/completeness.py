"""Is a request complete? The seed asks users for eight pieces of information.

French heuristics on the title and description: a hint that the item is there, not proof.
"""

import re
from dataclasses import dataclass

from triage.models import Ticket


@dataclass(frozen=True)
class Item:
    """One thing the seed asks for, and whether the request seems to give it."""

    key: str
    label: str
    present: bool


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


# Words that, when present, suggest the user gave that piece of information.
CHECKS: tuple[tuple[str, str, re.Pattern], ...] = (
    (
        "person",
        "Nom et prénom de l'utilisateur",
        # not case-insensitive as a whole: a name is "Marie DURAND", not any two words
        re.compile(
            r"(?i:\b(?:je suis|nom\s*:|pr[ée]nom|madame|monsieur|mme|mlle)\b)"
            r"|\bM\.\s*[A-ZÉ]|\b[A-ZÉ][a-zéèï]+\s+[A-ZÉ]{2,}\b"
        ),
    ),
    (
        "role",
        "Fonction",
        _rx(
            r"\b(fonction|gestionnaire|ordonnateur|agent comptable|comptable|adjoint|secr[ée]taire"
            r"|intendant|principal|proviseur|chef d'[ée]tablissement|fond[ée]e? de pouvoir"
            r"|directeur|directrice|\bSG\b|\bAC\b)"
        ),
    ),
    (
        "establishment",
        "Établissement concerné",
        _rx(
            r"\b(coll[èe]ge|lyc[ée]e|[ée]tablissement|EPLE|LP|LEGT|EREA|CFA|GRETA|RNE|UAI"
            r"|\d{7}[A-Z])\b"
        ),
    ),
    (
        "environment",
        "Environnement (production ou bac à sable)",
        _rx(r"\b(production|prod|bac [àa] sable|recette|qualif)\b"),
    ),
    (
        "sphere",
        "Sphère (ordonnateur ou comptable)",
        _rx(r"\b(sph[èe]re|ordonnateur|comptable|c[ôo]t[ée] (ordo|compta))"),
    ),
    (
        "steps",
        "Détail des opérations effectuées",
        _rx(
            r"\b(j'ai|nous avons|apr[èe]s avoir|[ée]tapes?|lorsque|quand je|en cliquant|clique"
            r"|menu|onglet|saisi|valid[ée]|tent[ée])"
        ),
    ),
    (
        "screenshot",
        "Captures d'écran",
        _rx(r"(<img\b|capture|copie d'[ée]cran|screenshot|pi[èe]ce jointe|\.png\b|\.jpe?g\b)"),
    ),
    (
        "error",
        "Messages d'erreur",
        _rx(r"\b(erreur|error|message|bloqu[ée]|impossible|exception|code \d+|[ée]chec)"),
    ),
)


def completeness(ticket: Ticket) -> list[Item]:
    """Each item the seed asks for, present or missing, in the seed's order."""
    text = " ".join((ticket.title or "", ticket.description or "", ticket.description_html or ""))
    organization = bool((ticket.organization or "").strip())
    caller = bool((ticket.caller or "").strip())
    items = []
    for key, label, pattern in CHECKS:
        present = bool(pattern.search(text))
        # iTop's own fields count: the caller and the organization are known even if unsaid
        if key == "person" and caller:
            present = True
        if key == "establishment" and organization:
            present = True
        items.append(Item(key=key, label=label, present=present))
    return items


def missing(ticket: Ticket) -> list[str]:
    """The labels of what the request seems to lack."""
    return [item.label for item in completeness(ticket) if not item.present]
