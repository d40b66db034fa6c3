"""The model comparison of docs/model.md: every kind, on the blind parts and in cross-validation.

Run: ``.venv/bin/python bench/compare_models.py [--kinds svm,logreg] [--json out.json]``
(about 20 minutes for every variant on the 2-core machine). For each model kind (and the text
normalisation without its technical signals or person names, to measure what they bring):
out-of-fold P(SI2C) on the corpus (5 folds by group, vocabulary refitted per fold), a final
fit on the whole corpus, thresholds chosen on the blind VALIDATION part and the out-of-fold
probabilities (``classifiers.thresholds.choose``), then the figures of the goal on the
validation part, on the blind TEST part (reported only: nothing is chosen on it) and in
cross-validation. Prints Markdown tables.
"""

import argparse
import json
import sys
import time

import numpy as np

from classifiers import evaluate, thresholds
from classifiers.corpus import blind_part, fold_of, load_corpus
from classifiers.fitting import (
    DEFAULT_TARGET,
    cross_val_proba,
    fit_pipeline,
    prefix_reliability,
    route_outputs,
    without_blind,
)
from classifiers.model import ALL_KINDS
from classifiers.policy import MIN_OVERRIDE_THRESHOLD, MIN_THRESHOLD
from classifiers.prefix import read_prefix
from classifiers.text import MAX_CHARS, normalize

# (label, kind, normalisation flags)
VARIANTS = [(kind, kind, {}) for kind in ALL_KINDS] + [
    ("svm, no technical signals", "svm", {"signals": False}),
    ("svm, names kept", "svm", {"names": False}),
    ("svm, text v2 (neither)", "svm", {"signals": False, "names": False}),
]
COLUMNS = (
    "routed_accuracy",
    "coverage",
    "wrong_prefix_caught",
    "DRASI_routed_accuracy",
    "SI2C_routed_accuracy",
)


def texts_of(records: list[dict], flags: dict) -> list[str]:
    """Model texts under the given normalisation flags (as ``text.model_text``)."""
    return [
        normalize(f"{read_prefix(r['title']).rest} . {r['description'][:MAX_CHARS]}", **flags)
        for r in records
    ]


def run_variant(kind: str, flags: dict, corpus: list[dict], parts: dict) -> dict:
    """CV, final fit, thresholds (validation + CV) and the figures of one variant."""
    started = time.perf_counter()
    labels = np.array([r["team"] for r in corpus])
    weights = np.ones(len(corpus))
    folds = np.array([fold_of(str(r["group"])) for r in corpus])
    texts = texts_of(corpus, flags)
    oof = cross_val_proba(kind, texts, labels, weights, folds)
    pipeline = fit_pipeline(kind, texts, labels, weights)
    si2c = list(pipeline.classes_).index("SI2C")
    proba = {n: pipeline.predict_proba(texts_of(p, flags))[:, si2c] for n, p in parts.items()}
    prefixes = {n: [read_prefix(r["title"]).team for r in p] for n, p in parts.items()}
    corpus_prefixes = [read_prefix(r["title"]).team for r in corpus]
    val = parts["validation"]
    chosen = thresholds.choose(
        [
            ([r["team"] for r in val], proba["validation"], prefixes["validation"]),
            (labels, oof, corpus_prefixes),
        ],
        target=DEFAULT_TARGET,
        floor=MIN_THRESHOLD,
        override_floor=MIN_OVERRIDE_THRESHOLD,
    )
    chosen["prefix_reliability"] = prefix_reliability(corpus_prefixes, labels)
    figures = {
        name: evaluate.summarize(records, route_outputs(records, p, chosen))
        for name, (records, p) in {
            "validation": (val, proba["validation"]),
            "test": (parts["test"], proba["test"]),
            "independent": (parts["independent"], proba["independent"]),
            "cv": (corpus, oof),
        }.items()
    }
    return {
        "thresholds": {k: chosen[k] for k in ("threshold", "override_threshold", "per_set")},
        "log_loss": {
            "cv": evaluate.log_loss(labels, oof),
            "validation": evaluate.log_loss([r["team"] for r in val], proba["validation"]),
        },
        "figures": figures,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def print_tables(results: dict) -> None:
    """One Markdown table per evaluation set, a row per model."""
    for part in ("validation", "test", "independent", "cv"):
        print(f"\n### {part}\n")
        print(
            "| model | thresholds | right when routed | routed | wrong prefixes caught "
            "| DRASI right | SI2C right | log-loss |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for label, result in results.items():
            head = evaluate.headline(result["figures"][part])
            t = result["thresholds"]
            loss = result["log_loss"].get(part, "")
            print(
                f"| {label} | {t['threshold']:.2f} / {t['override_threshold']:.2f} | "
                + " | ".join(_pct(head[c]) for c in COLUMNS)
                + f" | {loss} |"
            )


def main(argv: list[str] | None = None) -> int:
    """Compare the variants; print the tables; optionally write every figure as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", help="comma-separated variant labels (default: all)")
    parser.add_argument("--json", help="write every figure to this file")
    args = parser.parse_args(argv)
    corpus, _, _ = without_blind(load_corpus())
    parts = {name: blind_part(name) for name in ("validation", "test", "independent")}
    wanted = set(args.kinds.split(",")) if args.kinds else None
    results = {}
    for label, kind, flags in VARIANTS:
        if wanted is None or label in wanted:
            results[label] = run_variant(kind, flags, corpus, parts)
            print(f"{label}: {results[label]['seconds']} s", file=sys.stderr)
    print(
        f"corpus {len(corpus)} tickets; validation {len(parts['validation'])}, "
        f"test {len(parts['test'])}, independent {len(parts['independent'])}"
    )
    print_tables(results)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, ensure_ascii=False, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
