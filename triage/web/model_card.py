"""The model card as a person reads it: French labels, percentages, local time."""

from typing import Any

from triage.models import Team
from triage.web.filters import local_time, relative

KIND_LABELS = {
    "svm": "SVM linéaire calibré",
    "svm+stem": "SVM linéaire calibré (mots racinisés)",
    "logreg": "Régression logistique",
}


def _pct(value: Any, digits: int = 1) -> str | None:
    if not isinstance(value, int | float):
        return None
    return f"{value * 100:.{digits}f} %".replace(".", ",")


def _num(value: Any, digits: int = 3) -> str | None:
    if not isinstance(value, int | float):
        return None
    return f"{value:.{digits}f}".replace(".", ",")


def _tickets(data: dict) -> str | None:
    total = data.get("tickets")
    if total is None:
        return None
    parts = []
    if data.get("corpus") is not None:
        parts.append(f"{data['corpus']} du corpus")
    if data.get("agents") is not None:
        parts.append(f"{data['agents']} décisions d'agents")
    if data.get(Team.SI2C) is not None and data.get(Team.DRASI) is not None:
        parts.append(f"SI2C {data[Team.SI2C]} / DRASI {data[Team.DRASI]}")
    return f"{total}" + (f" ({', '.join(parts)})" if parts else "")


def _at_thresholds(cv: dict) -> str | None:
    coverage, accuracy = _pct(cv.get("coverage")), _pct(cv.get("routed_accuracy"))
    if coverage is None or accuracy is None:
        return None
    return f"{coverage} des tickets routés seuls, justes à {accuracy}"


def _thresholds(thresholds: dict) -> str | None:
    if not thresholds:
        return None
    parts = []
    if thresholds.get("threshold") is not None:
        parts.append(f"décider seul dès {_pct(thresholds['threshold'], 0)}")
    if thresholds.get("override_threshold") is not None:
        parts.append(f"contredire le préfixe dès {_pct(thresholds['override_threshold'], 0)}")
    if thresholds.get("target") is not None:
        parts.append(f"justesse visée {_pct(thresholds['target'], 0)}")
    return ", ".join(parts) or None


def card_facts(card: dict) -> list[tuple[str, str]]:
    """(label, value) pairs for the admin page; facts missing from the card are left out."""
    cv = card.get("cv") or {}
    data = card.get("data") or {}
    created = card.get("created_at")
    folds = f" ({cv['folds']} plis)" if cv.get("folds") else ""
    sha = card.get("model_sha256") or ""
    facts = [
        ("Entraîné le", f"{local_time(created)} ({relative(created)})" if created else None),
        ("Type de modèle", KIND_LABELS.get(card.get("kind"), card.get("kind"))),
        ("Tickets d'entraînement", _tickets(data)),
        ("Exactitude en validation croisée" + folds, _pct(cv.get("model_accuracy"))),
        ("Macro-F1", _pct(cv.get("macro_f1"))),
        ("Aux seuils", _at_thresholds(cv)),
        ("Préfixes erronés rattrapés", _pct((cv.get("wrong_prefix") or {}).get("caught"))),
        ("Score de Brier", _num(cv.get("brier"))),
        ("Seuils", _thresholds(card.get("thresholds") or {})),
        ("scikit-learn", (card.get("libraries") or {}).get("scikit-learn")),
        ("Version", card.get("version")),
        ("Empreinte SHA-256", f"{sha[:12]}…" if sha else None),
    ]
    return [(label, str(value)) for label, value in facts if value]
