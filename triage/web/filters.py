"""Template helpers: French labels, dates, age colours."""

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, current_app

SOURCE_LABELS = {
    "prefix": "préfixe",
    "model": "modèle",
    "prefix+model": "préfixe + modèle",
    "agent": "agent",
    "itop": "iTop",
    "escalation": "escalade",
}
TEAM_LABELS = {
    "SI2C": "SI2C",
    "DRASI": "DRASI",
    "NATIONAL": "National",
    "UNASSIGNED": "Non attribué",
}
ROLE_LABELS = {"agent": "agent", "supervisor": "superviseur", "admin": "administrateur"}


def source_label(source: str | None, confidence: float | None = None) -> str:
    """How a team was decided, in French, with the model's confidence when it decided."""
    label = SOURCE_LABELS.get(source or "", "—")
    if source in ("model", "prefix+model") and confidence is not None:
        label += f" ({round(confidence * 100)} %)"
    return label


def local_time(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A time in iTop's time zone, French layout."""
    if value is None:
        return "—"
    zone = ZoneInfo(current_app.config.get("ITOP_TIMEZONE", "Europe/Paris"))
    return value.astimezone(zone).strftime(fmt)


def age_class(age: float) -> str:
    """green / amber from WARNING_DAYS / red past ESCALATION_DAYS."""
    if age > current_app.config["ESCALATION_DAYS"]:
        return "age-late"
    if age >= current_app.config["WARNING_DAYS"]:
        return "age-warn"
    return "age-ok"


def percent(value: float | None) -> str:
    """A share as a French percentage."""
    if value is None:
        return "—"
    return f"{value * 100:.0f} %".replace(".", ",")


def duration(value) -> str:
    """A timedelta or a number of days, as days."""
    if isinstance(value, dt.timedelta):
        value = value.total_seconds() / 86400
    try:
        return f"{float(value):.1f} j".replace(".", ",")
    except (TypeError, ValueError):
        return str(value)


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    app.jinja_env.filters.update(
        source_label=source_label,
        local_time=local_time,
        age_class=age_class,
        percent=percent,
        duration=duration,
        team_label=lambda team: TEAM_LABELS.get(team or "", team or "—"),
        role_label=lambda role: ROLE_LABELS.get(role, role),
    )
