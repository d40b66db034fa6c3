"""Aggregates over all history, stored (DashboardFigure) instead of computed per request.

Three figures read every ticket or every decision: the closed tickets per queue (the "all
statuses" row is those plus the open ones, counted live), the share of wrong prefixes and the
router's accuracy. Each is computed once, stored, and served from the table:
- the closed counts are exact: whatever changes them (a sync closing, reopening, adding a
  closed ticket or bringing one back; a team decision on a closed ticket) drops the stored
  row in the same transaction (``invalidate``), and the next reader computes it again;
- the two router figures may lag: the scheduler's ``dashboard`` job refreshes them every
  few minutes (``refresh``), and the dashboard says when they were computed.
"""

import datetime as dt
import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import QUEUES, DashboardFigure, RoutingDecision, Ticket, in_backlog, utcnow

log = logging.getLogger(__name__)

ROUTER_SOURCES = ("prefix", "model", "prefix+model")
CLOSED = "closed_counts"
WRONG_PREFIX = "wrong_prefix"
ACCURACY = "accuracy"


def _key(name: str, service: str) -> str:
    return f"{name}:{service}"[:64]


def stored(
    *, session: Session, key: str, compute: Callable[[], dict]
) -> tuple[dict, dt.datetime]:
    """The stored figure, or computed now and stored (another worker may do it too)."""
    row = session.get(DashboardFigure, key)
    if row is not None:
        return row.value, row.computed_at
    value, now = compute(), utcnow()
    _store(session, key, value, now)
    return value, now


def _store(session: Session, key: str, value: dict, now: dt.datetime) -> None:
    row = session.get(DashboardFigure, key) or DashboardFigure(key=key)
    row.value, row.computed_at = value, now
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # stored meanwhile by another reader: theirs is as good
        session.rollback()


_INVALIDATED = "triage.closed_counts_invalidated"


def invalidate(*, session: Session) -> None:
    """The closed tickets changed: the stored counts go, in the caller's transaction (once
    per transaction: a sync page closing 500 tickets sends one DELETE, not 500)."""
    if session.info.get(_INVALIDATED):
        return
    session.execute(sa.delete(DashboardFigure).where(DashboardFigure.key.like(f"{CLOSED}:%")))
    session.info[_INVALIDATED] = True


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _transaction_ended(session: sa.orm.Session, transaction) -> None:
    """A transaction (or a savepoint, which may have rolled the DELETE back) ended: the next
    change deletes the counts again (a reader may have stored them meanwhile). A flush's
    own inner transaction is not one: it ends with every flush."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(_INVALIDATED, None)


def closed_counts(*, session: Session, service: str) -> dict[str, int]:
    """Closed tickets of the backlog per queue (stored; exact, see the module's note)."""

    def compute() -> dict:
        counts = {queue: 0 for queue in QUEUES}
        query = (
            select(Ticket.team, sa.func.count())
            .where(in_backlog(service), sa.not_(Ticket.is_open))
            .group_by(Ticket.team)
        )
        for team, count in session.exec(query):
            counts[team] = counts.get(team, 0) + int(count)
        return counts

    value, _ = stored(session=session, key=_key(CLOSED, service), compute=compute)
    return value


def compute_wrong_prefix(*, session: Session, service: str) -> dict:
    """Tickets that came with a prefix, and how many had it wrong (router or agents say so)."""
    typed = sa.orm.aliased(Ticket)
    overruled = (  # one pass over the agents' decisions, not one subquery per ticket
        select(RoutingDecision.ticket_id)
        .join(typed, typed.id == RoutingDecision.ticket_id)
        .where(RoutingDecision.source == "agent", RoutingDecision.to_team != typed.prefix)
    )
    base = [in_backlog(service), Ticket.prefix.is_not(None)]
    total = session.exec(select(sa.func.count()).select_from(Ticket).where(*base)).one()
    wrong = session.exec(
        select(sa.func.count())
        .select_from(Ticket)
        .where(*base, sa.or_(Ticket.requalify_suggested, Ticket.id.in_(overruled)))
    ).one()
    total, wrong = int(total or 0), int(wrong or 0)
    return {"with_prefix": total, "wrong": wrong, "share": (wrong / total) if total else None}


def _last(*order) -> sa.ColumnElement[int]:
    """1 for a ticket's latest decision, in the given order."""
    return sa.func.row_number().over(partition_by=RoutingDecision.ticket_id, order_by=order)


def _verdicts():
    """Per ticket an agent acted on: the agent's latest team and the time of their first act."""
    first = sa.func.min(RoutingDecision.at).over(partition_by=RoutingDecision.ticket_id)
    agent = (
        select(
            RoutingDecision.ticket_id,
            RoutingDecision.to_team,
            first.label("first"),
            _last(RoutingDecision.at.desc(), RoutingDecision.id.desc()).label("rank"),
        )
        .where(RoutingDecision.source == "agent")
        .subquery("agent")
    )
    return select(agent).where(agent.c.rank == 1).subquery("verdict")


def compute_accuracy(*, session: Session, service: str) -> dict:
    """The router's last decision before an agent's first, against the agent's last: kept?"""
    verdict = _verdicts()
    router = (
        select(
            RoutingDecision.source,
            (RoutingDecision.to_team == verdict.c.to_team).label("kept"),
            _last(RoutingDecision.at.desc(), RoutingDecision.id.desc()).label("rank"),
        )
        .join(verdict, verdict.c.ticket_id == RoutingDecision.ticket_id)
        .join(Ticket, Ticket.id == RoutingDecision.ticket_id)
        .where(
            in_backlog(service),
            RoutingDecision.source.in_(ROUTER_SOURCES),
            RoutingDecision.at <= verdict.c.first,
        )
        .subquery("router")
    )
    kept = sa.func.sum(sa.case((router.c.kept, 1), else_=0))
    query = (
        select(router.c.source, sa.func.count(), kept)
        .where(router.c.rank == 1)
        .group_by(router.c.source)
    )
    by_source = {source: {"compared": 0, "agreed": 0} for source in ROUTER_SOURCES}
    for source, compared, agreed in session.exec(query):
        by_source[source] = {"compared": int(compared), "agreed": int(agreed or 0)}
    compared = sum(c["compared"] for c in by_source.values())
    agreed = sum(c["agreed"] for c in by_source.values())
    return {
        "compared": compared,
        "agreed": agreed,
        "accuracy": (agreed / compared) if compared else None,
        "by_source": by_source,
    }


ROUTER_FIGURES: dict[str, Callable[..., dict]] = {
    WRONG_PREFIX: compute_wrong_prefix,
    ACCURACY: compute_accuracy,
}


def router_figure(*, session: Session, settings: Settings, name: str) -> dict:
    """A router figure as last stored (computed now if never), with ``computed_at``."""
    service = settings.itop_service

    def compute() -> dict:
        return ROUTER_FIGURES[name](session=session, service=service)

    value, at = stored(session=session, key=_key(name, service), compute=compute)
    return {**value, "computed_at": at}


def refresh(*, session: Session, settings: Settings) -> dict:
    """Compute and store every figure again (the scheduler's ``dashboard`` job)."""
    service, now = settings.itop_service, utcnow()
    for name, compute in ROUTER_FIGURES.items():
        _store(session, _key(name, service), compute(session=session, service=service), now)
    invalidate(session=session)
    session.commit()
    counts = closed_counts(session=session, service=service)
    return {"closed": sum(counts.values()), "figures": len(ROUTER_FIGURES) + 1}
