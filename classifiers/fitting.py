"""Training: cross-validation by group, thresholds on unseen tickets, then the final fit."""

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from classifiers import evaluate, thresholds
from classifiers.corpus import CorpusError, blind_part, corpus_hash, fold_of, is_blind
from classifiers.model import KINDS, build_classifier, build_features, build_pipeline
from classifiers.policy import MIN_OVERRIDE_THRESHOLD, MIN_THRESHOLD, decide_proba
from classifiers.prefix import read_prefix
from classifiers.router import Router, output_line
from classifiers.text import model_text

log = logging.getLogger(__name__)

DEFAULT_TARGET = 0.97  # right when routed, aimed at on unseen tickets (the goal asks 0.95)
Step = Callable[[str], None]


def fit_pipeline(kind: str, texts: list[str], labels: np.ndarray, weights: np.ndarray) -> Pipeline:
    """A pipeline of ``kind`` fitted on model texts."""
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
            clf = build_classifier(kind).fit(
                shared[train], labels[train], sample_weight=weights[train]
            )
            out[test] = clf.predict_proba(shared[test])[:, list(clf.classes_).index("SI2C")]
        else:
            model = fit_pipeline(kind, _pick(texts, train), labels[train], weights[train])
            index = list(model.classes_).index("SI2C")
            out[test] = model.predict_proba(_pick(texts, test))[:, index]
        if on_step:
            on_step(f"{kind} fold {fold}")
    return out


def _pick(texts: list[str], mask: np.ndarray) -> list[str]:
    return [t for t, m in zip(texts, mask, strict=True) if m]


def prefix_reliability(prefixes: Sequence[str | None], labels: Sequence[str]) -> float:
    """Share of typed prefixes naming the right team (Laplace-smoothed)."""
    pairs = [(p, t) for p, t in zip(prefixes, labels, strict=True) if p is not None]
    return round((sum(p == t for p, t in pairs) + 1) / (len(pairs) + 2), 4)


def without_blind(
    records: Sequence[dict], weights: Sequence[float] | None = None
) -> tuple[list[dict], list[float], int]:
    """The records minus every blind-set ticket (never trained on, whoever asks)."""
    w = [1.0] * len(records) if weights is None else list(weights)
    kept = [(r, wi) for r, wi in zip(records, w, strict=True) if not is_blind(r)]
    skipped = len(records) - len(kept)
    if skipped:
        log.warning("%d blind-set tickets left out of training (never trained on)", skipped)
    if records and not kept:
        raise CorpusError("every ticket given for training is from the blind set: refused")
    return [r for r, _ in kept], [wi for _, wi in kept], skipped


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
    selection: Sequence[dict] | None = None,
) -> tuple[Pipeline, dict]:
    """Train on labelled records; return the final pipeline and its card (no version yet).

    Blind-set tickets are left out. The kind with the best cross-validated log-loss is
    fitted; the thresholds come from ``selection`` (default: the blind validation part) and
    the out-of-fold probabilities, never below their floors; the card reports the blind
    validation and test parts apart from cross-validation.
    """
    records, w, skipped = without_blind(records, weights)
    labels = np.array([r["team"] for r in records])
    pipeline, oof, scores = _train(
        records, labels, np.asarray(w, dtype=float), kinds, folds, quick, on_step
    )
    kind = min(scores, key=lambda k: (scores[k]["log_loss"], scores[k]["brier"]))
    selection = blind_part("validation") if selection is None else list(selection)
    chosen = _thresholds(records, labels, oof, pipeline, selection, target, min_threshold)
    card = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "kind": kind,
        "data": _data_facts(records, labels, skipped),
        "thresholds": chosen,
    }
    routed = evaluate.summarize(records, route_outputs(records, oof, chosen))
    card["cv"] = _cv_facts(labels, oof, routed, folds=folds, quick=quick)
    card["cv"].update(
        candidates=scores, log_loss=scores[kind]["log_loss"], brier=scores[kind]["brier"]
    )
    card["blind"] = blind_figures(pipeline, card)
    return pipeline, card


def _data_facts(records: Sequence[dict], labels: np.ndarray, skipped: int) -> dict:
    """What the model was trained on (for its card)."""
    return {
        "tickets": len(records),
        "SI2C": int((labels == "SI2C").sum()),
        "DRASI": int((labels == "DRASI").sum()),
        "hash": corpus_hash(records),
        "blind_skipped": skipped,
    }


