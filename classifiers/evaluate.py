"""Measures of a router on labelled tickets, the prefix-only baseline, risk-coverage curves."""

from collections.abc import Sequence

import numpy as np

from classifiers.prefix import read_prefix

TEAMS = ("SI2C", "DRASI")
GRID = tuple(round(0.5 + i * 0.01, 2) for i in range(50)) + (0.995, 0.999, 1.0)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _macro_f1(truth: list[str], predicted: list[str | None]) -> float | None:
    """Macro-F1 over the two teams; an unrouted ticket counts as a miss for its team."""
    scores = []
    for team in TEAMS:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == team and p == team)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != team and p == team)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == team and p != team)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return round(float(np.mean(scores)), 4) if truth else None


def _group(truth: list[str], predicted: list[str | None]) -> dict:
    """Coverage and accuracy of one set of tickets."""
    routed = [(t, p) for t, p in zip(truth, predicted, strict=True) if p is not None]
    right = sum(1 for t, p in routed if t == p)
    return {
        "n": len(truth),
        "routed": len(routed),
        "coverage": _ratio(len(routed), len(truth)),
        "routed_accuracy": _ratio(right, len(routed)),
        "accuracy": _ratio(right, len(truth)),
    }


def prefix_category(record: dict, read: str | None) -> str:
    """``none``, ``right`` or ``wrong``: the typed prefix against the true team."""
    prefix = record["prefix"] if "prefix" in record else read
    if prefix is None:
        return "none"
    return "right" if prefix == record["team"] else "wrong"


def summarize(records: Sequence[dict], outputs: Sequence[dict]) -> dict:
    """Accuracy of routed tickets, coverage, macro-F1, confusion, wrong-prefix catch rate."""
    truth = [r["team"] for r in records]
    predicted = [o["team"] for o in outputs]
    report = _group(truth, predicted)
    report["macro_f1"] = _macro_f1(truth, predicted)
    report["confusion"] = {
        t: {
            p or "null": sum(1 for a, b in zip(truth, predicted, strict=True) if a == t and b == p)
            for p in (*TEAMS, None)
        }
        for t in TEAMS
    }
    categories: dict[str, list[int]] = {"none": [], "right": [], "wrong": []}
    for i, (record, output) in enumerate(zip(records, outputs, strict=True)):
        categories[prefix_category(record, output.get("prefix"))].append(i)
    report["by_prefix"] = {
        name: _group([truth[i] for i in idx], [predicted[i] for i in idx])
        for name, idx in categories.items()
    }
    wrong = categories["wrong"]
    report["wrong_prefix"] = {
        "n": len(wrong),
        "caught": _ratio(sum(1 for i in wrong if outputs[i].get("requalify")), len(wrong)),
        "rerouted": _ratio(sum(1 for i in wrong if predicted[i] == truth[i]), len(wrong)),
    }
    labelled = [
        (r["prefix"], o.get("prefix"), r.get("id"), r.get("title"))
        for r, o in zip(records, outputs, strict=True)
        if "prefix" in r
    ]
    misread = [{"id": i, "title": t, "expected": e, "read": g} for e, g, i, t in labelled if e != g]
    report["prefix_read"] = {
        "n": len(labelled),
        "right": len(labelled) - len(misread),
        "misread": misread[:20],
    }
    return report


def prefix_only_outputs(records: Sequence[dict]) -> list[dict]:
    """Routing by the typed prefix alone (today's desk): no prefix, no team."""
    outputs = []
    for record in records:
        team = read_prefix(record.get("title") or "").team
        outputs.append({"team": team, "prefix": team, "requalify": False, "source": "prefix"})
    return outputs


def risk_coverage(
    truth: Sequence[str], p_si2c: Sequence[float], grid: Sequence[float] = GRID
) -> list[dict]:
    """Coverage and routed accuracy when a ticket is routed only if max(p, 1-p) >= t."""
    truth_arr = np.asarray(truth)
    p = np.asarray(p_si2c, dtype=float)
    confidence = np.maximum(p, 1.0 - p)
    right = np.where(p >= 0.5, "SI2C", "DRASI") == truth_arr
    curve = []
    for t in grid:
        mask = confidence >= t
        routed = int(mask.sum())
        curve.append(
            {
                "threshold": float(t),
                "coverage": _ratio(routed, len(p)),
                "routed_accuracy": _ratio(int(right[mask].sum()), routed),
            }
        )
    return curve


