"""Training: cross-validated comparison of the model kinds, thresholds, then the final fit."""

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from classifiers import evaluate
from classifiers.corpus import corpus_hash, fold_of
from classifiers.model import KINDS, build_pipeline
from classifiers.policy import MIN_OVERRIDE_THRESHOLD, MIN_THRESHOLD, decide_proba
from classifiers.prefix import read_prefix
from classifiers.router import output_line
from classifiers.text import model_text

log = logging.getLogger(__name__)

DEFAULT_TARGET = 0.97  # routed accuracy aimed at in cross-validation (the issue asks 0.95)
Step = Callable[[str], None]


def _fit(kind: str, texts: list[str], labels: np.ndarray, weights: np.ndarray) -> Pipeline:
    pipeline = build_pipeline(kind)
    pipeline.fit(texts, labels, clf__sample_weight=weights)
    return pipeline


def cross_val_proba(
    kind: str,
    texts: list[str],
    labels: np.ndarray,
    weights: np.ndarray,
    folds: np.ndarray,
    on_step: Step | None = None,
    shared: Any = None,
) -> np.ndarray:
    """Out-of-fold P(SI2C) of every ticket, folds by group.

    ``shared``: the feature matrix of all texts, when the quick mode reuses one vocabulary
    for every fold (unsupervised, so only slightly optimistic) instead of refitting it.
    """
    out = np.full(len(texts), 0.5)
    for fold in np.unique(folds):
        test, train = folds == fold, folds != fold
        if len(set(labels[train])) < 2:
            out[test] = float(np.mean(labels[train] == "SI2C"))
        elif shared is not None:
            clf = build_pipeline(kind).named_steps["clf"]
            clf.fit(shared[train], labels[train], sample_weight=weights[train])
            out[test] = clf.predict_proba(shared[test])[:, list(clf.classes_).index("SI2C")]
        else:
            model = _fit(kind, _pick(texts, train), labels[train], weights[train])
            index = list(model.classes_).index("SI2C")
            out[test] = model.predict_proba(_pick(texts, test))[:, index]
        if on_step:
            on_step(f"{kind} fold {fold}")
    return out


def _pick(texts: list[str], mask: np.ndarray) -> list[str]:
    return [t for t, m in zip(texts, mask, strict=True) if m]


def _reliability(prefixes: Sequence[str | None], labels: Sequence[str]) -> float:
    """Share of typed prefixes naming the right team (Laplace-smoothed)."""
    pairs = [(p, t) for p, t in zip(prefixes, labels, strict=True) if p is not None]
    return round((sum(p == t for p, t in pairs) + 1) / (len(pairs) + 2), 4)


def fit_router(
    records: Sequence[dict],
    *,
    weights: Sequence[float] | None = None,
    kinds: Sequence[str] = KINDS,
    folds: int = 5,
    target: float = DEFAULT_TARGET,
    on_step: Step | None = None,
    quick: bool = False,
    min_threshold: float = MIN_THRESHOLD,
) -> tuple[Pipeline, dict]:
    """Train on labelled records; return the final pipeline and its card (no version yet).

    The routing threshold is the cross-validated one, but never below ``min_threshold``; the
    override threshold never below ``MIN_OVERRIDE_THRESHOLD``.
    """
    texts = [model_text(r.get("title"), r.get("description")) for r in records]
    labels = np.array([r["team"] for r in records])
    w = np.ones(len(records)) if weights is None else np.asarray(weights, dtype=float)
    fold_ids = np.array(
        [
            fold_of(str(r.get("group") or r.get("id") or i), folds=folds)
            for i, r in enumerate(records)
        ]
    )
    features, shared = None, None
    if quick:
        features = build_pipeline().named_steps["features"]
        shared = features.fit_transform(texts)
    oof = {k: cross_val_proba(k, texts, labels, w, fold_ids, on_step, shared) for k in kinds}
    scores = {
        kind: {"log_loss": evaluate.log_loss(labels, p), "brier": evaluate.brier(labels, p)}
        for kind, p in oof.items()
    }
    kind = min(kinds, key=lambda k: (scores[k]["log_loss"], scores[k]["brier"]))
    p = oof[kind]
    thresholds, routed, curve = _thresholds(records, labels, p, target, min_threshold)
    if quick:
        clf = build_pipeline(kind).named_steps["clf"].fit(shared, labels, sample_weight=w)
        pipeline = Pipeline([("features", features), ("clf", clf)])
    else:
        pipeline = _fit(kind, texts, labels, w)
    if on_step:
        on_step("final fit")
    card = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "kind": kind,
        "data": {
            "tickets": len(records),
            "SI2C": int((labels == "SI2C").sum()),
            "DRASI": int((labels == "DRASI").sum()),
            "hash": corpus_hash(records),
        },
        "cv": _cv_facts(
            labels,
            p,
            routed,
            curve,
            folds=int(len(np.unique(fold_ids))),
            quick=quick,
            scores=scores,
            kind=kind,
        ),
        "thresholds": thresholds,
    }
    return pipeline, card


def _thresholds(
    records: Sequence[dict], labels: np.ndarray, p: np.ndarray, target: float, floor: float
) -> tuple[dict, dict, list[dict]]:
    """Thresholds from out-of-fold probabilities (with their floors); the routing; the curve."""
    prefixes = [read_prefix(r.get("title")).team for r in records]
    curve = evaluate.risk_coverage(labels, p)
    chosen = evaluate.choose_threshold(curve, target)
    chosen_override = evaluate.choose_override(labels, p, prefixes)
    thresholds = {
        "threshold": max(chosen, floor),
        "override_threshold": max(chosen_override, MIN_OVERRIDE_THRESHOLD),
        "prefix_reliability": _reliability(prefixes, labels),
        "target": target,
        "min_threshold": floor,
        "min_override_threshold": MIN_OVERRIDE_THRESHOLD,
        # what cross-validation alone chose, before the floors
        "cross_validated": {"threshold": chosen, "override_threshold": chosen_override},
    }
    outputs = [
        output_line(
            r.get("id"),
            pre,
            decide_proba(
                prefix=pre,
                proba_si2c=float(pi),
                threshold=thresholds["threshold"],
                override_threshold=thresholds["override_threshold"],
                prefix_reliability=thresholds["prefix_reliability"],
            ),
        )
        for r, pre, pi in zip(records, prefixes, p, strict=True)
    ]
    return thresholds, evaluate.summarize(records, outputs), curve


def _cv_facts(
    labels: np.ndarray,
    p: np.ndarray,
    routed: dict,
    curve: list[dict],
    *,
    folds: int,
    quick: bool,
    scores: dict,
    kind: str,
) -> dict:
    """The cross-validated figures written in the card."""
    keys = ("routed_accuracy", "coverage", "accuracy", "macro_f1", "wrong_prefix", "by_prefix")
    return {
        "folds": folds,
        "shared_vocabulary": quick,
        "model_accuracy": round(float(np.mean(np.where(p >= 0.5, "SI2C", "DRASI") == labels)), 4),
        "log_loss": scores[kind]["log_loss"],
        "brier": scores[kind]["brier"],
        "candidates": scores,
        **{key: routed[key] for key in keys},
        "calibration": evaluate.calibration_table(labels, p),
        "risk_coverage": [
            pt for pt in curve if round(pt["threshold"] * 100) % 5 == 0 or pt["threshold"] > 0.99
        ],
    }
