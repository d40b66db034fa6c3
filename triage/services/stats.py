"""The backlog table of the seed, computed by SQL aggregation."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import DEFAULT_TZ, Settings
from triage.models import QUEUES, Team, Ticket, in_backlog, utcnow
from triage.services import figures
from triage.services.ages import overdue_cutoff


def _empty_row() -> dict[str, int]:
    return {"total": 0, **{queue: 0 for queue in QUEUES}}


def _add(row: dict[str, int], team: str, value) -> None:
    row[team] = row.get(team, 0) + int(value or 0)
    row["total"] += int(value or 0)


def _open_query(*, service: str, cutoff: dt.datetime, start: dt.datetime | None):
    """Open and overdue tickets per queue (the open tickets' partial index)."""
    overdue = sa.func.sum(sa.case((Ticket.created_at < cutoff, 1), else_=0))
    query = select(Ticket.team, sa.func.count(), overdue).where(in_backlog(service), Ticket.is_open)
    if start is not None:
        query = query.where(Ticket.created_at >= start)
    return query.group_by(Ticket.team)


def backlog(
    *,
    session: Session,
    service: str,
    threshold_days: int,
    tz: ZoneInfo = DEFAULT_TZ,
    since: dt.date | None = None,
    as_of: dt.datetime | None = None,
    working_days: bool = False,
    alsace_moselle: bool = False,
) -> dict[str, Any]:
    """All / open / open over the threshold, by queue, for one iTop service."""
    now = as_of or utcnow()
    cutoff = overdue_cutoff(
        now, threshold_days, working_days=working_days, alsace_moselle=alsace_moselle, tz=tz
    )
    start = dt.datetime.combine(since, dt.time(), tzinfo=tz) if since is not None else None
    table = {"all": _empty_row(), "open": _empty_row(), "open_over_threshold": _empty_row()}
    for team, open_count, overdue_count in session.exec(
        _open_query(service=service, cutoff=cutoff, start=start)
    ):
        _add(table["open"], team, open_count)
        _add(table["open_over_threshold"], team, overdue_count)
        _add(table["all"], team, open_count)
    if start is None:  # the closed tickets of all time: stored, not counted per call
        closed = figures.closed_counts(session=session, service=service).items()
    else:
        closed = session.exec(
            select(Ticket.team, sa.func.count())
            .where(in_backlog(service), sa.not_(Ticket.is_open), Ticket.created_at >= start)
            .group_by(Ticket.team)
        )
    for team, count in closed:
        _add(table["all"], team, count)
    return {
        "as_of": now.astimezone(tz).isoformat(timespec="seconds"),
        "since": since.isoformat() if since else None,
        "threshold_days": threshold_days,
        **table,
    }


def backlog_for_app(
    *,
    session: Session,
    settings: Settings,
    since: dt.date | None = None,
    as_of: dt.datetime | None = None,
) -> dict:
    """The backlog table with the app's settings."""
    return backlog(
        session=session,
        service=settings.itop_service,
        threshold_days=settings.escalation_days,
        tz=settings.tz,
        since=since,
        as_of=as_of,
        working_days=settings.working_days,
        alsace_moselle=settings.alsace_moselle,
    )


ROW_LABELS = (
    ("all", "Tous statuts"),
    ("open", "Demandes en cours"),
    ("open_over_threshold", "Demandes en cours de plus de {days} j"),
)
COLUMNS = (
    ("total", "Total"),
    (Team.NATIONAL, "Remontées au national"),
    (Team.SI2C, "Prise en charge SI2C"),
    (Team.DRASI, "Prise en charge DRASI"),
    (Team.UNASSIGNED, "Non attribuées"),
)


def format_table(table: dict[str, Any]) -> str:
    """The backlog table as plain text, laid out like the seed's table."""
    labels = [label.format(days=table["threshold_days"]) for _, label in ROW_LABELS]
    first = max(len(label) for label in labels + ["Demandes d'assistance"])
    widths = [max(len(title), 6) for _, title in COLUMNS]
    header = (
        "Demandes d'assistance".ljust(first)
        + " | "
        + " | ".join(title.rjust(width) for (_, title), width in zip(COLUMNS, widths, strict=True))
    )
    lines = [header, "-" * len(header)]
    for (key, _), label in zip(ROW_LABELS, labels, strict=True):
        cells = [
            str(table[key][col]).rjust(width)
            for (col, _), width in zip(COLUMNS, widths, strict=True)
        ]
        lines.append(label.ljust(first) + " | " + " | ".join(cells))
    since = f", créées depuis le {table['since']}" if table.get("since") else ""
    lines.append(f"(au {table['as_of']}{since})")
    return "\n".join(lines)
