"""backfill_snapshots: past days rebuilt from the tickets, existing days left alone."""

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import select

from tests.plugins.factories import make_ticket
from triage.models import BacklogSnapshot
from triage.services.snapshots import backfill_snapshots, snapshot_series

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=PARIS)


def _ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def _day(session, back: int) -> dict:
    wanted = (NOW.date() - dt.timedelta(days=back)).isoformat()
    return next(entry for entry in snapshot_series(session=session) if entry["day"] == wanted)


def _scenario(session) -> None:
    session.add_all(
        [
            make_ticket(team="DRASI", status="assigned", created_at=_ago(20)),
            make_ticket(team="SI2C", status="resolved", created_at=_ago(10), resolved_at=_ago(5)),
            # closed without a resolution date: open until its last update
            make_ticket(team="NATIONAL", status="closed", created_at=_ago(3), updated_at=_ago(1)),
            make_ticket(team="DRASI", status="new", created_at=_ago(8), service="Autre"),
        ]
    )
    session.commit()


def test_past_days_are_rebuilt_from_creation_and_resolution_dates(session, settings):
    _scenario(session)

    added = backfill_snapshots(session=session, settings=settings, days=30, now=NOW)

    assert added == 30 * 4
    assert NOW.date().isoformat() not in {e["day"] for e in snapshot_series(session=session)}
    assert _day(session, 25)["DRASI"] == {"total": 0, "open": 0, "overdue": 0}  # before any ticket
    assert _day(session, 10)["DRASI"] == {"total": 1, "open": 1, "overdue": 0}  # ~10.5 days old
    assert _day(session, 2)["DRASI"] == {"total": 1, "open": 1, "overdue": 1}  # ~18.5 days old
    assert _day(session, 7)["SI2C"] == {"total": 1, "open": 1, "overdue": 0}
    assert _day(session, 4)["SI2C"] == {"total": 1, "open": 0, "overdue": 0}  # resolved 5 days ago
    assert _day(session, 2)["NATIONAL"]["open"] == 1 and _day(session, 1)["NATIONAL"]["open"] == 0
    assert all(e["UNASSIGNED"]["total"] == 0 for e in snapshot_series(session=session))


def test_existing_days_are_kept_and_a_second_run_adds_nothing(session, settings):
    _scenario(session)
    yesterday = NOW.date() - dt.timedelta(days=1)
    session.add(BacklogSnapshot(day=yesterday, team="DRASI", total=7, open=7, overdue=7))
    session.commit()

    assert backfill_snapshots(session=session, settings=settings, days=3, now=NOW) == 3 * 4 - 1
    assert backfill_snapshots(session=session, settings=settings, days=3, now=NOW) == 0

    kept = session.exec(
        select(BacklogSnapshot).where(
            BacklogSnapshot.day == yesterday, BacklogSnapshot.team == "DRASI"
        )
    ).one()
    assert (kept.total, kept.open, kept.overdue) == (7, 7, 7)
    assert _day(session, 1)["SI2C"] == {"total": 1, "open": 0, "overdue": 0}
