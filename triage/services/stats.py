"""The backlog table of the seed, computed by SQL aggregation."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import DEFAULT_TZ, Settings
from triage.models import QUEUES, Team, Ticket, in_backlog, utcnow
from triage.services.ages import overdue_cutoff


def _empty_row() -> dict[str, int]:
    return {"total": 0, **{queue: 0 for queue in QUEUES}}


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
    overdue = sa.and_(Ticket.is_open, Ticket.created_at < cutoff)
    query = select(
        Ticket.team,
        sa.func.count(),
        sa.func.sum(sa.case((Ticket.is_open, 1), else_=0)),
        sa.func.sum(sa.case((overdue, 1), else_=0)),
    ).where(in_backlog(service))
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), tzinfo=tz)
        query = query.where(Ticket.created_at >= start)
    query = query.group_by(Ticket.team)
    table = {"all": _empty_row(), "open": _empty_row(), "open_over_threshold": _empty_row()}
    for team, total, open_count, overdue_count in session.exec(query):
        for key, value in (
            ("all", total),
            ("open", open_count),
            ("open_over_threshold", overdue_count),
        ):
            table[key][team] = table[key].get(team, 0) + int(value or 0)
            table[key]["total"] += int(value or 0)
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
