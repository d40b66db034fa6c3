"""The router at run time: prefix reader + text model + decision policy, in batches."""

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.pipeline import Pipeline

from classifiers.explain import explain_terms
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
        self._weights: np.ndarray | None = None

    @property
    def version(self) -> str:
        """The model's version (from its card)."""
        return str(self.card.get("version", ""))

    def proba_si2c(self, texts: Sequence[str]) -> np.ndarray:
        """P(SI2C) of model texts, computed in chunks."""
        parts = [
            self.pipeline.predict_proba(list(texts[i : i + CHUNK]))[:, self._si2c]
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
            (
                prefix,
                decide_proba(
                    prefix=prefix,
                    proba_si2c=float(p),
                    threshold=self.threshold,
                    override_threshold=self.override_threshold,
                    prefix_reliability=self.prefix_reliability,
                ),
            )
            for prefix, p in zip(prefixes, probas, strict=True)
        ]

    def classify_many(self, items: Sequence[dict]) -> list[dict]:
        """``triage classify`` output lines for input objects (id, title, description)."""
        decided = self.decide_many(
            (str(item.get("title") or ""), str(item.get("description") or "")) for item in items
        )
        return [
            output_line(item.get("id"), prefix, decision)
            for item, (prefix, decision) in zip(items, decided, strict=True)
        ]

    def explain(self, title: str, description: str, team: str, *, k: int = 8) -> list[list]:
        """The ticket's words and phrases that weighed most towards ``team``, heaviest first."""
        if self._weights is None:
            self._weights = linear_weights(self.pipeline)
        return explain_terms(
            self.pipeline,
            self._weights,
            title,
            description,
            model_text(title, description),
            team,
            k=k,
        )


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
