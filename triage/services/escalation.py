"""Warnings and escalations of ageing tickets, exactly once per ticket and level.

``decide_level`` is the one rule. ``check_ages`` applies it ticket by ticket, each in its own
transaction: the Escalation row (unique per ticket and level), the move to NATIONAL, the
e-mail in the outbox and the queued iTop write-back are committed together or not at all.
Two schedulers at once: PostgreSQL rows are locked (``FOR UPDATE SKIP LOCKED``); on every
backend the unique keys (escalation ticket+level, outbox Message-ID) refuse a second copy.
"""

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.config import Settings
from triage.db import sqlite_indexed_by
from triage.mail import TicketFacts, build_ticket_mail
from triage.models import (
    ROUTABLE_TEAMS,
    Escalation,
    OutboxMessage,
    Team,
    Ticket,
    in_backlog,
    utcnow,
)
from triage.services import writeback
from triage.services.ages import (
    escalation_due,
    overdue_before,
    rule_name,
    settings_age_days,
    settings_cutoff,
)
from triage.services.history import decision_time, history, team_durations
from triage.services.teams import set_team

log = logging.getLogger(__name__)

WARNED_TEAMS = ROUTABLE_TEAMS  # the first-level teams are warned before the national level


@dataclass(frozen=True)
class Thresholds:
    """The cutoffs of one age check: created before them means warned / escalated."""

    now: dt.datetime
    escalation_cutoff: dt.datetime
    warning_cutoff: dt.datetime


def thresholds(*, now: dt.datetime, settings: Settings) -> Thresholds:
    """The cutoffs for ``now`` under the app's rule (calendar or working days)."""
    return Thresholds(
        now=now,
        escalation_cutoff=overdue_before(now, settings),
        warning_cutoff=settings_cutoff(now, settings.warning_days, settings),
    )


def warning_recipients(*, team: str, settings: Settings) -> list[str]:
    """The addresses warned for a team's queue (WARNING_TO_<TEAM>)."""
    return list(settings.warning_to(team))


def decide_level(*, ticket: Ticket, limits: Thresholds, settings: Settings) -> str | None:
    """The one rule: ``"national"``, ``"warning"`` or None for this ticket now."""
    if not ticket.is_open or ticket.team == Team.NATIONAL or ticket.escalated_at is not None:
        return None
    if ticket.service != settings.itop_service or ticket.gone:
        return None
    if ticket.created_at < limits.escalation_cutoff:
        return "national"
    if (
        ticket.created_at < limits.warning_cutoff
        and ticket.warned_at is None
        and ticket.team in WARNED_TEAMS
        and warning_recipients(team=ticket.team, settings=settings)
    ):
        return "warning"
    return None


def candidate_query(*, limits: Thresholds, settings: Settings):
    """The ids of tickets that may be due (the prefilter of ``decide_level``): a range of the
    open tickets' partial index (ix_ticket_open_created), oldest first."""
    warned = [t for t in WARNED_TEAMS if warning_recipients(team=t, settings=settings)]
    due = Ticket.created_at < limits.escalation_cutoff
    latest = limits.escalation_cutoff
    if warned:
        warn = sa.and_(
            Ticket.created_at < limits.warning_cutoff,
            Ticket.warned_at.is_(None),
            Ticket.team.in_(warned),
        )
        due, latest = sa.or_(due, warn), max(latest, limits.warning_cutoff)
    # every term of the index's WHERE stands on its own so that SQLite's planner matches it
    query = (
        select(Ticket.id)
        .where(Ticket.is_open, in_backlog(settings.itop_service), Ticket.escalated_at.is_(None))
        .where(Ticket.created_at < latest, Ticket.team != Team.NATIONAL, due)
        .order_by(Ticket.created_at, Ticket.id)
    )
    return query


def candidate_statement(*, session: Session, limits: Thresholds, settings: Settings):
    """``candidate_query`` as run: on SQLite pinned to ix_ticket_due (``INDEXED BY``), whose
    planner, without statistics, may take an index of every ticket and read them all."""
    query = candidate_query(limits=limits, settings=settings)
    return sqlite_indexed_by(session.get_bind().dialect, query, "ix_ticket_due")


def _candidate_ids(session: Session, limits: Thresholds, settings: Settings) -> list[int]:
    """Tickets that may be due."""
    statement = candidate_statement(session=session, limits=limits, settings=settings)
    return [row[0] for row in session.execute(statement)]


def ticket_facts(
    *, session: Session, ticket: Ticket, now: dt.datetime, settings: Settings
) -> TicketFacts:
    """What a message says about a ticket (its state before the escalation)."""
    past = history(session=session, ticket=ticket)
    decisions = [
        {
            "at": decision_time(d, ticket),
            "actor": d.actor,
            "source": d.source,
            "from_team": d.from_team,
            "to_team": d.to_team,
            "reason": d.reason,
        }
        for d in past
    ]
    return TicketFacts(
        ref=ticket.ref,
        itop_id=ticket.itop_id,
        title=ticket.title,
        organization=ticket.organization,
        caller=ticket.caller,
        caller_contact=" · ".join(filter(None, [ticket.caller_email, ticket.caller_phone])),
        team=ticket.team,
        status=ticket.status,
        created_at=ticket.created_at,
        age_days=settings_age_days(ticket.created_at, now, settings),
        description=ticket.description,
        history=decisions,
        due_at=escalation_due(ticket.created_at, settings),
        durations=_time_per_team(session=session, ticket=ticket, now=now, decisions=past),
        exchanges=list(ticket.exchanges or []),
    )


