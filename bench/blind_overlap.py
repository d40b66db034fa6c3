"""Near-duplicates between the corpus and the blind set (which must stay unseen).

Run: ``.venv/bin/python bench/blind_overlap.py [--drop 0.8]``. TF-IDF word 1-2-grams of the
model text (as docs/model.md's corpus facts), cosine of every corpus ticket with every blind
ticket; prints the highest similarities with the corpus ticket's text only (the blind test
texts are not to be read), and the corpus ids above ``--drop``.
"""

import argparse
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers.corpus import BLIND_PARTS, blind_part, load_corpus
from classifiers.text import model_text


def main(argv: list[str] | None = None) -> int:
    """Print the corpus tickets nearest to the blind set."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--drop", type=float, default=0.8)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args(argv)
    corpus = load_corpus()
    blind = [r for name in BLIND_PARTS for r in blind_part(name)]
    texts = [model_text(r["title"], r["description"]) for r in corpus + blind]
    matrix = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    sims = (matrix[: len(corpus)] @ matrix[len(corpus) :].T).toarray()
    nearest, which = sims.max(axis=1), sims.argmax(axis=1)
    order = np.argsort(-nearest)
    print(f"{len(corpus)} corpus tickets, {len(blind)} blind tickets")
    print(
        f"highest corpus-blind cosine: {nearest[order[0]]:.3f}; 99th percentile "
        f"{np.quantile(nearest, 0.99):.3f}; median {np.median(nearest):.3f}"
    )
    by_file: dict[str, float] = {}
    for r, s in zip(corpus, nearest, strict=True):
        prefix = str(r["id"]).split("-")[0]
        by_file[prefix] = max(by_file.get(prefix, 0.0), float(s))
    print("highest per corpus file:", {k: round(v, 3) for k, v in sorted(by_file.items())})
    for i in order[: args.top]:
        r = corpus[i]
        print(
            f"  {nearest[i]:.3f} {r['id']} ~ {blind[which[i]]['id']}: "
            f"{r['title']} | {r['description'][:160]!r}"
        )
    above = [corpus[i]["id"] for i in order if nearest[i] > args.drop]
    print(f"above {args.drop}: {above}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
