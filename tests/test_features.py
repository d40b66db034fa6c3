"""The fast feature and prediction paths give scikit-learn's own numbers."""

import pickle

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from classifiers.corpus import read_jsonl
from classifiers.fastpath import linear_path
from classifiers.features import CachedCharVectorizer, word_char_ngrams
from classifiers.model import build_pipeline
from classifiers.router import PROBES
from classifiers.text import model_text

CHAR = dict(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2, dtype=np.float32)


@pytest.fixture(scope="module")
def labelled(router_corpus_file) -> tuple[list[str], np.ndarray]:
    records = list(read_jsonl(router_corpus_file))
    texts = [model_text(r["title"], r["description"]) for r in records]
    return texts, np.array([r["team"] for r in records])


def test_word_char_ngrams_are_scikit_learns():
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    for word in ("a", "ab", "abc", "abcd", "clôture", "_num3_", "x" * 12):
        assert word_char_ngrams(word, 3, 5) == analyzer(word)


def test_cached_char_vectorizer_gives_the_same_matrix(labelled):
    texts, _ = labelled
    half = len(texts) // 2
    plain = TfidfVectorizer(**CHAR).fit(texts[:half])
    cached = CachedCharVectorizer(**CHAR).fit(texts[:half])
    assert cached.vocabulary_ == plain.vocabulary_
    unseen = [*texts[half:], "", "mot mot mot", "zzzz qqqq"]
    for _ in range(2):  # cold, then from the word cache
        difference = abs(cached.transform(unseen) - plain.transform(unseen))
        assert difference.max() == 0.0
    restored = pickle.loads(pickle.dumps(cached))
    assert "_word_columns" not in restored.__dict__  # the cache is not saved with the model
    assert abs(restored.transform(unseen) - plain.transform(unseen)).max() == 0.0


def test_the_word_cache_stays_bounded(labelled, monkeypatch):
    monkeypatch.setattr("classifiers.features.CACHE_WORDS", 50)
    texts, _ = labelled
    plain = TfidfVectorizer(**CHAR).fit(texts)
    cached = CachedCharVectorizer(**CHAR).fit(texts)
    assert abs(cached.transform(texts) - plain.transform(texts)).max() == 0.0
    assert 0 < len(cached.__dict__["_word_columns"]) <= 50


@pytest.mark.parametrize("kind", ["logreg", "svm"])
def test_the_fast_prediction_path_matches_scikit_learn(labelled, kind):
    texts, labels = labelled
    pipeline = build_pipeline(kind).fit(texts, labels)
    path = linear_path(pipeline, PROBES)
    assert path is not None
    expected = pipeline.predict_proba(texts)[:, 1]
    got = path.proba(path.features(texts))
    assert np.allclose(got, expected, rtol=0, atol=1e-9)


def test_an_unsupported_model_keeps_scikit_learns_path(labelled):
    texts, labels = labelled
    pipeline = build_pipeline("svm")
    pipeline.steps[-1] = ("clf", CalibratedClassifierCV(LinearSVC(), method="isotonic", cv=3))
    pipeline.fit(texts, labels)
    assert linear_path(pipeline, PROBES) is None
