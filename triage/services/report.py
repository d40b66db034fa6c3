"""The committee's report for a period: the seed's table, the trend, the ages, the schools in
difficulty, the national response time.

The period is the tickets created from ``du`` to ``au`` (local days, both included), seen as
they stood at the end of ``au`` (or now, when ``au`` is today or later): a ticket is open then
when it is open now or was resolved after that moment. Each ticket counts in its current queue.
"""

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import QUEUES, Ticket, in_backlog, utcnow
from triage.services import difficulty
from triage.services.ages import overdue_before
from triage.services.dashboard import AGE_BUCKETS, backlog_trend
from triage.services.national import national_times

MAX_DAYS = 3660


class InvalidPeriod(ValueError):
    """A period that cannot be read (French message)."""


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end`` (local days, included)."""

    start: dt.date
    end: dt.date


def _day(raw: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidPeriod(f"« {name} » doit être une date AAAA-MM-JJ (reçu « {raw} »).") from exc


def parse_period(du: str | None, au: str | None, *, today: dt.date) -> Period:
    """The period of ``?du=&au=``; default: the school year so far (from 1 September)."""
    end = _day(au, "au") if au else today
    if du:
        start = _day(du, "du")
    else:
        start = dt.date(end.year if end.month >= 9 else end.year - 1, 9, 1)
    if start > end:
        raise InvalidPeriod("La date « du » doit précéder la date « au ».")
    if (end - start).days > MAX_DAYS:
        raise InvalidPeriod("La période est limitée à dix ans.")
    return Period(start=start, end=end)


def _bounds(period: Period, settings: Settings, now: dt.datetime) -> tuple[dt.datetime, ...]:
    tz = settings.tz
    start = dt.datetime.combine(period.start, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start, end, min(end, now)


def _rows(session: Session, settings: Settings, period: Period, now: dt.datetime):
    """(team, created_at, open at the end, iTop origin) of the period's tickets."""
    start, end, as_of = _bounds(period, settings, now)
    open_then = sa.or_(Ticket.is_open, Ticket.resolved_at > as_of)
    query = select(Ticket.team, Ticket.created_at, open_then, Ticket.origin).where(
        in_backlog(settings.itop_service), Ticket.created_at >= start, Ticket.created_at < end
    )
    return as_of, list(session.exec(query))


def _table(rows, as_of: dt.datetime, settings: Settings) -> dict:
    cutoff = overdue_before(as_of, settings)
    table = {key: {"total": 0, **dict.fromkeys(QUEUES, 0)} for key in
             ("all", "open", "open_over_threshold")}  # fmt: skip
    for team, created, is_open, _ in rows:
        keys = ["all"] + (["open"] if is_open else []) + (
            ["open_over_threshold"] if is_open and created < cutoff else [])  # fmt: skip
        for key in keys:
            table[key][team] = table[key].get(team, 0) + 1
            table[key]["total"] += 1
    return table


def _ages(rows, as_of: dt.datetime) -> dict:
    series = {queue: [0] * len(AGE_BUCKETS) for queue in QUEUES}
    for team, created, is_open, _ in rows:
        if not is_open:
            continue
        age = (as_of - created).total_seconds() / 86400
        index = next(i for i, (_, _, high) in enumerate(AGE_BUCKETS) if high is None or age < high)
        series.setdefault(team, [0] * len(AGE_BUCKETS))[index] += 1
    return {"buckets": [label for label, _, _ in AGE_BUCKETS], "series": series}


CHANNEL_LABELS = {"portal": "portail iTop", "mail": "courriel", "phone": "téléphone ou visio"}


def _channels(rows) -> list[tuple[str, int]]:
    """The period's tickets per iTop origin (the form's phone and visio requests are calls)."""
    counts: dict[str, int] = {}
    for *_, origin in rows:
        label = CHANNEL_LABELS.get(origin or "", origin or "non renseigné")
        counts[label] = counts.get(label, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def _trend(session: Session, period: Period) -> dict:
    """The daily snapshots of the period only."""
    trend = backlog_trend(session=session, days=(period.end - period.start).days, today=period.end)
    keep = [i for i, day in enumerate(trend["days"]) if day <= period.end.isoformat()]
    return {
        "days": [trend["days"][i] for i in keep],
        "series": {team: [values[i] for i in keep] for team, values in trend["series"].items()},
    }


def committee_report(
    *, session: Session, settings: Settings, period: Period, now: dt.datetime | None = None,
    schools: int = 10,
) -> dict:  # fmt: skip
    """Everything /rapport shows for the period."""
    now = now or utcnow()
    as_of, rows = _rows(session, settings, period, now)
    table = _table(rows, as_of, settings)
    ranked = difficulty.ranking(session=session, settings=settings, now=as_of)
    return {
        "period": period,
        "as_of": as_of,
        "table": {
            "as_of": as_of.astimezone(settings.tz).isoformat(timespec="seconds"),
            "since": period.start.isoformat(),
            "threshold_days": settings.escalation_days,
            **table,
        },
        "trend": _trend(session, period),
        "ages": _ages(rows, as_of),
        "channels": _channels(rows),
        "schools": [d for d in ranked if d.score > 0][:schools],
        "national": national_times(session=session, settings=settings, period=period),
    }
