"""``triage evaluate`` as text: the router beside prefix-only routing, then the details."""

from classifiers.evaluate import headline

_HEADLINE = (
    ("right when routed", "routed_accuracy"),
    ("routed", "coverage"),
    ("wrong prefixes caught", "wrong_prefix_caught"),
    ("DRASI right when routed", "DRASI_routed_accuracy"),
    ("SI2C right when routed", "SI2C_routed_accuracy"),
)


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def _groups(title: str, groups: dict, baseline: dict) -> list[str]:
    """One line per group: tickets, routed, right when routed (and prefix only's)."""
    lines = ["", f"{title:14}{'n':>6}  routed  right when routed  (prefix only: right)"]
    for name, group in groups.items():
        base = baseline.get(name, {})
        lines.append(
            f"  {name:12}{group['n']:>6}  {_pct(group['coverage'])}  "
            f"{_pct(group['routed_accuracy']):>17}  {_pct(base.get('routed_accuracy'))}"
        )
    return lines


def _prefix_reading(router: dict) -> list[str]:
    read = router["prefix_read"]
    if not read["n"]:
        return []
    lines = ["", f"prefixes read right: {read['right']}/{read['n']}"]
    for miss in read["misread"]:
        lines.append(
            f"  misread {miss['id']}: expected {miss['expected']}, "
            f"read {miss['read']}: {miss['title']}"
        )
    return lines


def format_report(router: dict, baseline: dict | None = None) -> str:
    """A text table: the goal's figures, router beside prefix only, then every breakdown."""
    baseline = baseline or {}
    mine, base = headline(router), headline(baseline) if baseline else {}
    lines = [f"{'':28}{'router':>10}{'prefix only':>14}", f"{'tickets':28}{router['n']:>10}"]
    for label, key in _HEADLINE:
        lines.append(f"{label:28}{_pct(mine[key]):>10}{_pct(base.get(key)):>14}")
    wrong = router["wrong_prefix"]
    lines.append(f"{'  rerouted to the right team':28}{_pct(wrong['rerouted']):>10}")
    lines.append(f"{'  left to a human':28}{_pct(wrong['left_to_human']):>10}")
    lines.append(
        f"{'all tickets right':28}{_pct(router['accuracy']):>10}"
        f"{_pct(baseline.get('accuracy')):>14}"
    )
    lines.append(
        f"{'macro-F1':28}{_pct(router['macro_f1']):>10}{_pct(baseline.get('macro_f1')):>14}"
    )
    lines += _groups("by team", router["by_team"], baseline.get("by_team", {}))
    lines += _groups("by prefix", router["by_prefix"], baseline.get("by_prefix", {}))
    if router.get("by_difficulty"):
        lines += _groups(
            "by difficulty", router["by_difficulty"], baseline.get("by_difficulty", {})
        )
    lines += ["", "confusion (rows: true team)   SI2C   DRASI   null"]
    for team, row in router["confusion"].items():
        lines.append(f"  {team:28}{row['SI2C']:>5}{row['DRASI']:>8}{row['null']:>7}")
    return "\n".join(lines + _prefix_reading(router))
