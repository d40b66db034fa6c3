"""Choosing the router's thresholds, risk-coverage curves and the calibration table.

Thresholds are chosen on tickets the model did not learn from: the blind set's validation
part (``classifiers/data/blind/validation.jsonl``, written apart from the corpus) and the
out-of-fold probabilities of a cross-validation of the corpus split by group. Each threshold
is the lowest one that reaches the target on BOTH, never below its floor:
- ``threshold`` (tickets without a prefix): the routed ones right at least ``target``;
- ``override_threshold`` (prefix and model disagree): the model right at least ``target``
  of the times it overrides; below it, the ticket goes to a human.
The blind test part is never used here.
"""

from collections.abc import Sequence

import numpy as np
from sklearn.calibration import calibration_curve

GRID = tuple(round(0.5 + i * 0.01, 2) for i in range(50)) + (0.995, 0.999, 1.0)


def _confidence(p_si2c) -> tuple[np.ndarray, np.ndarray]:
    """(model team, its probability) of each P(SI2C)."""
    p = np.asarray(p_si2c, dtype=float)
    return np.where(p >= 0.5, "SI2C", "DRASI"), np.maximum(p, 1.0 - p)


def risk_coverage(
    truth: Sequence[str], p_si2c: Sequence[float], grid: Sequence[float] = GRID
) -> list[dict]:
    """Coverage and routed accuracy when a ticket is routed only if max(p, 1-p) >= t."""
    team, confidence = _confidence(p_si2c)
    right = team == np.asarray(truth)
    curve = []
    for t in grid:
        mask = confidence >= t
        routed = int(mask.sum())
        curve.append(
            {
                "threshold": float(t),
                "coverage": round(routed / len(right), 4) if len(right) else None,
                "routed_accuracy": round(float(right[mask].mean()), 4) if routed else None,
            }
        )
    return curve


def lowest_reaching(right: np.ndarray, confidence: np.ndarray, target: float) -> float:
    """The lowest grid threshold at which the tickets at or above it are right >= target."""
    for t in GRID:
        mask = confidence >= t
        if not mask.any() or right[mask].mean() >= target:
            return float(t)
    return GRID[-1]


def choose(
    sets: Sequence[tuple[Sequence[str], Sequence[float], Sequence[str | None]]],
    *,
    target: float,
    floor: float,
    override_floor: float,
) -> dict:
    """Thresholds reaching ``target`` on every set of (truth, P(SI2C), prefix read)."""
    routing, override = [], []
    for truth, p_si2c, prefixes in sets:
        team, confidence = _confidence(p_si2c)
        right = team == np.asarray(truth)
        prefixes = np.array([p or "" for p in prefixes])
        none = prefixes == ""
        disputed = ~none & (prefixes != team)
        routing.append(lowest_reaching(right[none], confidence[none], target))
        override.append(lowest_reaching(right[disputed], confidence[disputed], target))
    return {
        "threshold": max([*routing, floor]),
        "override_threshold": max([*override, override_floor]),
        "per_set": {"threshold": routing, "override_threshold": override},
    }


def calibration_table(truth: Sequence[str], p_si2c: Sequence[float], bins: int = 10) -> list:
    """Reliability table: per bin of P(SI2C), the count, mean prediction, observed share."""
    y = (np.asarray(truth) == "SI2C").astype(int)
    p = np.asarray(p_si2c, dtype=float)
    if len(set(y)) < 2:
        return []
    observed, mean_p = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    # the bins calibration_curve uses (it returns the non-empty ones only, without counts)
    index = np.searchsorted(np.linspace(0.0, 1.0, bins + 1)[1:-1], p)
    counts = np.bincount(index, minlength=bins)
    edges = [b for b in range(bins) if counts[b]]
    return [
        {
            "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
            "n": int(counts[b]),
            "mean_p": round(float(m), 3),
            "observed": round(float(o), 3),
        }
        for b, o, m in zip(edges, observed, mean_p, strict=True)
    ]
