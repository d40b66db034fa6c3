"""Ticket ages: calendar days, French working days (holidays, weekends), Alsace-Moselle."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.plugins.factories import make_ticket
from triage.config import Settings, replace_settings
from triage.models import Escalation, Ticket
from triage.services.ages import age_days, is_working_day, overdue_cutoff, settings_age_days
from triage.services.escalation import check_ages, decide_level, thresholds

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_calendar_age_counts_every_day():
    created = paris(2026, 7, 13, 10, 0)
    assert age_days(created, paris(2026, 7, 20, 10, 0)) == 7.0
    assert age_days(created, paris(2026, 7, 13, 22, 0)) == 0.5
    assert age_days(created, paris(2026, 7, 12)) == 0.0  # a clock behind iTop's: never negative


def test_working_days_skip_the_14th_of_july_and_the_weekend():
    # Monday 13 July 2026; Tuesday 14 is Bastille Day; 18-19 are a weekend
    created = paris(2026, 7, 13, 10, 0)
    assert not is_working_day(dt.date(2026, 7, 14))
    assert not is_working_day(dt.date(2026, 7, 18)) and not is_working_day(dt.date(2026, 7, 19))
    ages = {
        day: age_days(created, paris(2026, 7, day, 12, 0), working_days=True)
        for day in range(13, 22)
    }
    #           Mon Tue(holiday) Wed Thu Fri Sat Sun Mon Tue
    assert ages == {13: 0, 14: 0, 15: 1, 16: 2, 17: 3, 18: 3, 19: 3, 20: 4, 21: 5}


def test_alsace_moselle_adds_good_friday():
    created = paris(2026, 4, 2, 9, 0)  # Thursday; Friday 3 April is Good Friday
    now = paris(2026, 4, 7, 9, 0)  # Tuesday after Easter Monday
    assert age_days(created, now, working_days=True) == 2  # Friday and Tuesday
    assert age_days(created, now, working_days=True, alsace_moselle=True) == 1
    config = {"WORKING_DAYS": True, "ALSACE_MOSELLE": True, "ITOP_TIMEZONE": "Europe/Paris"}
    assert settings_age_days(created, now, Settings.from_mapping(config)) == 1


def test_working_day_cutoff_matches_the_age():
    now = paris(2026, 7, 20, 12, 0)  # Monday after the 14th of July and a weekend
    cutoff = overdue_cutoff(now, 4, working_days=True)
    # created on the holiday or before: Wed, Thu, Fri and Mon have passed since
    assert cutoff == paris(2026, 7, 15, 0, 0)
    assert age_days(paris(2026, 7, 14, 23, 59), now, working_days=True) == 4
    assert age_days(paris(2026, 7, 15, 0, 1), now, working_days=True) == 3


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    created=st.datetimes(min_value=dt.datetime(2025, 11, 1), max_value=dt.datetime(2026, 12, 31)),
    elapsed=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=60)),
    days=st.integers(min_value=1, max_value=25),
    alsace=st.booleans(),
)
def test_cutoff_and_age_agree(created, elapsed, days, alsace):
    created = created.replace(tzinfo=dt.UTC)
    now = created + elapsed
    cutoff = overdue_cutoff(now, days, working_days=True, alsace_moselle=alsace)
    age = age_days(created, now, working_days=True, alsace_moselle=alsace)
    assert (created < cutoff) == (age >= days)
    assert (created < overdue_cutoff(now, days)) == (age_days(created, now) > days)


def test_escalation_counts_working_days_when_asked(app, session):
    settings = replace_settings(
        app,
        working_days=True,
        escalation_days=4,
        warning_days=2,
        escalation_to=("national@example.org",),
    )
    ticket = make_ticket(team="DRASI", created_at=paris(2026, 7, 13, 10, 0))
    session.add(ticket)
    session.commit()
    # Sunday 19: 3 working days (the 14th and the weekend do not count): not yet
    assert (
        check_ages(session=session, settings=settings, now=paris(2026, 7, 19, 18))["national"] == 0
    )
    # calendar days would have escalated it on Saturday already
    saturday = paris(2026, 7, 18, 12)
    for working, level in ((True, None), (False, "national")):
        rule = dataclasses.replace(settings, working_days=working)
        limits = thresholds(now=saturday, settings=rule)
        assert decide_level(ticket=ticket, limits=limits, settings=rule) == level
    # Monday 20: the 4th working day
    counts = check_ages(session=session, settings=settings, now=paris(2026, 7, 20, 9))
    assert counts["national"] == 1
    escalation = session.exec(select(Escalation)).one()
    assert (escalation.rule, escalation.threshold_days, escalation.age_days) == ("working", 4, 4)
    assert session.get(Ticket, ticket.id).team == "NATIONAL"
