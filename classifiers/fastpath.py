"""Prediction without scikit-learn's per-call overhead, checked against scikit-learn itself.

For one ticket, ``Pipeline.predict_proba`` spends most of its ~6 ms validating inputs (three
calibrated classifiers, each checked again). The model is linear: P(SI2C) is a sigmoid of
``X @ w + b`` (logistic regression) or the mean of the calibrated sigmoids of the SVMs'
decision values. ``LinearPath`` computes exactly that with one sparse product, and is only
used when it gives scikit-learn's own probabilities on probe rows (else: ``None``, and the
router keeps scikit-learn's path).
"""

import logging

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

log = logging.getLogger(__name__)

TOLERANCE = 1e-9


class LinearPath:
    """Features and P(positive class) of a fitted word/char linear pipeline, fast."""

    def __init__(
        self,
        vectorizers: list,
        weights: np.ndarray,
        offsets: np.ndarray,
        slopes: np.ndarray,
        intercepts: np.ndarray,
    ) -> None:
        """k linear scores ``X @ weights + offsets``; P = mean of expit(-(slope*score + b))."""
        self.vectorizers = vectorizers
        self.weights = weights
        self.offsets = offsets
        self.slopes = slopes
        self.intercepts = intercepts

    def features(self, texts: list[str]):
        """The FeatureUnion's matrix (the vectorizers side by side)."""
        return sp.hstack([v.transform(texts) for v in self.vectorizers], format="csr")

    def proba(self, matrix) -> np.ndarray:
        """P(classes_[1]) of feature rows."""
        decision = np.asarray(matrix @ self.weights) + self.offsets
        return expit(-(self.slopes * decision + self.intercepts)).mean(axis=1)


def _linear_parts(clf) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(weights, offsets, slopes, intercepts) of a supported binary classifier, else None."""
    if isinstance(clf, LogisticRegression) and clf.coef_.shape[0] == 1:
        # expit(x) == expit(-(-1 * x + 0))
        return clf.coef_.T, clf.intercept_, np.array([-1.0]), np.array([0.0])
    if isinstance(clf, CalibratedClassifierCV) and len(clf.classes_) == 2:
        parts = clf.calibrated_classifiers_
        if not all(
            isinstance(c.estimator, LinearSVC)
            and getattr(c, "method", None) == "sigmoid"
            and len(c.calibrators) == 1
            for c in parts
        ):
            return None
        weights = np.column_stack([c.estimator.coef_[0] for c in parts])
        offsets = np.array([c.estimator.intercept_[0] for c in parts])
        slopes = np.array([c.calibrators[0].a_ for c in parts], dtype=float)
        intercepts = np.array([c.calibrators[0].b_ for c in parts], dtype=float)
        return weights, offsets, slopes, intercepts
    return None


def linear_path(pipeline: Pipeline, probes: list[str]) -> LinearPath | None:
    """A fast path for this pipeline, if it reproduces scikit-learn on ``probes``."""
    try:
        union = pipeline.named_steps["features"]
        parts = _linear_parts(pipeline.named_steps["clf"])
        if parts is None or union.transformer_weights:
            return None
        path = LinearPath([v for _, v in union.transformer_list], *parts)
        expected = pipeline.predict_proba(probes)[:, 1]
        matrix = path.features(probes)
        same_rows = abs(matrix - union.transform(probes)).max() <= TOLERANCE
        if same_rows and np.allclose(path.proba(matrix), expected, rtol=0, atol=TOLERANCE):
            return path
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        log.warning("fast prediction path unavailable: %s", exc)
        return None
    log.warning("fast prediction path differs from scikit-learn: not used")
    return None
