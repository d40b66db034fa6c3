"""French words for what the services store in English: iTop statuses, who decided, the
outcomes of the scheduler's jobs, the outbox's states, the listing's parameter errors."""

import re
from collections.abc import Mapping
from typing import Any

from triage.words import (  # noqa: F401 (the pages' words too)
    ACTOR_LABELS,
    ORIGIN_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
)

# how a decision was made, in the ticket's history (the queue uses the short source_label)
DECISION_LABELS = {
    "prefix": "Préfixe du titre",
    "model": "Modèle",
    "prefix+model": "Préfixe et modèle",
    "agent": "Requalification par un agent",
    "itop": "Équipe changée dans iTop",
    "escalation": "Escalade (âge du ticket)",
}
OUTBOX_LABELS = {
    "pending": "en attente",
    "sending": "en cours d'envoi",
    "sent": "envoyé",
    "done": "écrit dans iTop",
    "failed": "en échec",
    "refused": "refusé (à relancer)",
    "uncertain": "incertain (envoyé sans accusé de réception)",
    "superseded": "dépassé (changé dans iTop entre-temps)",
}
# a job's stored outcome is "key=value, key=value" (triage.services.jobs): per job, in words
OUTCOME_WORDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "poll": (
        ("fetched", "ticket lu", "tickets lus"),
        ("created", "créé", "créés"),
        ("updated", "mis à jour", "mis à jour"),
        ("left", "sorti du service", "sortis du service"),
    ),
    "age_check": (
        ("candidates", "ticket candidat", "tickets candidats"),
        ("national", "escalade", "escalades"),
        ("warning", "avertissement", "avertissements"),
    ),
    "outbox": (
        ("claimed", "courriel à envoyer", "courriels à envoyer"),
        ("sent", "envoyé", "envoyés"),
        ("failed", "en échec", "en échec"),
    ),
    "itop_writeback": (
        ("sent", "écriture faite", "écritures faites"),
        ("failed", "reportée", "reportées"),
        ("refused", "refusée", "refusées"),
        ("superseded", "dépassée par iTop", "dépassées par iTop"),
        ("pending", "en attente", "en attente"),
    ),
    "snapshot": (("open", "ticket ouvert", "tickets ouverts"),),
}
OUTCOME_TEXTS = {
    "ok": "terminé",
    "write-back désactivé": "écriture dans iTop désactivée",
    "aucune demande": "aucune demande",
}
KIND_WORDS = {"svm": "SVM linéaire calibré", "logreg": "régression logistique"}
PAIR = re.compile(r"^\s*([a-z_]+)=(.*?)\s*$")


def status_label(status: str | None) -> str:
    """An iTop status in French ("assigned" -> "Affecté"); an unknown one as it is."""
    return STATUS_LABELS.get(status or "", status or "—")


def itop_scale_label(value: str | None) -> str:
    """An iTop priority or urgency in French ("2" -> "haute"); none: "—"."""
    return PRIORITY_LABELS.get(value or "", value or "—")


def origin_label(origin: str | None) -> str:
    """How the request reached iTop, in French ("phone" -> "téléphone"); none: "—"."""
    return ORIGIN_LABELS.get(origin or "", origin or "—")


def actor_label(actor: str | None) -> str:
    """Who decided: a login as it is, triage's own parts in French ("router" -> "Routeur")."""
    return ACTOR_LABELS.get(actor or "", actor or "—")


def decision_label(source: str | None) -> str:
    """How a decision in the history was made, in a few French words."""
    return DECISION_LABELS.get(source or "", source or "—")


def outbox_label(status: str | None) -> str:
    """An outbox message's state in French ("sent" -> "envoyé")."""
    return OUTBOX_LABELS.get(status or "", status or "—")


def plural(count: int, singular: str, several: str) -> str:
    """ "0 escalade", "1 escalade", "2 escalades": French counts 0 and 1 as singular."""
    return f"{count} {singular if abs(count) < 2 else several}"


def _pairs(text: str) -> dict[str, str] | None:
    """Pairs "a=1, b=2" as a dict, or None when the text is not made of such pairs."""
    pairs = {}
    for part in text.split(", "):
        match = PAIR.match(part)
        if match is None:
            return None
        pairs[match.group(1)] = match.group(2)
    return pairs


def _counts(job_id: str, pairs: Mapping[str, str]) -> list[str]:
    words = []
    for key, singular, several in OUTCOME_WORDS.get(job_id, ()):
        value = pairs.get(key)
        if value is not None and value.lstrip("-").isdigit():
            words.append(plural(int(value), singular, several))
    return words


def job_outcome(text: str | None, job_id: str = "") -> str:
    """A job's last outcome in words: "candidates=3, national=0" -> "3 tickets candidats,
    0 escalade"; a text that is not key=value pairs is shown as it is (already French)."""
    text = (text or "").strip()
    if text in OUTCOME_TEXTS:
        return OUTCOME_TEXTS[text]
    pairs = _pairs(text) if text else None
    if not pairs:
        return text
    if job_id == "outbox" and pairs.get("claimed") == "0":
        return "aucun courriel à envoyer"
    words = _counts(job_id, pairs)
    if job_id == "snapshot" and re.fullmatch(r"\d{4}-\d\d-\d\d", pairs.get("day", "")):
        day = pairs["day"]
        words.insert(0, f"photo du {day[8:10]}/{day[5:7]}/{day[:4]}")
    if job_id == "retrain" and pairs.get("model"):
        kind = KIND_WORDS.get(pairs.get("kind", ""), pairs.get("kind", ""))
        words.append(f"modèle {pairs['model']}" + (f" ({kind})" if kind else ""))
    return ", ".join(words) if words else text.replace("=", " : ")


QUERY_PARAMETERS = {
    "page": "Le numéro de page",
    "per_page": "Le nombre de tickets par page",
    "overdue": "Le filtre « en retard »",
    "needs_review": "Le filtre « à vérifier »",
}
QUERY_ERRORS = (
    (re.compile(r"^team must be one of"), "File inconnue : choisissez un des onglets."),
    (re.compile(r"^state must be one of"), "État inconnu : ouverts, fermés ou tous."),
    (re.compile(r"^sort must be one of"), "Tri inconnu : les plus anciens ou les plus récents."),
    (re.compile(r"^(\w+) must be an integer$"), "{name} doit être un nombre entier."),
    (re.compile(r"^(\w+) must be between (\d+) and (\d+)$"), "{name} doit être entre {} et {}."),
    (re.compile(r"^(\w+) must be true or false$"), "{name} doit valoir true ou false."),
)


def query_error(message: Any) -> str:
    """A listing parameter error (English, as the JSON API gives it) for a French page."""
    text = str(message)
    for pattern, french in QUERY_ERRORS:
        match = pattern.match(text)
        if match:
            groups = match.groups()
            name = QUERY_PARAMETERS.get(groups[0], f"Le paramètre {groups[0]}") if groups else ""
            return french.format(*groups[1:], name=name)
    return "Paramètre de recherche invalide."