def _time_per_team(
    *, session: Session, ticket: Ticket, now: dt.datetime, decisions: list
) -> list[dict]:
    """Days spent in each team so far, in the order the ticket went through them."""
    days: dict[str, float] = {}
    for segment in team_durations(session=session, ticket=ticket, now=now, decisions=decisions):
        days[segment["team"]] = days.get(segment["team"], 0.0) + segment["days"]
    return [{"team": team, "days": round(total, 1)} for team, total in days.items()]


def _record(*, session, ticket, level, days, now, settings, to_addrs) -> Escalation:
    """Escalation row + outbox e-mail (when someone is to be told); no commit."""
    facts = ticket_facts(session=session, ticket=ticket, now=now, settings=settings)
    escalation = Escalation(
        ticket_id=ticket.id,
        level=level,
        created_at=now,
        team=ticket.team,
        rule=rule_name(settings),
        threshold_days=days,
        age_days=round(facts.age_days, 2),
    )
    session.add(escalation)
    if to_addrs:
        mail = build_ticket_mail(level=level, facts=facts, days=days, settings=settings)
        session.add(
            OutboxMessage(
                message_id=mail.message_id,
                kind="escalation" if level == "national" else "warning",
                ticket_id=ticket.id,
                to_addrs=", ".join(to_addrs),
                subject=mail.subject,
                body_text=mail.text,
                body_html=mail.html,
                created_at=now,
                next_attempt_at=now,
            )
        )
    else:
        log.warning("no address for the %s of %s: recorded without e-mail", level, ticket.ref)
    return escalation


def escalate_ticket(
    *, session: Session, ticket: Ticket, settings: Settings, now: dt.datetime
) -> None:
    """Escalate one ticket to NATIONAL: record, e-mail, move, queue write-back (no commit)."""
    days = settings.escalation_days
    escalation = _record(
        session=session,
        ticket=ticket,
        level="national",
        days=days,
        now=now,
        settings=settings,
        to_addrs=list(settings.escalation_to),
    )
    unit = "jours ouvrés" if escalation.rule == "working" else "jours calendaires"
    reason = f"ouverte depuis {escalation.age_days:.0f} {unit} (seuil : {days} {unit})"
    set_team(
        session=session,
        ticket=ticket,
        team=Team.NATIONAL,
        source="escalation",
        actor="scheduler",
        reason=reason,
    )
    ticket.escalated_at = now
    session.add(ticket)
    writeback.enqueue(
        session=session,
        settings=settings,
        ticket=ticket,
        team=Team.NATIONAL,
        log_entry=f"triage : escalade automatique au niveau national, demande {reason}.",
        source="escalation",
    )


def warn_ticket(*, session: Session, ticket: Ticket, settings: Settings, now: dt.datetime) -> None:
    """Warn the owning team once that the ticket nears the limit (no commit)."""
    _record(
        session=session,
        ticket=ticket,
        level="warning",
        days=settings.escalation_days,
        now=now,
        settings=settings,
        to_addrs=warning_recipients(team=ticket.team, settings=settings),
    )
    ticket.warned_at = now
    session.add(ticket)


def _process(
    session: Session, ticket_id: int, limits: Thresholds, settings: Settings
) -> str | None:
    """Decide and act on one ticket in its own transaction; the level done, or None."""
    query = select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        # another scheduler holds this ticket: it is handling it, skip rather than wait
        query = query.with_for_update(skip_locked=True)
    ticket = session.exec(query).first()
    level = decide_level(ticket=ticket, limits=limits, settings=settings) if ticket else None
    if level is None:
        session.rollback()
        return None
    action = escalate_ticket if level == "national" else warn_ticket
    action(session=session, ticket=ticket, settings=settings, now=limits.now)
    try:
        session.commit()
    except IntegrityError:
        # the unique key saw it done by someone else in the meantime: nothing to do
        session.rollback()
        log.info("%s of ticket %s already recorded elsewhere", level, ticket_id)
        return None
    log.info("%s: %s (team %s)", level, ticket.ref, ticket.team)
    return level


def check_ages(*, session: Session, settings: Settings, now: dt.datetime | None = None) -> dict:
    """One age check: escalate overdue tickets, warn teams of ageing ones; returns counts."""
    limits = thresholds(now=now or utcnow(), settings=settings)
    ids = _candidate_ids(session, limits, settings)
    session.rollback()  # end the read transaction: each ticket gets its own
    counts = {"candidates": len(ids), "national": 0, "warning": 0}
    for ticket_id in ids:
        level = _process(session, ticket_id, limits, settings)
        if level:
            counts[level] += 1
    return counts


def escalate_now(*, session: Session, settings: Settings) -> dict:
    """``triage escalate``: one age check, then every pending e-mail now (backoff ignored)."""
    from triage.services.outbox import outbox_counts, send_pending

    ages = check_ages(session=session, settings=settings)
    mail = send_pending(session=session, settings=settings, ignore_backoff=True)
    left = outbox_counts(session=session)
    return {"ages": ages, "mail": mail, "waiting": left["pending"] + left["failed"]}
