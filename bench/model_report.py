"""Figures of docs/model.md: the blind parts, cross-validation, curves, corpus facts.

Run: ``.venv/bin/python bench/model_report.py`` (about a minute). Trains like ``triage train``
on the shipped corpus (the blind set left out), prints the model card's blind validation and
test figures (by team, prefix state, difficulty), the cross-validated curve and calibration,
and writes ``docs/risk_coverage.svg``.
"""

import statistics
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers import evaluate
from classifiers.corpus import load_corpus
from classifiers.fitting import fit_router
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


def _blind_tables(name: str, figures: dict) -> None:
    """The goal's figures of one blind part, then by team, prefix state and difficulty."""
    print(f"\n### Blind {name} part ({figures['n']} tickets)\n")
    print("| right when routed | routed | wrong prefixes caught | DRASI right | SI2C right |")
    print("|---|---|---|---|---|")
    keys = ("routed_accuracy", "coverage", "wrong_prefix_caught", "DRASI_routed_accuracy",
            "SI2C_routed_accuracy")
    print("| " + " | ".join(_pct(figures[k]) for k in keys) + " |")
    wrong = figures["wrong_prefix"]
    print(f"\nwrong prefixes: {wrong['n']}, rerouted right {_pct(wrong['rerouted'])}, "
          f"left to a human {_pct(wrong['left_to_human'])}")
    print("\n| group | tickets | routed | right when routed |\n|---|---|---|---|")
    for title in ("by_team", "by_prefix", "by_difficulty"):
        for group, g in figures[title].items():
            print(f"| {title[3:]} {group} | {g['n']} | {_pct(g['coverage'])} | "
                  f"{_pct(g['routed_accuracy'])} |")
    print("\nconfusion (rows true):", figures["confusion"])


def main() -> int:
    """Print the Markdown figures of the model report (the shipped model's recipe)."""
    records = load_corpus()
    pipeline, card = fit_router(records)
    print("## Corpus\n")
    print("\n".join(corpus_facts(records)))
    print(f"\nkind {card['kind']}, thresholds {card['thresholds']}")
    for name, figures in card["blind"].items():
        _blind_tables(name, figures)
    cv = card["cv"]
    print(f"\n## Cross-validation (5 folds by group, {len(records)} tickets)\n")
    print("| right when routed | routed | wrong prefixes caught | DRASI right | SI2C right |")
    print("|---|---|---|---|---|")
    keys = ("routed_accuracy", "coverage", "wrong_prefix_caught", "DRASI_routed_accuracy",
            "SI2C_routed_accuracy")
    print("| " + " | ".join(_pct(cv[k]) for k in keys) + " |")
    print(f"\nmodel accuracy {_pct(cv['model_accuracy'])}, log-loss {cv['log_loss']}, "
          f"Brier {cv['brier']}")
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
