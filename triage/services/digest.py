"""The weekly digest to supervisors: the seed's table and what changed since last week.

Queued once per ISO week in the outbox (its Message-ID names the week and is unique), from
``TRIAGE_DIGEST_DAY`` (1 Monday ... 7 Sunday) at ``TRIAGE_DIGEST_HOUR`` (local time) on; a
scheduler down that day sends it at its next run of the week. No ``TRIAGE_DIGEST_TO``: none.
"""

import datetime as dt
from html import escape

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import QUEUES, BacklogSnapshot, OutboxMessage, Ticket, in_backlog, utcnow
from triage.services.stats import COLUMNS, ROW_LABELS, backlog_for_app, format_table

ROW_FIELDS = {"all": "total", "open": "open", "open_over_threshold": "overdue"}
FOOTER = "Message automatique de triage, merci de ne pas y répondre."


def due_week(now: dt.datetime, settings: Settings) -> tuple[int, int] | None:
    """The ISO (year, week) whose digest is due at ``now``, or None before its day and hour."""
    local = now.astimezone(settings.tz)
    year, week, weekday = local.isocalendar()
    day = min(max(settings.digest_day, 1), 7)
    if (weekday, local.hour) < (day, settings.digest_hour):
        return None
    return year, week


def digest_message_id(year: int, week: int) -> str:
    """The week's stable Message-ID: the outbox refuses a second one."""
    return f"<digest-{year}-W{week:02d}@triage>"


def _week_ago(session: Session, day: dt.date) -> dict | None:
    rows = session.exec(select(BacklogSnapshot).where(BacklogSnapshot.day == day)).all()
    if not rows:
        return None
    table = {key: {"total": 0, **dict.fromkeys(QUEUES, 0)} for key in ROW_FIELDS}
    for row in rows:
        for key, name in ROW_FIELDS.items():
            table[key][row.team] = getattr(row, name)
            table[key]["total"] += getattr(row, name)
    return table


def changes(*, session: Session, settings: Settings, now: dt.datetime) -> dict:
    """This week against the snapshot of a week ago, plus the week's new and resolved tickets."""
    table = backlog_for_app(session=session, settings=settings, as_of=now)
    week_start = now - dt.timedelta(days=7)
    before = _week_ago(session, week_start.astimezone(settings.tz).date())
    delta = None
    if before is not None:
        delta = {key: {col: table[key][col] - before[key][col] for col, _ in COLUMNS}
                 for key in ROW_FIELDS}  # fmt: skip
    service = in_backlog(settings.itop_service)
    created, resolved = session.exec(
        select(
            sa.func.sum(sa.case((Ticket.created_at >= week_start, 1), else_=0)),
            sa.func.sum(sa.case((Ticket.resolved_at >= week_start, 1), else_=0)),
        ).where(service)
    ).one()
    return {"table": table, "delta": delta, "created": int(created or 0),
            "resolved": int(resolved or 0)}  # fmt: skip


def _signed(value: int) -> str:
    return f"{value:+d}" if value else "="


def _change_lines(data: dict) -> list[str]:
    lines = [f"Nouvelles demandes : {data['created']} ; demandes résolues : {data['resolved']}."]
    if data["delta"] is None:
        return [*lines, "Pas d'instantané d'il y a une semaine : pas de comparaison."]
    days = data["table"]["threshold_days"]
    for key, label in ROW_LABELS:
        cells = ", ".join(f"{title} {_signed(data['delta'][key][col])}" for col, title in COLUMNS)
        lines.append(f"{label.format(days=days)} : {cells}")
    return lines


def build_digest(data: dict, *, year: int, week: int) -> tuple[str, str, str]:
    """(subject, text, html) of the week's digest, in French."""
    subject = f"[triage] Synthèse hebdomadaire Op@le, semaine {week} de {year}"
    changed = _change_lines(data)
    text = "\n".join(
        [
            format_table(data["table"]),
            "",
            "Depuis la semaine dernière :",
            *changed,
            "",
            "-- ",
            FOOTER,
        ]
    )
    days = data["table"]["threshold_days"]
    head = "".join(f"<th>{escape(title)}</th>" for _, title in COLUMNS)
    rows = "".join(
        f"<tr><th align='left'>{escape(label.format(days=days))}</th>"
        + "".join(f"<td align='right'>{data['table'][key][col]}</td>" for col, _ in COLUMNS)
        + "</tr>"
        for key, label in ROW_LABELS
    )
    items = "".join(f"<li>{escape(line)}</li>" for line in changed)
    html = (
        "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
        f"<title>{escape(subject)}</title></head><body>"
        f"<table border='1' cellpadding='4'><tr><th>Demandes d'assistance</th>{head}</tr>{rows}"
        f"</table><h3>Depuis la semaine dernière</h3><ul>{items}</ul>"
        f"<p><small>{escape(FOOTER)}</small></p></body></html>"
    )
    return subject, text + "\n", html


def queue_digest(*, session: Session, settings: Settings, now: dt.datetime | None = None) -> str:
    """Queue this week's digest in the outbox when it is due and not queued yet; says what."""
    now = now or utcnow()
    if not settings.digest_to:
        return "pas de destinataire (TRIAGE_DIGEST_TO)"
    week = due_week(now, settings)
    if week is None:
        return "pas encore l'heure"
    message_id = digest_message_id(*week)
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.message_id == message_id)).first():
        return "déjà en file cette semaine"
    subject, text, html = build_digest(
        changes(session=session, settings=settings, now=now), year=week[0], week=week[1]
    )
    session.add(OutboxMessage(
        message_id=message_id, kind="digest", to_addrs=", ".join(settings.digest_to),
        subject=subject, body_text=text, body_html=html, created_at=now, next_attempt_at=now,
    ))  # fmt: skip
    try:
        session.commit()
    except IntegrityError:  # another scheduler queued it at the same moment
        session.rollback()
        return "déjà en file cette semaine"
    return f"synthèse de la semaine {week[1]} mise en file"
