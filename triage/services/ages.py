"""Ticket ages: calendar days, or French working days (weekends and public holidays)."""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from triage.config import DEFAULT_TZ, Settings


@lru_cache(maxsize=4)
def _french_holidays(alsace_moselle: bool) -> holidays.HolidayBase:
    """France's public holidays; department 57 adds Good Friday and St Stephen's Day."""
    return holidays.France(subdiv="57" if alsace_moselle else None)


def is_working_day(day: dt.date, *, alsace_moselle: bool = False) -> bool:
    """Monday to Friday and not a French public holiday."""
    return day.weekday() < 5 and day not in _french_holidays(alsace_moselle)


def age_days(
    created_at: dt.datetime,
    now: dt.datetime,
    *,
    working_days: bool = False,
    alsace_moselle: bool = False,
    tz: ZoneInfo = DEFAULT_TZ,
) -> float:
    """Age of a ticket: days since creation, or working days elapsed since creation."""
    if not working_days:
        return max((now - created_at).total_seconds() / 86400.0, 0.0)
    start = created_at.astimezone(tz).date()
    end = now.astimezone(tz).date()
    count = 0
    day = start + dt.timedelta(days=1)
    while day <= end:
        if is_working_day(day, alsace_moselle=alsace_moselle):
            count += 1
        day += dt.timedelta(days=1)
    return float(count)


def overdue_cutoff(
    now: dt.datetime,
    days: int,
    *,
    working_days: bool = False,
    alsace_moselle: bool = False,
    tz: ZoneInfo = DEFAULT_TZ,
) -> dt.datetime:
    """The creation time before which a ticket is older than ``days`` (SQL-friendly)."""
    if not working_days:
        return now - dt.timedelta(days=days)
    local_now = now.astimezone(tz)
    day = local_now.date()
    counted = 0
    while counted < days:
        if is_working_day(day, alsace_moselle=alsace_moselle):
            counted += 1
        day -= dt.timedelta(days=1)
    # created strictly before the end of ``day`` means more than ``days`` working days old
    boundary = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return boundary.astimezone(dt.UTC)


def rule_name(settings: Settings) -> str:
    """The counting rule in force: ``calendar`` or ``working`` days."""
    return "working" if settings.working_days else "calendar"


def settings_age_days(created_at: dt.datetime, now: dt.datetime, settings: Settings) -> float:
    """``age_days`` with the app's settings (working days, Alsace-Moselle, time zone)."""
    return age_days(
        created_at,
        now,
        working_days=settings.working_days,
        alsace_moselle=settings.alsace_moselle,
        tz=settings.tz,
    )


def settings_cutoff(now: dt.datetime, days: int, settings: Settings) -> dt.datetime:
    """``overdue_cutoff`` with the app's settings."""
    return overdue_cutoff(
        now,
        days,
        working_days=settings.working_days,
        alsace_moselle=settings.alsace_moselle,
        tz=settings.tz,
    )


def overdue_before(now: dt.datetime, settings: Settings) -> dt.datetime:
    """The creation time before which an open ticket is overdue at ``now`` (the escalation
    threshold, calendar or working days as configured)."""
    return settings_cutoff(now, settings.escalation_days, settings)


def escalation_due(created_at: dt.datetime, settings: Settings) -> dt.datetime:
    """When a ticket created at ``created_at`` becomes overdue (the age check then moves it to
    the national level at its next run): ``escalation_days`` later, calendar or working days."""
    days = settings.escalation_days
    if not settings.working_days:
        return created_at + dt.timedelta(days=days)
    day, counted = created_at.astimezone(settings.tz).date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, alsace_moselle=settings.alsace_moselle):
            counted += 1
    return dt.datetime.combine(day, dt.time(), tzinfo=settings.tz).astimezone(dt.UTC)
