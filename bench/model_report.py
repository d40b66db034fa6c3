"""Figures of docs/model.md: held-out fifth, router vs prefix-only, curves, corpus facts.

Run: ``.venv/bin/python bench/model_report.py`` (about a minute). Trains like
``triage train --exclude`` on four fifths of the shipped corpus (split by group, fold 0),
measures the held-out fifth, prints Markdown and writes ``docs/risk_coverage.svg``.
"""

import statistics
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers import evaluate
from classifiers.corpus import group_split, load_corpus
from classifiers.fitting import fit_router
from classifiers.router import Router
from classifiers.text import model_text

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def corpus_facts(records: list[dict]) -> list[str]:
    """Counts, prefix shares, lengths and the largest pairwise similarity."""
    n = len(records)
    teams = Counter(r["team"] for r in records)
    cats = Counter(evaluate.prefix_category(r, None) for r in records)
    lengths = [len(r["description"]) for r in records]
    hard = sum(bool(r.get("hard")) for r in records)
    html = sum("<" in r["description"] and ">" in r["description"] for r in records)
    texts = [model_text(r["title"], r["description"]) for r in records]
    matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    sims = (matrix @ matrix.T).toarray()
    np.fill_diagonal(sims, 0.0)
    i, j = np.unravel_index(np.argmax(sims), sims.shape)
    top = np.sort(sims.max(axis=1))
    return [
        f"- {n} tickets: SI2C {teams['SI2C']}, DRASI {teams['DRASI']}; "
        f"{hard} marked hard ({_pct(hard / n)}).",
        f"- prefixes: none {cats['none']} ({_pct(cats['none'] / n)}), right {cats['right']} "
        f"({_pct(cats['right'] / n)}), wrong {cats['wrong']} ({_pct(cats['wrong'] / n)}: "
        f"{_pct(cats['wrong'] / (cats['right'] + cats['wrong']))} of the typed prefixes).",
        f"- descriptions: median {statistics.median(lengths):.0f} characters, "
        f"from {min(lengths)} to {max(lengths)}; {html} in HTML.",
        f"- largest pairwise cosine similarity (TF-IDF word 1-2-grams of the model text): "
        f"{sims[i, j]:.3f} ({records[i]['id']} / {records[j]['id']}); 99th percentile of "
        f"each ticket's nearest neighbour: {top[int(0.99 * len(top))]:.3f}, median "
        f"{np.median(top):.3f}.",
    ]


def svg_curve(curve: list[dict], path: Path) -> None:
    """A small SVG of routed accuracy against coverage (risk-coverage curve)."""
    w, h, pad = 420, 300, 40
    points = [(p["coverage"], p["routed_accuracy"]) for p in curve if p["routed_accuracy"]]
    low = min(0.9, min(a for _, a in points))
    xy = " ".join(
        f"{pad + c * (w - 2 * pad):.1f},{h - pad - (a - low) / (1 - low) * (h - 2 * pad):.1f}"
        for c, a in points
    )
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'font-family="sans-serif" font-size="11">'
        f'<rect width="{w}" height="{h}" fill="white"/>'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>'
        f'<polyline points="{xy}" fill="none" stroke="#1f77b4" stroke-width="2"/>'
        f'<text x="{w / 2}" y="{h - 8}" text-anchor="middle">'
        "coverage (share routed by the model)</text>"
        f'<text x="12" y="{pad - 12}">routed accuracy ({low:.2f} to 1.00)</text>'
        f'<text x="{pad}" y="{h - pad + 14}">0</text>'
        f'<text x="{w - pad}" y="{h - pad + 14}">1</text>'
        "</svg>\n",
        encoding="utf-8",
    )


def main() -> int:
    """Print the Markdown figures of the model report."""
    records = load_corpus()
    train, held = group_split(records)
    pipeline, card = fit_router(train)
    router = Router(pipeline, card)
    outputs = router.classify_many(held)
    mine, base = (
        evaluate.summarize(held, outputs),
        evaluate.summarize(held, evaluate.prefix_only_outputs(held)),
    )
    print("## Corpus\n")
    print("\n".join(corpus_facts(records)))
    print(f"\n## Held-out fifth ({len(held)} tickets, trained on {len(train)})\n")
    print("| | router | prefix only |\n|---|---|---|")
    for label, key in (
        ("routed tickets right", "routed_accuracy"),
        ("routed", "coverage"),
        ("all tickets right", "accuracy"),
        ("macro-F1", "macro_f1"),
    ):
        print(f"| {label} | {_pct(mine[key])} | {_pct(base[key])} |")
    print(f"| wrong prefixes caught (requalify) | {_pct(mine['wrong_prefix']['caught'])} | 0% |")
    print(
        f"| wrong prefixes sent to the right team | {_pct(mine['wrong_prefix']['rerouted'])} | 0% |"
    )
    print(
        f"| prefixes read right | {mine['prefix_read']['right']}/{mine['prefix_read']['n']} "
        f"| same reader |"
    )
    print("\n| prefix | n | router: routed | router: right | prefix only: routed | right |")
    print("|---|---|---|---|---|---|")
    for name, group in mine["by_prefix"].items():
        other = base["by_prefix"][name]
        print(
            f"| {name} | {group['n']} | {_pct(group['coverage'])} | "
            f"{_pct(group['routed_accuracy'])} | {_pct(other['coverage'])} | "
            f"{_pct(other['routed_accuracy'])} |"
        )
    print("\nconfusion (rows true):", mine["confusion"])
    cv = card["cv"]
    print(f"\n## Cross-validation (5 folds by group, {len(train)} tickets)\n")
    print(f"kind chosen: {card['kind']}; candidates: {cv['candidates']}")
    print(f"model accuracy {_pct(cv['model_accuracy'])}, thresholds {card['thresholds']}")
    print("\n| threshold | coverage | routed accuracy |\n|---|---|---|")
    for point in cv["risk_coverage"]:
        print(
            f"| {point['threshold']:.2f} | {_pct(point['coverage'])} | "
            f"{_pct(point['routed_accuracy'])} |"
        )
    print("\n| P(SI2C) bin | n | mean predicted | observed SI2C |\n|---|---|---|---|")
    for row in cv["calibration"]:
        print(f"| {row['bin']} | {row['n']} | {row['mean_p']:.3f} | {row['observed']:.3f} |")
    svg_curve(cv["risk_coverage"], DOCS / "risk_coverage.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
