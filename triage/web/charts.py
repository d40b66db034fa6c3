"""Server-drawn SVG charts: geometry computed here, drawn by Jinja (escaped, no script)."""

from typing import Any

from triage.models import QUEUES  # the series are drawn in the queues' order

NICE_STEPS = (1, 2, 3, 5, 10, 15, 20, 25, 50, 75, 100, 150, 200, 250, 500, 750, 1000)


def _nice_max(value: int) -> int:
    """A round upper bound for an axis: four round ticks (0, 15, 30, 45, 60)."""
    for step in NICE_STEPS:
        if 4 * step >= value:
            return 4 * step
    step = 10 ** (len(str(value)) - 1)
    return ((value + step - 1) // step) * step


def line_chart(
    days: list[str],
    series: dict[str, list[int]],
    *,
    width: int = 640,
    height: int = 220,
    pad: int = 36,
) -> dict[str, Any]:
    """Polylines of the open backlog per team over the days."""
    top = _nice_max(max([v for values in series.values() for v in values] or [0]))
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / max(len(days) - 1, 1)

    def y(value: float) -> float:
        return round(pad + inner_h - inner_h * value / top, 1)

    lines = []
    for team in QUEUES:
        values = series.get(team) or []
        if not any(values):
            continue
        points = " ".join(f"{round(pad + i * step, 1)},{y(v)}" for i, v in enumerate(values))
        lines.append({"team": team, "points": points, "last": values[-1]})
    ticks = [{"y": y(top * k / 4), "label": round(top * k / 4)} for k in range(5)]
    labels = []
    if days:
        for i in sorted({round(k * (len(days) - 1) / 4) for k in range(5)}):
            day = days[i]  # YYYY-MM-DD, shown the French way: DD/MM
            labels.append({"x": round(pad + i * step, 1), "label": f"{day[8:10]}/{day[5:7]}"})
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "lines": lines,
        "ticks": ticks,
        "labels": labels,
        "empty": not days,
    }


def stacked_bars(
    buckets: list[str],
    series: dict[str, list[int]],
    *,
    width: int = 640,
    height: int = 220,
    pad: int = 36,
) -> dict[str, Any]:
    """Bars per age bucket, stacked by team."""
    totals = [
        sum(series.get(t, [0] * len(buckets))[i] for t in QUEUES) for i in range(len(buckets))
    ]
    top = _nice_max(max(totals or [0]))
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    slot = inner_w / max(len(buckets), 1)
    bar_w = round(slot * 0.6, 1)
    bars = []
    for i, label in enumerate(buckets):
        x = round(pad + i * slot + (slot - bar_w) / 2, 1)
        base = pad + inner_h
        for team in QUEUES:
            value = (series.get(team) or [0] * len(buckets))[i]
            if not value:
                continue
            h = inner_h * value / top
            base -= h
            bars.append(
                {
                    "team": team,
                    "x": x,
                    "y": round(base, 1),
                    "w": bar_w,
                    "h": round(h, 1),
                    "value": value,
                    "label": label,
                }
            )
    labels = [
        {"x": round(pad + i * slot + slot / 2, 1), "label": label, "total": totals[i]}
        for i, label in enumerate(buckets)
    ]
    ticks = [
        {"y": round(pad + inner_h - inner_h * k / 4, 1), "label": round(top * k / 4)}
        for k in range(5)
    ]
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "empty": not any(totals),
    }


def hbars(rows: list[dict], *, width: int = 640, row_h: int = 24, label_w: int = 260) -> dict:
    """Horizontal bars: open and overdue tickets per establishment."""
    top = max([r["open"] for r in rows] or [1])
    inner = width - label_w - 60
    items = []
    for i, row in enumerate(rows):
        items.append(
            {
                **row,
                "y": i * row_h,
                "w_open": round(inner * row["open"] / top, 1),
                "w_late": round(inner * row["overdue"] / top, 1),
            }
        )
    return {
        "width": width,
        "height": max(len(rows), 1) * row_h,
        "label_w": label_w,
        "row_h": row_h,
        "rows": items,
    }