def choose_threshold(curve: Sequence[dict], target: float) -> float:
    """The lowest threshold whose routed accuracy reaches ``target`` (else the highest)."""
    for point in curve:
        if point["routed_accuracy"] is not None and point["routed_accuracy"] >= target:
            return point["threshold"]
    return curve[-1]["threshold"]


def choose_override(
    truth: Sequence[str],
    p_si2c: Sequence[float],
    prefixes: Sequence[str | None],
    grid: Sequence[float] = GRID,
) -> float:
    """The lowest override threshold with the fewest routing errors on prefixed tickets."""
    best, best_errors = grid[-1], None
    cases = [
        (t, p, pre)
        for t, p, pre in zip(truth, p_si2c, prefixes, strict=True)
        if pre is not None and ("SI2C" if p >= 0.5 else "DRASI") != pre
    ]
    for threshold in grid:
        errors = 0
        for team, p, prefix in cases:
            model_team, confidence = ("SI2C", p) if p >= 0.5 else ("DRASI", 1.0 - p)
            errors += (model_team if confidence >= threshold else prefix) != team
        if best_errors is None or errors < best_errors:
            best, best_errors = threshold, errors
    return float(best)


def brier(truth: Sequence[str], p_si2c: Sequence[float]) -> float:
    """Brier score of P(SI2C)."""
    y = (np.asarray(truth) == "SI2C").astype(float)
    return round(float(np.mean((np.asarray(p_si2c, dtype=float) - y) ** 2)), 5)


def log_loss(truth: Sequence[str], p_si2c: Sequence[float]) -> float:
    """Log-loss of P(SI2C)."""
    y = np.asarray(truth) == "SI2C"
    p = np.clip(np.asarray(p_si2c, dtype=float), 1e-9, 1 - 1e-9)
    return round(float(-np.mean(np.where(y, np.log(p), np.log(1 - p)))), 5)


def calibration_table(truth: Sequence[str], p_si2c: Sequence[float], bins: int = 10) -> list:
    """Reliability table: per bin of P(SI2C), the mean prediction and the observed share."""
    y = (np.asarray(truth) == "SI2C").astype(float)
    p = np.asarray(p_si2c, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    table = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            table.append(
                {
                    "bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                    "n": int(mask.sum()),
                    "mean_p": round(float(p[mask].mean()), 3),
                    "observed": round(float(y[mask].mean()), 3),
                }
            )
    return table


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def format_report(router: dict, baseline: dict | None = None) -> str:
    """A text table: the router beside prefix-only routing, then the router's details."""
    rows = [
        ("tickets", "n"),
        ("routed accuracy", "routed_accuracy"),
        ("coverage", "coverage"),
        ("accuracy (all)", "accuracy"),
        ("macro-F1", "macro_f1"),
    ]
    lines = [f"{'':28}{'router':>10}{'prefix only':>14}"]
    for label, key in rows:
        values = [router[key], baseline[key] if baseline else None]
        cells = [f"{v:>10}" if key == "n" else f"{_pct(v):>10}" for v in values]
        lines.append(f"{label:28}{cells[0]}{cells[1]:>14}")
    wrong = router["wrong_prefix"]
    lines.append(
        f"{'wrong prefixes caught':28}{_pct(wrong['caught']):>10}"
        f"{_pct(0.0 if wrong['n'] else None):>14}"
    )
    lines.append(
        f"{'wrong prefixes rerouted':28}{_pct(wrong['rerouted']):>10}"
        f"{_pct(0.0 if wrong['n'] else None):>14}"
    )
    lines.append("")
    lines.append("by prefix     n   routed  routed accuracy  (prefix only: routed accuracy)")
    for name, group in router["by_prefix"].items():
        base = (baseline or {}).get("by_prefix", {}).get(name, {})
        lines.append(
            f"  {name:8}{group['n']:>6}  {_pct(group['coverage'])}  "
            f"{_pct(group['routed_accuracy']):>15}  {_pct(base.get('routed_accuracy'))}"
        )
    lines.append("")
    lines.append("confusion (rows: true team)   SI2C   DRASI   null")
    for team, row in router["confusion"].items():
        lines.append(f"  {team:28}{row['SI2C']:>5}{row['DRASI']:>8}{row['null']:>7}")
    read = router["prefix_read"]
    if read["n"]:
        lines.append("")
        lines.append(f"prefixes read right: {read['right']}/{read['n']}")
        for miss in read["misread"]:
            lines.append(
                f"  misread {miss['id']}: expected {miss['expected']}, "
                f"read {miss['read']}: {miss['title']}"
            )
    return "\n".join(lines)
