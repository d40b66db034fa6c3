"""Daily backlog snapshots per queue, for the trend charts of the supervisors' page."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.models import QUEUES, BacklogSnapshot, utcnow
from triage.services.stats import backlog_for_app


def take_snapshot(
    *, session: Session, config: Any, now: dt.datetime | None = None
) -> list[BacklogSnapshot]:
    """Record today's backlog per queue; run again the same day, it refreshes the same rows."""
    now = now or utcnow()
    day = now.astimezone(ZoneInfo(config["ITOP_TIMEZONE"])).date()
    table = backlog_for_app(session=session, config=config, as_of=now)
    for _ in range(2):  # another scheduler may insert the same day at the same moment
        existing = {
            row.team: row
            for row in session.exec(select(BacklogSnapshot).where(BacklogSnapshot.day == day))
        }
        rows = []
        for team in QUEUES:
            row = existing.get(team) or BacklogSnapshot(day=day, team=team)
            row.total = table["all"][team]
            row.open = table["open"][team]
            row.overdue = table["open_over_threshold"][team]
            row.taken_at = now
            session.add(row)
            rows.append(row)
        try:
            session.commit()
            return rows
        except IntegrityError:
            session.rollback()
    raise RuntimeError(f"could not record the backlog snapshot of {day}")


def snapshot_series(*, session: Session, since: dt.date | None = None) -> list[dict]:
    """The snapshots, oldest first: one dict per day with each queue's open/overdue counts."""
    query = select(BacklogSnapshot).order_by(BacklogSnapshot.day, BacklogSnapshot.team)
    if since is not None:
        query = query.where(BacklogSnapshot.day >= since)
    days: dict[dt.date, dict] = {}
    for row in session.exec(query):
        entry = days.setdefault(row.day, {"day": row.day.isoformat()})
        entry[row.team] = {"total": row.total, "open": row.open, "overdue": row.overdue}
    return list(days.values())
