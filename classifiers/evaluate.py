"""Measures of a router on labelled tickets: overall, by team, by prefix state, by difficulty.

"Right when routed" is the share of routed tickets sent to their true team; "routed" the share
given a team at all (the rest is left to a human); a wrong prefix is "caught" when the ticket
is NOT sent to the team the prefix names (rerouted to the right team, or left to a human).
Each team's figure is that of the tickets truly of that team (rows of the confusion).
"""

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, brier_score_loss, confusion_matrix, f1_score
from sklearn.metrics import log_loss as sk_log_loss

from classifiers.prefix import read_prefix

TEAMS = ("SI2C", "DRASI")
NULL = "null"  # an unrouted ticket, in the confusion and the F1


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _group(truth: Sequence[str], predicted: Sequence[str | None]) -> dict:
    """Coverage and accuracy of one set of tickets."""
    routed = [(t, p) for t, p in zip(truth, predicted, strict=True) if p is not None]
    right = (
        round(accuracy_score([t for t, _ in routed], [p for _, p in routed], normalize=False))
        if routed
        else 0
    )
    return {
        "n": len(truth),
        "routed": len(routed),
        "coverage": _ratio(len(routed), len(truth)),
        "routed_accuracy": _ratio(right, len(routed)),
        "accuracy": _ratio(right, len(truth)),
    }


def prefix_category(record: dict, read: str | None) -> str:
    """``none``, ``right`` or ``wrong``: the file's ``prefix_state``, else the typed prefix
    (the file's ``prefix``, else the one read) against the true team."""
    state = record.get("prefix_state")
    if state in ("none", "right", "wrong"):
        return state
    prefix = record["prefix"] if "prefix" in record else read
    if prefix is None:
        return "none"
    return "right" if prefix == record["team"] else "wrong"


def difficulty(record: dict) -> str | None:
    """``hard`` or ``normal`` when the file says so (``difficulty``, or ``hard``)."""
    if record.get("difficulty") in ("hard", "normal"):
        return record["difficulty"]
    if "hard" in record:
        return "hard" if record["hard"] else "normal"
    return None


def _by(key, records, truth, predicted) -> dict:
    """``_group`` of each value of ``key(index)`` (None values left out)."""
    groups: dict[str, list[int]] = {}
    for i in range(len(records)):
        value = key(i)
        if value is not None:
            groups.setdefault(value, []).append(i)
    return {
        name: _group([truth[i] for i in idx], [predicted[i] for i in idx])
        for name, idx in groups.items()
    }


def _wrong_prefix(records, outputs, categories, truth, predicted) -> dict:
    """Wrong prefixes: caught (not sent to the prefixed team), rerouted, left, flagged."""
    wrong = [i for i, c in enumerate(categories) if c == "wrong"]
    typed = [records[i].get("prefix") or outputs[i].get("prefix") for i in wrong]
    return {
        "n": len(wrong),
        "caught": _ratio(
            sum(predicted[i] != p for i, p in zip(wrong, typed, strict=True)), len(wrong)
        ),
        "rerouted": _ratio(sum(predicted[i] == truth[i] for i in wrong), len(wrong)),
        "left_to_human": _ratio(sum(predicted[i] is None for i in wrong), len(wrong)),
        "flagged": _ratio(sum(bool(outputs[i].get("requalify")) for i in wrong), len(wrong)),
    }


def _prefix_read(records, outputs) -> dict:
    labelled = [
        (r["prefix"], o.get("prefix"), r.get("id"), r.get("title"))
        for r, o in zip(records, outputs, strict=True)
        if "prefix" in r
    ]
    misread = [{"id": i, "title": t, "expected": e, "read": g} for e, g, i, t in labelled if e != g]
    return {"n": len(labelled), "right": len(labelled) - len(misread), "misread": misread[:20]}


def summarize(records: Sequence[dict], outputs: Sequence[dict]) -> dict:
    """Right when routed, routed, macro-F1, confusion, per team, per prefix state, per
    difficulty, wrong prefixes caught, prefixes read."""
    truth = [r["team"] for r in records]
    predicted = [o["team"] for o in outputs]
    report = _group(truth, predicted)
    filled = [p or NULL for p in predicted]
    report["macro_f1"] = (
        round(float(f1_score(truth, filled, labels=list(TEAMS), average="macro")), 4)
        if truth
        else None
    )
    labels = [*TEAMS, NULL]
    matrix = confusion_matrix(truth, filled, labels=labels) if truth else np.zeros((3, 3), int)
    report["confusion"] = {
        t: {p: int(matrix[i, j]) for j, p in enumerate(labels)} for i, t in enumerate(TEAMS)
    }
    report["by_team"] = _by(lambda i: truth[i], records, truth, predicted)
    report["precision"] = {
        team: _ratio(matrix[i, i], int(matrix[:2, i].sum())) for i, team in enumerate(TEAMS)
    }
    categories = [
        prefix_category(r, o.get("prefix")) for r, o in zip(records, outputs, strict=True)
    ]
    report["by_prefix"] = {
        name: _group(
            [truth[i] for i, c in enumerate(categories) if c == name],
            [predicted[i] for i, c in enumerate(categories) if c == name],
        )
        for name in ("none", "right", "wrong")
    }
    report["by_difficulty"] = _by(lambda i: difficulty(records[i]), records, truth, predicted)
    report["wrong_prefix"] = _wrong_prefix(records, outputs, categories, truth, predicted)
    report["prefix_read"] = _prefix_read(records, outputs)
    return report


def headline(report: dict) -> dict:
    """The goal's five figures of a summary (for tables and the model card)."""
    teams = report["by_team"]
    return {
        "routed_accuracy": report["routed_accuracy"],
        "coverage": report["coverage"],
        "wrong_prefix_caught": report["wrong_prefix"]["caught"],
        "DRASI_routed_accuracy": (teams.get("DRASI") or {}).get("routed_accuracy"),
        "SI2C_routed_accuracy": (teams.get("SI2C") or {}).get("routed_accuracy"),
    }


def prefix_only_outputs(records: Sequence[dict]) -> list[dict]:
    """Routing by the typed prefix alone (the desk before the router): no prefix, no team."""
    outputs = []
    for record in records:
        team = read_prefix(record.get("title") or "").team
        outputs.append({"team": team, "prefix": team, "requalify": False, "source": "prefix"})
    return outputs


def brier(truth: Sequence[str], p_si2c: Sequence[float]) -> float:
    """Brier score of P(SI2C)."""
    y = (np.asarray(truth) == "SI2C").astype(int)
    return round(float(brier_score_loss(y, np.asarray(p_si2c, dtype=float))), 5)


def log_loss(truth: Sequence[str], p_si2c: Sequence[float]) -> float:
    """Log-loss of P(SI2C)."""
    y = (np.asarray(truth) == "SI2C").astype(int)
    p = np.clip(np.asarray(p_si2c, dtype=float), 1e-9, 1 - 1e-9)
    return round(float(sk_log_loss(y, p, labels=[0, 1])), 5)