def _train(records, labels, w, kinds, folds, quick, on_step) -> tuple[Pipeline, np.ndarray, dict]:
    """The final pipeline of the best kind (cross-validated log-loss), its out-of-fold
    P(SI2C) and every kind's scores."""
    texts = [model_text(r.get("title"), r.get("description")) for r in records]
    fold_ids = np.array(
        [
            fold_of(str(r.get("group") or r.get("id") or i), folds=folds)
            for i, r in enumerate(records)
        ]
    )
    features, shared = None, None
    if quick:  # one vocabulary for every fold (and the final fit), of the first kind's words
        features = build_features(stemmed=kinds[0].endswith("+stem"))
        shared = features.fit_transform(texts)
        kinds = [k for k in kinds if k.endswith("+stem") == kinds[0].endswith("+stem")]
    oof = {k: cross_val_proba(k, texts, labels, w, fold_ids, on_step, shared) for k in kinds}
    scores = {
        kind: {"log_loss": evaluate.log_loss(labels, p), "brier": evaluate.brier(labels, p)}
        for kind, p in oof.items()
    }
    kind = min(kinds, key=lambda k: (scores[k]["log_loss"], scores[k]["brier"]))
    if quick:
        clf = build_classifier(kind).fit(shared, labels, sample_weight=w)
        pipeline = Pipeline([("features", features), ("clf", clf)])
    else:
        pipeline = fit_pipeline(kind, texts, labels, w)
    if on_step:
        on_step("final fit")
    return pipeline, oof[kind], scores


def route_outputs(records: Sequence[dict], p_si2c: Sequence[float], chosen: dict) -> list[dict]:
    """``triage classify`` lines of records from their P(SI2C) and thresholds."""
    outputs = []
    for record, p in zip(records, p_si2c, strict=True):
        prefix = read_prefix(record.get("title")).team
        decision = decide_proba(
            prefix=prefix,
            proba_si2c=float(p),
            threshold=chosen["threshold"],
            override_threshold=chosen["override_threshold"],
            prefix_reliability=chosen["prefix_reliability"],
        )
        outputs.append(output_line(record.get("id"), prefix, decision))
    return outputs


def _thresholds(records, labels, oof, pipeline, selection, target, floor) -> dict:
    """Thresholds reaching ``target`` on the selection tickets and in cross-validation."""
    prefixes = [read_prefix(r.get("title")).team for r in records]
    sets = [(labels, oof, prefixes)]
    if selection:
        router = Router(pipeline, {})
        p_sel = router.proba_si2c(
            [model_text(r.get("title"), r.get("description")) for r in selection]
        )
        sel_prefixes = [read_prefix(r.get("title")).team for r in selection]
        sets.insert(0, ([r["team"] for r in selection], p_sel, sel_prefixes))
    chosen = thresholds.choose(
        sets, target=target, floor=floor, override_floor=MIN_OVERRIDE_THRESHOLD
    )
    return {
        "threshold": chosen["threshold"],
        "override_threshold": chosen["override_threshold"],
        "prefix_reliability": prefix_reliability(prefixes, labels),
        "target": target,
        "min_threshold": floor,
        "min_override_threshold": MIN_OVERRIDE_THRESHOLD,
        "chosen_on": (["blind validation"] if selection else []) + ["cross-validation"],
        # what each set alone asked for, before the floors
        "per_set": chosen["per_set"],
    }


def blind_figures(pipeline: Pipeline, card: dict) -> dict:
    """The router's figures on each blind part (the test part: reported, never chosen on)."""
    router = Router(pipeline, card)
    figures = {}
    for name in ("validation", "test", "independent"):
        try:
            part = blind_part(name)
        except OSError:
            continue
        report = evaluate.summarize(part, router.classify_many(part))
        keys = ("n", "by_team", "by_prefix", "by_difficulty", "wrong_prefix", "confusion")
        figures[name] = {**evaluate.headline(report), **{k: report[k] for k in keys}}
    return figures


def _cv_facts(labels: np.ndarray, p: np.ndarray, routed: dict, *, folds: int, quick: bool) -> dict:
    """The cross-validated figures written in the card."""
    keys = ("routed_accuracy", "coverage", "accuracy", "macro_f1", "wrong_prefix", "by_prefix")
    return {
        "folds": folds,
        "shared_vocabulary": quick,
        "model_accuracy": round(float(np.mean(np.where(p >= 0.5, "SI2C", "DRASI") == labels)), 4),
        **{key: routed[key] for key in keys},
        **evaluate.headline(routed),
        "calibration": thresholds.calibration_table(labels, p),
        "risk_coverage": [
            pt
            for pt in thresholds.risk_coverage(labels, p)
            if round(pt["threshold"] * 100) % 5 == 0 or pt["threshold"] > 0.99
        ],
    }
