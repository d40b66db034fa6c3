"""Platt scaling on out-of-fold scores, with scikit-learn's public API only.

``CalibratedClassifierCV`` keeps its fitted pairs in a private class, so reading their
weights (for explanations, or a fast linear path) meant reading library internals. This
estimator does the same job in plain steps: the base model's scores on the training data come
from ``cross_val_predict`` (out of fold, so the calibration is not fitted on scores the model
learnt), a one-feature ``LogisticRegression`` maps them to probabilities, and the base model
is then fitted once on all the data. The result stays linear for a linear base model:
``linear_coef`` gives each feature's weight in log-odds, public attributes only.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils.validation import check_is_fitted


def base_scores(estimator, X) -> np.ndarray:
    """One score per row, increasing with the second class: the decision function, or the
    log-odds of ``predict_log_proba`` (naive Bayes)."""
    if hasattr(estimator, "decision_function"):
        return np.asarray(estimator.decision_function(X), dtype=float).ravel()
    log_proba = estimator.predict_log_proba(X)
    return log_proba[:, 1] - log_proba[:, 0]


def base_coef(estimator) -> np.ndarray:
    """The weight of each feature in ``base_scores`` (public fitted attributes)."""
    if hasattr(estimator, "coef_"):
        return np.asarray(estimator.coef_, dtype=float)[0]
    # naive Bayes: the joint log-likelihood is X @ feature_log_prob_.T (+ class terms)
    log_prob = np.asarray(estimator.feature_log_prob_, dtype=float)
    return log_prob[1] - log_prob[0]


class PlattClassifier(ClassifierMixin, BaseEstimator):
    """A binary classifier whose scores are mapped to probabilities by Platt scaling."""

    def __init__(self, estimator=None, cv: int = 3) -> None:
        """``estimator``: the base model (a linear one keeps ``linear_coef`` meaningful)."""
        self.estimator = estimator
        self.cv = cv

    def fit(self, X, y, sample_weight=None):
        """Out-of-fold scores, their sigmoid, then the base model on everything."""
        params = {} if sample_weight is None else {"sample_weight": sample_weight}
        method = "decision_function" if hasattr(self.estimator, "decision_function") else None
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=0)
        oof = cross_val_predict(
            clone(self.estimator),
            X,
            y,
            cv=folds,
            method=method or "predict_log_proba",
            params=params,
        )
        scores = oof if method else oof[:, 1] - oof[:, 0]
        self.calibrator_ = LogisticRegression(C=1e4).fit(
            np.asarray(scores, dtype=float).reshape(-1, 1), y, sample_weight=sample_weight
        )
        self.estimator_ = clone(self.estimator).fit(X, y, **params)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probabilities of ``classes_``."""
        check_is_fitted(self)
        return self.calibrator_.predict_proba(base_scores(self.estimator_, X).reshape(-1, 1))

    def predict(self, X) -> np.ndarray:
        """The more probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def linear_coef(self) -> np.ndarray:
        """Each feature's weight in the log-odds of the second class."""
        check_is_fitted(self)
        return float(self.calibrator_.coef_[0, 0]) * base_coef(self.estimator_)
