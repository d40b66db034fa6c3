"""Template helpers: French labels, dates, age colours."""

import datetime as dt

from flask import Flask
from markupsafe import Markup

from triage.config import get_settings
from triage.models import Team
from triage.web import labels

SOURCE_LABELS = {
    "prefix": "préfixe",
    "model": "modèle",
    "prefix+model": "préfixe + modèle",
    "agent": "agent",
    "itop": "iTop",
    "escalation": "escalade",
}
TEAM_LABELS = {
    Team.SI2C: "SI2C",
    Team.DRASI: "DRASI",
    Team.NATIONAL: "National",
    Team.UNASSIGNED: "Non attribué",
}
ROLE_LABELS = {"agent": "agent", "supervisor": "superviseur", "admin": "administrateur"}


def confidence_text(value: float) -> str:
    """A probability as a French percentage; never "100 %" for a model that may be wrong."""
    if 0.995 <= value < 1:
        return "> 99 %"
    return f"{round(value * 100)} %"


def source_label(source: str | None, confidence: float | None = None) -> str:
    """How a team was decided, in French, with the model's confidence when it decided."""
    label = SOURCE_LABELS.get(source or "", "—")
    if source in ("model", "prefix+model") and confidence is not None:
        label += f" ({confidence_text(confidence)})"
    return label


JOB_LABELS = {
    "poll": "Relève iTop",
    "age_check": "Contrôle des âges",
    "outbox": "Envoi des courriels",
    "itop_writeback": "Écriture iTop",
    "snapshot": "Photo quotidienne",
    "retrain": "Réentraînement nocturne",
    "retrain_request": "Réentraînement",
    "digest": "Synthèse hebdomadaire",
}


def _moment(value: dt.datetime | str | None) -> dt.datetime | None:
    """A datetime from a datetime or an ISO 8601 string (services hand both)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def local_time(value: dt.datetime | str | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A time in iTop's time zone, French layout."""
    moment = _moment(value)
    if moment is None:
        return "—" if not value else str(value)
    return moment.astimezone(get_settings().tz).strftime(fmt)


def relative(value: dt.datetime | str | None, now: dt.datetime | None = None) -> str:
    """How long ago (or in how long), in French words: "il y a 2 min", "dans 3 h"."""
    moment = _moment(value)
    if moment is None:
        return ""
    seconds = ((now or dt.datetime.now(dt.UTC)) - moment).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "à l'instant"
    for size, unit in ((86400 * 30, "mois"), (86400, "j"), (3600, "h"), (60, "min")):
        if span >= size:
            text = f"{int(span // size)}\u00a0{unit}"  # "13 j" never split over two lines
            return f"il y a {text}" if seconds > 0 else f"dans {text}"
    return ""


def when(value: dt.datetime | str | None) -> str:
    """A local time with a relative hint: "28/11/2026 16:32 (il y a 2 min)"."""
    hint = relative(value)
    return local_time(value) + (f" ({hint})" if hint else "")


def age_class(age: float) -> str:
    """green / amber from WARNING_DAYS / red past ESCALATION_DAYS."""
    settings = get_settings()
    if age > settings.escalation_days:
        return "age-late"
    if age >= settings.warning_days:
        return "age-warn"
    return "age-ok"


def age_days(value: float) -> Markup:
    """Whole days with a non-breaking space, so "14 j" never wraps."""
    return Markup("%d&nbsp;j") % int(value)


def itop_url(ticket) -> str | None:
    """The ticket's page in iTop (ITOP_UI_URL, else ITOP_URL), or None when neither is set."""
    itop_id = getattr(ticket, "itop_id", None)
    if itop_id is None:
        return None
    return get_settings().itop_ticket_url(itop_id)


def percent(value: float | None) -> str:
    """A share as a French percentage."""
    if value is None:
        return "—"
    return f"{value * 100:.0f} %".replace(".", ",")


def hours(value: float | None) -> str:
    """A number of hours in French: "5,5 h", or in days past two days ("3,2 j")."""
    if value is None:
        return "—"
    text = f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} j"
    return text.replace(".", ",")


def duration(value) -> str:
    """A timedelta or a number of days, as days."""
    if isinstance(value, dt.timedelta):
        value = value.total_seconds() / 86400
    try:
        return f"{float(value):.1f}\u00a0j".replace(".", ",")  # never wraps
    except (TypeError, ValueError):
        return str(value)


def init_app(app: Flask) -> None:
    """Register the filters and globals."""
    app.jinja_env.filters.update(
        source_label=source_label,
        local_time=local_time,
        relative=relative,
        when=when,
        job_label=lambda job_id: JOB_LABELS.get(job_id, job_id),
        age_class=age_class,
        percent=percent,
        confidence=confidence_text,
        decimal=lambda value, digits=2: f"{float(value):+.{digits}f}".replace(".", ","),
        duration=duration,
        hours=hours,
        team_label=lambda team: TEAM_LABELS.get(team or "", team or "—"),
        role_label=lambda role: ROLE_LABELS.get(role, role),
        age_days=age_days,
        itop_url=itop_url,
        status_label=labels.status_label,
        actor_label=labels.actor_label,
        scale_label=labels.itop_scale_label,
        origin_label=labels.origin_label,
        decision_label=labels.decision_label,
        outbox_label=labels.outbox_label,
        job_outcome=labels.job_outcome,
    )
