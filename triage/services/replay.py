"""Replay: how the router would have done on the tickets people dispatched in iTop.

The measure a desk needs before it sets ``TRIAGE_ITOP_WRITEBACK=1`` (shadow mode): every
ticket whose first-level team (SI2C or DRASI) was set by a person in iTop is routed again,
writing nothing anywhere, and compared with the team iTop ended with (the last SI2C/DRASI
team set in iTop: a ticket later escalated keeps the team that held it). Each run is kept
(``ReplayRun``) for the admin page.
"""

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, select

from triage.config import Settings
from triage.models import ROUTABLE_TEAMS, ReplayRun, RoutingDecision, Ticket, in_backlog
from triage.services.training import get_router


def people_labels(
    *, session: Session, settings: Settings, since: dt.date | None = None
) -> list[tuple[Ticket, str]]:
    """(ticket, team iTop ended with) for the tickets whose team people set in iTop."""
    last = (
        select(RoutingDecision.ticket_id, sa.func.max(RoutingDecision.id).label("last_id"))
        .where(RoutingDecision.source == "itop", RoutingDecision.to_team.in_(ROUTABLE_TEAMS))
        .group_by(RoutingDecision.ticket_id)
        .subquery()
    )
    query = (
        select(Ticket, RoutingDecision.to_team)
        .join(last, last.c.ticket_id == Ticket.id)
        .join(RoutingDecision, RoutingDecision.id == last.c.last_id)
        .where(in_backlog(settings.itop_service))
        .order_by(Ticket.created_at, Ticket.id)
    )
    if since is not None:
        query = query.where(
            Ticket.created_at >= dt.datetime.combine(since, dt.time(), tzinfo=settings.tz)
        )
    return [(ticket, str(team)) for ticket, team in session.exec(query)]


def replay(*, session: Session, settings: Settings, since: dt.date | None = None) -> ReplayRun:
    """Route the people-dispatched tickets again (nothing written but the run's record)."""
    from classifiers.evaluate import summarize  # scikit-learn: only when replaying
    labelled = people_labels(session=session, settings=settings, since=since)
    records = [
        {"id": t.ref, "title": t.title, "description": t.description, "team": team}
        for t, team in labelled
    ]
    router = get_router(settings)
    outputs = router.classify_many(records)
    run = ReplayRun(since=since, model_version=router.version, tickets=len(records))
    for record, output in zip(records, outputs, strict=True):
        wrong = output["prefix"] is not None and output["prefix"] != record["team"]
        run.routed += output["team"] is not None
        run.agreed += output["team"] == record["team"]
        run.left_to_human += output["team"] is None
        run.wrong_prefixes += wrong
        run.wrong_caught += wrong and output["team"] != output["prefix"]
    run.report = summarize(records, outputs) if records else {}
    session.add(run)
    session.commit()
    return run


def last_replay(*, session: Session) -> ReplayRun | None:
    """The newest replay, if any."""
    return session.exec(select(ReplayRun).order_by(ReplayRun.id.desc())).first()


def share(part: int, whole: int) -> str:
    """A French percentage ("87,5 %"), or "—" for nothing."""
    return f"{100 * part / whole:.1f} %".replace(".", ",") if whole else "—"


def replay_lines(run: ReplayRun) -> list[str]:
    """What ``triage replay`` prints (French)."""
    since = f" créés depuis le {run.since:%d/%m/%Y}" if run.since else ""
    return [
        f"Rejeu du routeur (modèle {run.model_version}) sur {run.tickets} ticket(s){since} "
        "dont l'équipe a été choisie dans iTop ; rien n'a été écrit.",
        f"Accord avec l'équipe finale d'iTop : {run.agreed} / {run.routed} ticket(s) routé(s) "
        f"({share(run.agreed, run.routed)}), {share(run.agreed, run.tickets)} de tous.",
        f"Laissés à un agent : {run.left_to_human} ({share(run.left_to_human, run.tickets)}).",
        f"Préfixes erronés : {run.wrong_prefixes}, rattrapés (pas envoyés à l'équipe du "
        f"préfixe) : {run.wrong_caught} ({share(run.wrong_caught, run.wrong_prefixes)}).",
    ]
