"""The supervisors' dashboard: the seed's table, trend, ages, establishments, router quality."""

import csv
import datetime as dt
import io

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import QUEUES, BacklogSnapshot, Escalation, Ticket, in_backlog, utcnow
from triage.services import figures
from triage.services.ages import overdue_before, settings_cutoff
from triage.services.national import national_times
from triage.services.stats import COLUMNS, ROW_LABELS, backlog_for_app

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5 j", 0, 5),
    ("5-10 j", 5, 10),
    ("10-15 j", 10, 15),
    ("15-30 j", 15, 30),
    ("30 j et plus", 30, None),
)


def _open_tickets(settings: Settings) -> list:
    return [in_backlog(settings.itop_service), Ticket.is_open]


def backlog_trend(
    *,
    session: Session,
    days: int = 90,
    today: dt.date | None = None,
    live: dict[str, int] | None = None,
) -> dict:
    """Open backlog per queue per day, from the daily snapshots: {"days": [...], "series"}.

    ``live``: today's open row of the table, which replaces today's snapshot (taken up to
    an hour ago, maybe before an age check moved tickets): the last point is the table.
    """
    today = today or utcnow().date()
    rows = session.exec(
        select(BacklogSnapshot)
        .where(BacklogSnapshot.day >= today - dt.timedelta(days=days))
        .order_by(BacklogSnapshot.day)
    ).all()
    day_list = sorted({row.day for row in rows} | ({today} if live is not None else set()))
    series: dict[str, list[int]] = {queue: [0] * len(day_list) for queue in QUEUES}
    index = {day: i for i, day in enumerate(day_list)}
    for row in rows:
        if row.team in series and not (live is not None and row.day == today):
            series[row.team][index[row.day]] = row.open
    for team, count in (live or {}).items():
        if team in series:
            series[team][index[today]] = int(count)
    return {"days": [d.isoformat() for d in day_list], "series": series}


def age_distribution(
    *, session: Session, settings: Settings, now: dt.datetime | None = None
) -> dict:
    """Open tickets per age bucket and queue: {"buckets": [labels], "series": {team: [...]}}."""
    now = now or utcnow()
    cases = []
    for i, (_, low, high) in enumerate(AGE_BUCKETS):
        older = Ticket.created_at <= settings_cutoff(now, low, settings) if low else sa.true()
        younger = Ticket.created_at > settings_cutoff(now, high, settings) if high else sa.true()
        cases.append((sa.and_(older, younger), i))
    bucket = sa.case(*cases, else_=0).label("bucket")
    series = {queue: [0] * len(AGE_BUCKETS) for queue in QUEUES}
    query = (
        select(Ticket.team, bucket, sa.func.count())
        .where(*_open_tickets(settings))
        .group_by(Ticket.team, bucket)
    )
    for team, index, count in session.exec(query):
        series.setdefault(team, [0] * len(AGE_BUCKETS))[int(index)] += int(count)
    return {"buckets": [label for label, _, _ in AGE_BUCKETS], "series": series}


def top_establishments(
    *, session: Session, settings: Settings, limit: int = 10, now: dt.datetime | None = None
) -> list[dict]:
    """Establishments with the most open tickets, with how many are overdue."""
    now = now or utcnow()
    cutoff = overdue_before(now, settings)
    overdue = sa.func.sum(sa.case((Ticket.created_at < cutoff, 1), else_=0))
    open_count = sa.func.count()
    query = (
        select(Ticket.organization, open_count, overdue)
        .where(*_open_tickets(settings))
        .group_by(Ticket.organization)
        .order_by(open_count.desc(), overdue.desc(), Ticket.organization)
        .limit(limit)
    )
    return [
        {"organization": org or "(non renseigné)", "open": int(n), "overdue": int(late or 0)}
        for org, n, late in session.exec(query)
    ]


def wrong_prefix_share(*, session: Session, settings: Settings) -> dict:
    """Among tickets that came with a prefix: how many had it wrong (stored, figures.py)."""
    return figures.router_figure(session=session, settings=settings, name=figures.WRONG_PREFIX)


def router_accuracy(*, session: Session, settings: Settings) -> dict:
    """The router's decisions that agents later reviewed: how many they kept (stored)."""
    return figures.router_figure(session=session, settings=settings, name=figures.ACCURACY)


def overdue_by_team(
    *, session: Session, settings: Settings, now: dt.datetime | None = None
) -> dict[str, int]:
    """The open overdue tickets by the team that held them when they went overdue: the one
    escalation took them from, or the team holding them now (not escalated yet)."""
    cutoff = overdue_before(now or utcnow(), settings)
    national = sa.and_(Escalation.ticket_id == Ticket.id, Escalation.level == "national")
    held = sa.func.coalesce(Escalation.team, Ticket.team)
    query = (
        select(held, sa.func.count())
        .select_from(Ticket)
        .outerjoin(Escalation, national)
        .where(*_open_tickets(settings), Ticket.created_at < cutoff)
        .group_by(held)
    )
    row = {"total": 0, **{queue: 0 for queue in QUEUES}}
    for team, count in session.exec(query):
        row[team] = row.get(team, 0) + int(count)
        row["total"] += int(count)
    return row


def dashboard(*, session: Session, settings: Settings, now: dt.datetime | None = None) -> dict:
    """Everything the /stats page shows; the trend ends on the table's own figures."""
    now = now or utcnow()
    table = backlog_for_app(session=session, settings=settings, as_of=now)
    today = now.astimezone(settings.tz).date()
    return {
        "table": table,
        "overdue_held": overdue_by_team(session=session, settings=settings, now=now),
        "trend": backlog_trend(session=session, today=today, live=table["open"]),
        "ages": age_distribution(session=session, settings=settings, now=now),
        "establishments": top_establishments(session=session, settings=settings, now=now),
        "wrong_prefix": wrong_prefix_share(session=session, settings=settings),
        "accuracy": router_accuracy(session=session, settings=settings),
        "national": national_times(session=session, settings=settings),
    }


def table_csv(table: dict) -> str:
    """The seed's table as CSV (semicolons and a BOM: what French spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Demandes d'assistance", *(title for _, title in COLUMNS)])
    for key, label in ROW_LABELS:
        row = table[key]
        writer.writerow(
            [label.format(days=table["threshold_days"]), *(row.get(col, 0) for col, _ in COLUMNS)]
        )
    return "\ufeff" + out.getvalue()
