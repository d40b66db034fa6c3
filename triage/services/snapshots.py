"""Daily backlog snapshots per queue, for the trend charts of the supervisors' page."""

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import QUEUES, BacklogSnapshot, Ticket, in_backlog, utcnow
from triage.services.ages import overdue_before
from triage.services.stats import backlog_for_app


def take_snapshot(
    *, session: Session, settings: Settings, now: dt.datetime | None = None
) -> list[BacklogSnapshot]:
    """Record today's backlog per queue; run again the same day, it refreshes the same rows."""
    now = now or utcnow()
    day = now.astimezone(settings.tz).date()
    table = backlog_for_app(session=session, settings=settings, as_of=now)
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


def backfill_snapshots(
    *, session: Session, settings: Settings, days: int, now: dt.datetime | None = None
) -> int:
    """Reconstruct the snapshots of the past ``days`` days (before today) from the tickets.

    An approximation, for a new installation or the demo: a ticket counts from its
    ``created_at``; it is open on a day until its ``resolved_at`` (a closed ticket without
    that date: until its ``updated_at``); and it counts in its *current* queue, since past
    moves between queues are not replayed. Days that already have a row are left as they are.
    Returns how many rows were added.
    """
    now = now or utcnow()
    zone = settings.tz
    today = now.astimezone(zone).date()
    known = set(session.exec(select(BacklogSnapshot.day, BacklogSnapshot.team)).all())
    added = 0
    for back in range(days, 0, -1):
        day = today - dt.timedelta(days=back)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        counts = _counts_at(session=session, settings=settings, end=end)
        rows = [
            BacklogSnapshot(day=day, team=team, taken_at=now, **counts[team])
            for team in QUEUES
            if (day, team) not in known
        ]
        session.add_all(rows)
        try:
            session.commit()
        except IntegrityError:  # a snapshot of that day appeared meanwhile: keep it
            session.rollback()
            continue
        added += len(rows)
    return added


def _counts_at(
    *, session: Session, settings: Settings, end: dt.datetime
) -> dict[str, dict[str, int]]:
    """Total / open / overdue per queue as the tickets say it was at ``end``."""
    cutoff = overdue_before(end, settings)
    closed_at = sa.case(
        (Ticket.resolved_at.is_not(None), Ticket.resolved_at),
        (Ticket.is_open, None),
        else_=Ticket.updated_at,
    )
    open_then = sa.or_(closed_at.is_(None), closed_at > end)
    overdue = sa.and_(open_then, Ticket.created_at < cutoff)
    query = (
        select(
            Ticket.team,
            sa.func.count(),
            sa.func.sum(sa.case((open_then, 1), else_=0)),
            sa.func.sum(sa.case((overdue, 1), else_=0)),
        )
        .where(in_backlog(settings.itop_service), Ticket.created_at < end)
        .group_by(Ticket.team)
    )
    counts = {team: {"total": 0, "open": 0, "overdue": 0} for team in QUEUES}
    for team, total, open_count, overdue_count in session.exec(query):
        if team in counts:
            counts[team] = {
                "total": int(total),
                "open": int(open_count or 0),
                "overdue": int(overdue_count or 0),
            }
    return counts
