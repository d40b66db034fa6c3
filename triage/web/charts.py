"""Server-drawn SVG charts: geometry computed here, drawn by Jinja (escaped, no script).

The charts are as wide as their card: horizontal positions are percentages of the width,
vertical ones pixels, and the text is never scaled (13 px on a phone as on a desktop). Only
the lines of the trend chart are drawn in a stretched inner SVG (``viewBox`` 0..1000, with
``vector-effect: non-scaling-stroke``), since a polyline takes no percentages.
"""

import textwrap
from collections.abc import Callable
from typing import Any

from triage.models import QUEUES  # the series are drawn in the queues' order

NICE_STEPS = (1, 2, 3, 5, 10, 15, 20, 25, 50, 75, 100, 150, 200, 250, 500, 750, 1000)
LEFT, RIGHT = 8.0, 98.0  # the plot, in % of the width: axis labels on the left, room for markers
LINE_SPAN = 1000  # the inner SVG's horizontal user units


def _nice_max(value: int) -> int:
    """A round upper bound for an axis: four round ticks (0, 15, 30, 45, 60)."""
    for step in NICE_STEPS:
        if 4 * step >= value:
            return 4 * step
    step = 10 ** (len(str(value)) - 1)
    return ((value + step - 1) // step) * step


def _ticks(top: int, y) -> list[dict]:
    return [{"y": y(top * k / 4), "label": round(top * k / 4)} for k in range(5)]


def _french_day(day: str) -> str:
    """YYYY-MM-DD the French way, short: DD/MM."""
    return f"{day[8:10]}/{day[5:7]}"


def _y_scale(top: float, plot_bottom: float, top_pad: float) -> Callable[[float], float]:
    """The y coordinate of a value, for a plot from ``top_pad`` down to ``plot_bottom``."""
    inner_h = plot_bottom - top_pad
    return lambda value: round(plot_bottom - inner_h * value / top, 1)


def _day_labels(days: list[str], marked: list[int], x_pct: Callable[[int], float]) -> list:
    """The x-axis labels of the marked days (first left-aligned, last right-aligned)."""
    labels = []
    for n, i in enumerate(marked):
        anchor = "start" if n == 0 else "end" if n == len(marked) - 1 else "middle"
        labels.append({"x": x_pct(i), "label": _french_day(days[i]), "anchor": anchor})
    return labels


def line_chart(
    days: list[str],
    series: dict[str, list[int]],
    *,
    height: int = 240,
    top_pad: int = 26,
    bottom_pad: int = 30,
) -> dict[str, Any]:
    """The open backlog per team over the days: lines, markers on the labelled days."""
    top = _nice_max(max([v for values in series.values() for v in values] or [0]))
    y = _y_scale(top, height - bottom_pad, top_pad)
    last = max(len(days) - 1, 1)

    def x_pct(i: int) -> float:
        return round(LEFT + (RIGHT - LEFT) * i / last, 2) if len(days) > 1 else 50.0

    marked = sorted({round(k * (len(days) - 1) / 4) for k in range(5)}) if days else []
    lines = []
    for team in QUEUES:
        values = series.get(team) or []
        if any(values):
            span = LINE_SPAN / last
            points = " ".join(f"{round(i * span, 1)},{y(v)}" for i, v in enumerate(values))
            markers = [{"x": x_pct(i), "y": y(values[i]), "value": values[i]} for i in marked]
            lines.append({"team": team, "points": points, "last": values[-1], "markers": markers})
    rows = [{"day": _french_day(day), "values": {t: (series.get(t) or [])[i] for t in series}}
            for i, day in enumerate(days)]
    return {
        "height": height, "span": LINE_SPAN, "left": LEFT, "plot_width": RIGHT - LEFT,
        "lines": lines, "ticks": _ticks(top, y), "labels": _day_labels(days, marked, x_pct),
        "label_y": height - 8, "last_day": _french_day(days[-1]) if days else "",
        "rows": rows, "teams": [line["team"] for line in lines], "empty": not days,
    }


def _stack(column: dict[str, int], *, x: float, w: float, bottom: float, scale: float,
           label: str) -> tuple[list[dict], float]:
    """One bar's segments, bottom to top in QUEUES; returns them and the top of the bar."""
    segments, base = [], float(bottom)
    for team in QUEUES:
        value = column.get(team, 0)
        if value:
            h = scale * value
            base -= h
            segments.append({"team": team, "x": x, "y": round(base, 1), "w": w,
                             "h": round(h, 1), "value": value, "label": label})
    return segments, base


def stacked_bars(
    buckets: list[str],
    series: dict[str, list[int]],
    *,
    height: int = 240,
    top_pad: int = 26,
    bottom_pad: int = 40,
) -> dict[str, Any]:
    """Bars per age bucket, stacked by team (bottom to top in QUEUES)."""
    columns = [{t: (series.get(t) or [0] * len(buckets))[i] for t in series}
               for i in range(len(buckets))]
    totals = [sum(column.get(t, 0) for t in QUEUES) for column in columns]
    top = _nice_max(max(totals or [0]))
    plot_bottom = height - bottom_pad
    scale = (plot_bottom - top_pad) / top
    slot = (RIGHT - LEFT) / max(len(buckets), 1)
    bar_w = round(slot * 0.6, 2)
    bars, labels = [], []
    for i, label in enumerate(buckets):
        x = round(LEFT + i * slot + (slot - bar_w) / 2, 2)
        segments, base = _stack(columns[i], x=x, w=bar_w, bottom=plot_bottom, scale=scale,
                                label=label)
        bars += segments
        labels.append({"x": round(x + bar_w / 2, 2), "lines": textwrap.wrap(label, 7) or [label],
                       "total": totals[i], "total_y": round(base - 6, 1)})
    rows = [{"label": label, "values": columns[i], "total": totals[i]}
            for i, label in enumerate(buckets)]
    return {
        "height": height, "bars": bars, "labels": labels, "label_y": plot_bottom + 17,
        "ticks": _ticks(top, _y_scale(top, plot_bottom, top_pad)), "rows": rows,
        "teams": [t for t in QUEUES if any(series.get(t) or [])], "empty": not any(totals),
    }


def hbars(rows: list[dict]) -> dict:
    """Open and overdue tickets per establishment: bar lengths in % of the largest."""
    top = max([r["open"] for r in rows] or [1]) or 1
    items = []
    for row in rows:
        w_open = round(100 * row["open"] / top, 2)
        w_late = round(100 * row["overdue"] / top, 2)
        gap = 1.0 if 0 < w_late < w_open else 0.0  # a white gap between the two parts
        rest = max(w_open - w_late - gap, 0)
        items.append({**row, "w_late": w_late, "x_rest": w_late + gap, "w_rest": rest})
    return {"rows": items}
