"""Features and calibration on scikit-learn's public API: same n-grams, linear log-odds."""

import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.special import logit
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers.calibration import PlattClassifier
from classifiers.corpus import read_jsonl
from classifiers.features import StemTokenizer, stem, word_char_ngrams
from classifiers.model import ALL_KINDS, build_pipeline, linear_weights
from classifiers.text import model_text

CLASSIFIERS_DIR = Path(__file__).resolve().parent.parent / "classifiers"


@pytest.fixture(scope="module")
def labelled(router_corpus_file) -> tuple[list[str], np.ndarray]:
    records = list(read_jsonl(router_corpus_file))
    texts = [model_text(r["title"], r["description"]) for r in records]
    return texts, np.array([r["team"] for r in records])


def test_word_char_ngrams_are_scikit_learns():
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    for word in ("a", "ab", "abc", "abcd", "clôture", "_num3_", "x" * 12):
        assert sorted(word_char_ngrams(word, 3, 5)) == sorted(analyzer(word))


def test_the_stemmer_folds_inflections_and_keeps_placeholders():
    assert stem("mandats") == stem("mandat")
    assert stem("_ora_") == "_ora_"
    assert StemTokenizer()("les mandats _ora_ a") == [stem("les"), stem("mandats"), "_ora_"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_is_linear_in_its_log_odds(kind, labelled):
    texts, labels = labelled
    pipeline = build_pipeline(kind).fit(texts, labels)
    pipeline = pickle.loads(pickle.dumps(pipeline))  # what save/load does
    si2c = list(pipeline.classes_).index("SI2C")
    rows = pipeline.named_steps["features"].transform(texts[:20])
    odds = logit(np.clip(pipeline.predict_proba(texts[:20])[:, si2c], 1e-12, 1 - 1e-12))
    linear = np.asarray(rows @ linear_weights(pipeline)).ravel()
    # the same weights explain the model: log-odds = X @ w + constant
    keep = np.abs(odds) < 20  # far from the clipping
    differences = (odds - linear)[keep]
    assert np.allclose(differences, differences[0], atol=1e-4)


def test_platt_scaling_is_fitted_out_of_fold(labelled):
    texts, labels = labelled
    features = build_pipeline("svm").named_steps["features"].fit(texts)
    clf = build_pipeline("svm").named_steps["clf"]
    assert isinstance(clf, PlattClassifier)
    clf.fit(features.transform(texts), labels)
    proba = clf.predict_proba(features.transform(texts))
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(features.transform(texts[:5]))) <= {"SI2C", "DRASI"}


def test_no_private_scikit_learn_api_is_used():
    private = re.compile(
        r"sklearn[\w.]*\._(?!_)|\._count_vocab|calibrated_classifiers_|\.calibrators\b|_align_api"
    )
    for path in CLASSIFIERS_DIR.glob("*.py"):
        assert not private.search(path.read_text(encoding="utf-8")), path.name
