"""The router at run time: prefix reader + text model + decision policy, in batches."""

from collections.abc import Iterable, Sequence

import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from classifiers.explain import FeatureNames, char_ngram_range, explain_both
from classifiers.features import StemTokenizer, stem
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
from classifiers.reasons import Explanation, sentence
from classifiers.text import text_after_prefix

CHUNK = 2000
Ticket = tuple[str, str]  # (title, description)
# What is read of a ticket: the start says where it goes; a 10 MB text would hold a worker.
MAX_TITLE_CHARS = 1_000
MAX_DESCRIPTION_CHARS = 50_000


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
        self._explaining: dict | None = None

    @property
    def version(self) -> str:
        """The model's version (from its card)."""
        return str(self.card.get("version", ""))

    def _matrix(self, texts: list[str]):
        """Feature rows of model texts (the texts are ours: no finiteness check needed)."""
        with sklearn.config_context(assume_finite=True):
            return self.pipeline.named_steps["features"].transform(texts)

    def _p_si2c(self, matrix) -> np.ndarray:
        """P(SI2C) of feature rows."""
        with sklearn.config_context(assume_finite=True):
            return self.pipeline.named_steps["clf"].predict_proba(matrix)[:, self._si2c]

    def proba_si2c(self, texts: Sequence[str]) -> np.ndarray:
        """P(SI2C) of model texts, computed in chunks."""
        parts = [
            self._p_si2c(self._matrix(list(texts[i : i + CHUNK])))
            for i in range(0, len(texts), CHUNK)
        ]
        return np.concatenate(parts) if parts else np.zeros(0)

    @staticmethod
    def _read(tickets: list[Ticket]) -> tuple[list[str | None], list[str]]:
        """The prefixes read and the model texts of (title, description) pairs."""
        readings = [read_prefix(title) for title, _ in tickets]
        texts = [text_after_prefix(r.rest, d) for r, (_, d) in zip(readings, tickets, strict=True)]
        return [r.team for r in readings], texts

    def decide_many(self, tickets: Iterable[Ticket]) -> list[tuple[str | None, Decision]]:
        """(prefix read, decision) for each (title, description)."""
        prefixes, texts = self._read(capped(tickets))
        probas = self.proba_si2c(texts)
        return [
            (prefix, self._decide(prefix, float(p)))
            for prefix, p in zip(prefixes, probas, strict=True)
        ]

    def decide_explained_many(
        self, tickets: Iterable[Ticket], *, k: int = 8
    ) -> list[tuple[str | None, Decision, Explanation]]:
        """(prefix read, decision, explanation) for each (title, description), in one pass:
        each text is read and vectorised once, for the prediction and its explanation."""
        tickets = capped(tickets)
        prefixes, texts = self._read(tickets)
        answers = []
        for start in range(0, len(tickets), CHUNK):
            matrix = self._matrix(texts[start : start + CHUNK]).tocsr()
            probas = self._p_si2c(matrix)
            ends = matrix.indptr
            for offset, p in enumerate(probas):
                i = start + offset
                decision = self._decide(prefixes[i], float(p))
                # the row's non-zero (columns, values), read off the CSR arrays directly
                row = slice(ends[offset], ends[offset + 1])
                terms = self._terms(tickets[i], (matrix.indices[row], matrix.data[row]), k)
                answers.append(
                    (prefixes[i], decision, self._explanation(prefixes[i], decision, terms))
                )
        return answers

    def _explanation(self, prefix: str | None, decision: Decision, terms: list) -> Explanation:
        facts = {
            "leaning": decision.suggestion or decision.team or "SI2C",
            "confidence": round(float(decision.confidence), 4),
            "threshold": self.threshold,
            "override_threshold": self.override_threshold,
            "terms": terms,
        }
        return Explanation(**facts, sentence=sentence(prefix=prefix, decision=decision, **facts))

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
        decided = self.decide_many(_pairs(items))
        return [
            output_line(item.get("id"), prefix, decision)
            for item, (prefix, decision) in zip(items, decided, strict=True)
        ]

    def _explaining_parts(self) -> dict:
        """Feature weights, names, char n-gram range and word reading (once per model)."""
        if self._explaining is None:
            features = self.pipeline.named_steps["features"]
            words = dict(features.transformer_list).get("word")
            stemmed = isinstance(getattr(words, "tokenizer", None), StemTokenizer)
            self._explaining = {
                "weights": linear_weights(self.pipeline),
                "names": FeatureNames.of(features.get_feature_names_out()),
                "char_range": char_ngram_range(self.pipeline),
                "word_key": stem if stemmed else None,
            }
        return self._explaining

    def _terms(self, ticket: Ticket, row, k: int) -> list[list]:
        title, description = ticket
        return explain_both(
            **self._explaining_parts(), title=title, description=description, row=row, k=k
        )

    def classify_explained(self, item: dict, *, k: int = 8) -> dict:
        """One ``triage classify`` line plus its explanation (the text read once):
        ``explanation`` ([term, weight] towards the team, or the model's leaning when left to
        a human), ``explanation_teams`` ([term, weight, team] both ways) and ``reason``."""
        [(prefix, decision, explained)] = self.decide_explained_many(_pairs([item]), k=k)
        line = output_line(item.get("id"), prefix, decision)
        line["explanation"] = explained.pairs(decision.team or explained.leaning)
        line["explanation_teams"] = explained.terms
        line["reason"] = explained.sentence
        line["threshold"] = self.threshold
        line["override_threshold"] = self.override_threshold
        return line


def _pairs(items: Iterable[dict]) -> list[Ticket]:
    return [(str(i.get("title") or ""), str(i.get("description") or "")) for i in items]


def capped(tickets: Iterable[Ticket]) -> list[Ticket]:
    """The tickets cut to what the router reads (MAX_TITLE_CHARS, MAX_DESCRIPTION_CHARS)."""
    return [(t[:MAX_TITLE_CHARS], d[:MAX_DESCRIPTION_CHARS]) for t, d in tickets]


def output_line(ticket_id, prefix: str | None, decision: Decision) -> dict:
    """One ``triage classify`` line (the interface's keys, plus the model's suggestion and
    ``needs_review``)."""
    return {
        "id": ticket_id,
        "team": decision.team,
        "confidence": round(min(max(decision.confidence, 0.0), 1.0), 4),
        "prefix": prefix,
        "requalify": decision.requalify,
        "source": decision.source,
        "suggestion": decision.suggestion,
        "needs_review": decision.needs_review,
    }
