"""The supervisors' dashboard: the seed's table, trend, ages, establishments, router quality."""

import csv
import datetime as dt
import io

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import QUEUES, BacklogSnapshot, RoutingDecision, Ticket, in_backlog, utcnow
from triage.services.ages import settings_cutoff
from triage.services.national import national_times
from triage.services.stats import COLUMNS, ROW_LABELS, backlog_for_app

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-5 j", 0, 5),
    ("5-10 j", 5, 10),
    ("10-15 j", 10, 15),
    ("15-30 j", 15, 30),
    ("30 j et plus", 30, None),
)
ROUTER_SOURCES = ("prefix", "model", "prefix+model")


def _open_tickets(settings: Settings) -> list:
    return [in_backlog(settings.itop_service), Ticket.is_open]


def backlog_trend(*, session: Session, days: int = 90, today: dt.date | None = None) -> dict:
    """Open backlog per queue per day, from the daily snapshots: {"days": [...], "series"}."""
    start = (today or utcnow().date()) - dt.timedelta(days=days)
    rows = session.exec(
        select(BacklogSnapshot).where(BacklogSnapshot.day >= start).order_by(BacklogSnapshot.day)
    ).all()
    day_list = sorted({row.day for row in rows})
    series: dict[str, list[int]] = {queue: [0] * len(day_list) for queue in QUEUES}
    index = {day: i for i, day in enumerate(day_list)}
    for row in rows:
        if row.team in series:
            series[row.team][index[row.day]] = row.open
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
    cutoff = settings_cutoff(now, settings.escalation_days, settings)
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
    """Among tickets that came with a prefix: how many had it wrong (router or agents say so)."""
    agent_moved = (
        select(RoutingDecision.id)
        .where(
            RoutingDecision.ticket_id == Ticket.id,
            RoutingDecision.source == "agent",
            RoutingDecision.to_team != Ticket.prefix,
        )
        .exists()
    )
    wrong = sa.or_(Ticket.requalify_suggested, agent_moved)
    total, wrong_count = session.exec(
        select(sa.func.count(), sa.func.sum(sa.case((wrong, 1), else_=0))).where(
            in_backlog(settings.itop_service), Ticket.prefix.is_not(None)
        )
    ).one()
    total, wrong_count = int(total or 0), int(wrong_count or 0)
    return {
        "with_prefix": total,
        "wrong": wrong_count,
        "share": (wrong_count / total) if total else None,
    }


def router_accuracy(*, session: Session, settings: Settings) -> dict:
    """The router's decisions that agents later reviewed: how many they kept."""
    # only tickets an agent acted on: the others have nothing to compare (and are most rows)
    reviewed = select(RoutingDecision.ticket_id).where(RoutingDecision.source == "agent")
    rows = session.exec(
        select(RoutingDecision)
        .join(Ticket, Ticket.id == RoutingDecision.ticket_id)
        .where(
            in_backlog(settings.itop_service),
            RoutingDecision.source.in_((*ROUTER_SOURCES, "agent")),
            RoutingDecision.ticket_id.in_(reviewed),
        )
        .order_by(RoutingDecision.ticket_id, RoutingDecision.at, RoutingDecision.id)
    ).all()
    by_source = {source: {"compared": 0, "agreed": 0} for source in ROUTER_SOURCES}
    router: dict[int, RoutingDecision] = {}
    verdict: dict[int, str] = {}
    for row in rows:
        if row.source == "agent":
            if row.ticket_id in router:
                verdict[row.ticket_id] = row.to_team  # the latest agent decision wins
        elif row.ticket_id not in verdict:
            router[row.ticket_id] = row
    for ticket_id, team in verdict.items():
        decision = router[ticket_id]
        counts = by_source.setdefault(decision.source, {"compared": 0, "agreed": 0})
        counts["compared"] += 1
        counts["agreed"] += int(decision.to_team == team)
    compared = sum(c["compared"] for c in by_source.values())
    agreed = sum(c["agreed"] for c in by_source.values())
    return {
        "compared": compared,
        "agreed": agreed,
        "accuracy": (agreed / compared) if compared else None,
        "by_source": by_source,
    }


def dashboard(*, session: Session, settings: Settings, now: dt.datetime | None = None) -> dict:
    """Everything the /stats page shows."""
    now = now or utcnow()
    return {
        "table": backlog_for_app(session=session, settings=settings, as_of=now),
        "trend": backlog_trend(session=session, today=now.date()),
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
