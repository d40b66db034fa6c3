"""The text model (a scikit-learn Pipeline) and its persistence beside a JSON card.

Persistence follows scikit-learn's model-persistence guide: joblib files are only loaded
when the card beside them (written by ``save_model``) names the exact scikit-learn version
running now and the SHA-256 of the model file, so a file this code did not write, or wrote
for another library version, is refused before it is unpickled.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import tempfile
from pathlib import Path

import joblib
import numpy as np
import scipy
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from classifiers.calibration import PlattClassifier
from classifiers.cards import (  # noqa: F401 (this module's names since the split)
    ALL_KINDS,
    CARD_FORMAT,
    CARD_GLOB,
    CLASSIFIERS,
    KINDS,
    ModelError,
    ModelIntegrityError,
    ModelVersionError,
    list_cards,
    read_card,
)
from classifiers.features import StemTokenizer
from classifiers.text import TEXT_VERSION

log = logging.getLogger(__name__)

def build_features(*, stemmed: bool = False) -> FeatureUnion:
    """Word 1-2-grams (stemmed or not) and char_wb 3-5-grams, TF-IDF, side by side."""
    words = (
        {"tokenizer": StemTokenizer(), "token_pattern": None}
        if stemmed
        else {"token_pattern": r"(?u)\b\w\w+\b"}
    )
    return FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=2,
                    dtype=np.float32,
                    **words,
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=30000,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def build_classifier(kind: str):
    """The classifier of a kind (``svm``, ``logreg``, ``cnb``, with or without ``+stem``)."""
    name = kind.removesuffix("+stem")
    if name == "logreg":
        # log-loss is what logistic regression optimises: its probabilities come calibrated
        return LogisticRegression(C=20.0, solver="liblinear", max_iter=2000)
    if name == "svm":
        return PlattClassifier(LinearSVC(C=0.5), cv=3)
    if name == "cnb":
        # naive Bayes probabilities are far too sure: Platt scaling on out-of-fold scores
        return PlattClassifier(ComplementNB(alpha=0.3), cv=3)
    raise ValueError(f"unknown model kind {kind!r}: expected one of {ALL_KINDS}")


def build_pipeline(kind: str = KINDS[0]) -> Pipeline:
    """Features, then a calibrated linear model."""
    classifier = build_classifier(kind)
    features = build_features(stemmed=kind.endswith("+stem"))
    return Pipeline([("features", features), ("clf", classifier)])


def linear_weights(pipeline: Pipeline) -> np.ndarray:
    """The weight of each feature towards the second class (SI2C), for explanations."""
    clf = pipeline.named_steps["clf"]
    if isinstance(clf, PlattClassifier):
        return clf.linear_coef()
    return np.asarray(clf.coef_, dtype=float)[0]


def library_versions() -> dict[str, str]:
    """Versions a model depends on (written in its card)."""
    return {
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def file_sha256(path: Path) -> str:
    """SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_version(now: dt.datetime | None = None) -> str:
    """A sortable model version: UTC time plus a random tail."""
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + os.urandom(3).hex()


def save_model(pipeline: Pipeline, card: dict, directory: Path | str) -> Path:
    """Write ``model-<version>.joblib`` and its card; return the card's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    version = card.setdefault("version", new_version())
    model_path = directory / f"model-{version}.joblib"
    _atomic_write(model_path, lambda handle: joblib.dump(pipeline, handle, compress=3))
    card.update(
        format=CARD_FORMAT,
        text_version=TEXT_VERSION,
        model_file=model_path.name,
        model_sha256=file_sha256(model_path),
        libraries=library_versions(),
    )
    card_path = directory / f"model-{version}.json"
    # the card goes last: a model without its card is never loaded
    _atomic_write(
        card_path,
        lambda handle: handle.write(json.dumps(card, ensure_ascii=False, indent=2).encode("utf-8")),
    )
    return card_path


def _atomic_write(path: Path, write) -> None:
    """Write to a temporary file in the same folder, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_card(card: dict, card_path: Path) -> Path:
    """Refuse a card for another scikit-learn or text version, or a file it does not describe."""
    saved = (card.get("libraries") or {}).get("scikit-learn")
    if saved != sklearn.__version__:
        raise ModelVersionError(
            f"model {card_path.name} was trained with scikit-learn {saved}, this is "
            f"scikit-learn {sklearn.__version__}: retrain it with `triage train`"
        )
    text_version = card.get("text_version", 1)
    if text_version != TEXT_VERSION:
        raise ModelVersionError(
            f"model {card_path.name} was trained on text normalisation v{text_version}, this is "
            f"v{TEXT_VERSION}: retrain it with `triage train`"
        )
    name = card.get("model_file") or ""
    model_path = card_path.parent / name
    if not name or Path(name).name != name or not model_path.is_file():
        raise ModelIntegrityError(f"model {card_path.name}: its model file is missing")
    if file_sha256(model_path) != card.get("model_sha256"):
        raise ModelIntegrityError(
            f"model {card_path.name}: {name} is not the file this card describes (hash differs)"
        )
    return model_path


def load_model(card_path: Path | str) -> tuple[Pipeline, dict]:
    """Load a model saved by ``save_model`` after checking its card (version, hash)."""
    card_path = Path(card_path)
    try:
        card = read_card(card_path)
    except (OSError, ValueError) as exc:
        raise ModelIntegrityError(f"model card {card_path.name} unreadable: {exc}") from exc
    model_path = check_card(card, card_path)
    pipeline = joblib.load(model_path)
    if not isinstance(pipeline, Pipeline):
        raise ModelIntegrityError(f"model {card_path.name}: not a scikit-learn Pipeline")
    return pipeline, card
