"""The router at run time: prefix reader + text model + decision policy, in batches."""

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from classifiers.explain import char_ngram_range, explain_terms
from classifiers.fastpath import linear_path
from classifiers.model import linear_weights
from classifiers.policy import (
    DEFAULT_OVERRIDE_THRESHOLD,
    DEFAULT_PREFIX_RELIABILITY,
    DEFAULT_THRESHOLD,
    MIN_OVERRIDE_THRESHOLD,
    MIN_THRESHOLD,
    Decision,
    decide_proba,
)
from classifiers.prefix import read_prefix
from classifiers.text import model_text, text_after_prefix

CHUNK = 2000
# Texts on which the fast prediction path must match scikit-learn (model texts: folded).
PROBES = [
    "",
    "bonjour",
    "connexion impossible page blanche erreur _num3_ sur arena, compte bloque",
    "le mandat est rejete par l'agent comptable : dbm de recettes, cloture de l'exercice",
    "habilitation adsi profil ordonnateur fm _num1_ bac a sable _uai_ _email_ _url_",
]


class Router:
    """A loaded model with its thresholds: classifies tickets and explains its choices."""

    def __init__(
        self,
        pipeline: Pipeline,
        card: dict,
        *,
        threshold: float | None = None,
        override_threshold: float | None = None,
    ) -> None:
        """Thresholds: the settings when given, else the card's (never below its floors)."""
        self.pipeline = pipeline
        self.card = card
        chosen = card.get("thresholds") or {}
        # the card's floors also hold for cards written before they existed; a setting wins
        floor = chosen.get("min_threshold", MIN_THRESHOLD)
        override_floor = chosen.get("min_override_threshold", MIN_OVERRIDE_THRESHOLD)
        self.threshold = (
            threshold
            if threshold is not None
            else max(chosen.get("threshold", DEFAULT_THRESHOLD), floor)
        )
        self.override_threshold = (
            override_threshold
            if override_threshold is not None
            else max(chosen.get("override_threshold", DEFAULT_OVERRIDE_THRESHOLD), override_floor)
        )
        self.prefix_reliability = chosen.get("prefix_reliability", DEFAULT_PREFIX_RELIABILITY)
        self._si2c = list(pipeline.classes_).index("SI2C")
        self._explaining: tuple | None = None
        # scikit-learn's own path stays when the fast one does not give the same numbers
        self._fast = linear_path(pipeline, PROBES)

    @property
    def version(self) -> str:
        """The model's version (from its card)."""
        return str(self.card.get("version", ""))

    def _matrix(self, texts: list[str]):
        """Feature rows of model texts."""
        if self._fast is not None:
            return self._fast.features(texts)
        return self.pipeline.named_steps["features"].transform(texts)

    def _p_si2c(self, matrix) -> np.ndarray:
        """P(SI2C) of feature rows."""
        if self._fast is None:
            return self.pipeline.named_steps["clf"].predict_proba(matrix)[:, self._si2c]
        p_second = self._fast.proba(matrix)
        return p_second if self._si2c == 1 else 1.0 - p_second

    def proba_si2c(self, texts: Sequence[str]) -> np.ndarray:
        """P(SI2C) of model texts, computed in chunks."""
        parts = [
            self._p_si2c(self._matrix(list(texts[i : i + CHUNK])))
            for i in range(0, len(texts), CHUNK)
        ]
        return np.concatenate(parts) if parts else np.zeros(0)

    def decide_many(self, tickets: Iterable[tuple[str, str]]) -> list[tuple[str | None, Decision]]:
        """(prefix read, decision) for each (title, description)."""
        tickets = list(tickets)
        readings = [read_prefix(title) for title, _ in tickets]
        prefixes = [reading.team for reading in readings]
        probas = self.proba_si2c(
            [text_after_prefix(r.rest, d) for r, (_, d) in zip(readings, tickets, strict=True)]
        )
        return [
            (prefix, self._decide(prefix, float(p)))
            for prefix, p in zip(prefixes, probas, strict=True)
        ]

    def _decide(self, prefix: str | None, p_si2c: float) -> Decision:
        return decide_proba(
            prefix=prefix,
            proba_si2c=p_si2c,
            threshold=self.threshold,
            override_threshold=self.override_threshold,
            prefix_reliability=self.prefix_reliability,
        )

    def classify_many(self, items: Sequence[dict]) -> list[dict]:
        """``triage classify`` output lines for input objects (id, title, description)."""
        decided = self.decide_many(
            (str(item.get("title") or ""), str(item.get("description") or "")) for item in items
        )
        return [
            output_line(item.get("id"), prefix, decision)
            for item, (prefix, decision) in zip(items, decided, strict=True)
        ]

    def _explained(self) -> tuple[np.ndarray, np.ndarray, tuple[int, int] | None]:
        """Feature weights, names and char n-gram range (computed once per model)."""
        if self._explaining is None:
            names = self.pipeline.named_steps["features"].get_feature_names_out()
            self._explaining = (
                linear_weights(self.pipeline),
                names,
                char_ngram_range(self.pipeline),
            )
        return self._explaining

    def explain(self, title: str, description: str, team: str, *, k: int = 8) -> list[list]:
        """The ticket's words and phrases that weighed most towards ``team``, heaviest first."""
        row = self._matrix([model_text(title, description)])
        return self._explain_row(title, description, row, team, k)

    def _explain_row(self, title: str, description: str, row, team: str, k: int) -> list[list]:
        weights, names, char_range = self._explained()
        return explain_terms(
            weights=weights,
            names=names,
            char_range=char_range,
            title=title,
            description=description,
            row=row,
            team=team,
            k=k,
        )

    def classify_explained(self, item: dict, *, k: int = 8) -> dict:
        """One ``triage classify`` line plus its ``explanation`` (the text read once)."""
        title, description = str(item.get("title") or ""), str(item.get("description") or "")
        reading = read_prefix(title)
        row = self._matrix([text_after_prefix(reading.rest, description)])
        p = float(self._p_si2c(row)[0])
        decision = self._decide(reading.team, p)
        line = output_line(item.get("id"), reading.team, decision)
        # left to a human: still say what the model leaned on
        team = decision.team or ("SI2C" if p >= 0.5 else "DRASI")
        line["explanation"] = self._explain_row(title, description, row, team, k)
        return line


def output_line(ticket_id, prefix: str | None, decision: Decision) -> dict:
    """One ``triage classify`` line (the interface's exact keys)."""
    return {
        "id": ticket_id,
        "team": decision.team,
        "confidence": round(min(max(decision.confidence, 0.0), 1.0), 4),
        "prefix": prefix,
        "requalify": decision.requalify,
        "source": decision.source,
    }
