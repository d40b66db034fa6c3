"""Write-back to the iTop sandbox: team and private log set, retried, and never looping."""

import datetime as dt

from sqlmodel import func, select

from triage.models import ItopWrite, RoutingDecision, Ticket
from triage.services.ingest import run_poll
from triage.services.teams import set_team
from triage.services.writeback import enqueue, push_pending


def requalify(session, config, ticket, team):
    """What an agent's requalification does: the decision, then the queued write."""
    set_team(
        session=session,
        ticket=ticket,
        team=team,
        source="agent",
        actor="claire",
        reason="requalification",
    )
    write = enqueue(
        session=session,
        config=config,
        ticket=ticket,
        team=team,
        log_entry=f"Requalifié vers {team} par claire (triage).",
    )
    session.commit()
    return write


def decisions(session, ticket) -> int:
    return session.exec(
        select(func.count())
        .select_from(RoutingDecision)
        .where(RoutingDecision.ticket_id == ticket.id)
    ).one()


def test_push_sets_the_team_and_appends_a_private_log(itop_sandbox, itop_app, session):
    config = itop_app.config
    config["ITOP_WRITEBACK"] = True
    run_poll(session=session, config=config)
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == 8)).one()
    write = requalify(session, config, ticket, "NATIONAL")

    counts = push_pending(session=session, config=config)

    assert counts == {"sent": 1, "failed": 0, "pending": 0}
    session.refresh(write)
    assert (write.status, write.attempts) == ("done", 0) and write.done_at is not None
    in_itop = itop_sandbox.store.objects["UserRequest"][8]
    assert (in_itop["team_id"], in_itop["team_name"]) == ("4", "Niveau national")
    entry = in_itop["private_log"]["entries"][-1]
    assert entry["message"] == "Requalifié vers NATIONAL par claire (triage)."

    # iTop's last_update moved because of our own write: the next poll makes no decision
    before = decisions(session, ticket)
    itop_sandbox.store.set_clock(advance=dt.timedelta(minutes=3))
    run_poll(session=session, config=config)
    session.refresh(ticket)
    assert decisions(session, ticket) == before
    assert (ticket.team, ticket.team_source, ticket.itop_team) == (
        "NATIONAL",
        "agent",
        "Niveau national",
    )


def test_failed_push_stays_pending_then_succeeds(itop_sandbox, itop_app, session):
    config = itop_app.config
    config.update(ITOP_WRITEBACK=True, ITOP_WRITE_BACKOFF=3600.0)
    run_poll(session=session, config=config)
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == 9)).one()
    write = requalify(session, config, ticket, "DRASI")

    itop_sandbox.faults.add("http500", count=None)
    counts = push_pending(session=session, config=config)
    assert counts == {"sent": 0, "failed": 1, "pending": 1}
    session.refresh(write)
    assert (write.status, write.attempts) == ("pending", 1)
    assert "HTTP 500" in write.last_error
    assert write.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    assert push_pending(session=session, config=config)["sent"] == 0  # not due yet

    itop_sandbox.faults.clear()
    write.next_attempt_at = dt.datetime.now(dt.UTC)
    session.commit()
    assert push_pending(session=session, config=config)["sent"] == 1
    assert itop_sandbox.store.objects["UserRequest"][9]["team_name"] == "DRASI"


def test_refused_write_is_kept_with_itop_reason(itop_sandbox, itop_app, session):
    config = itop_app.config
    config.update(ITOP_WRITEBACK=True, TEAM_DRASI="Équipe disparue")
    run_poll(session=session, config=config)
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == 8)).one()
    write = requalify(session, config, ticket, "DRASI")

    assert push_pending(session=session, config=config)["failed"] == 1
    session.refresh(write)
    assert write.status == "pending" and "No item found" in write.last_error
    assert session.exec(select(func.count()).select_from(ItopWrite)).one() == 1


def test_nothing_is_queued_when_writeback_is_off(itop_app, session, ticket_factory):
    ticket = ticket_factory()
    assert enqueue(session=session, config=itop_app.config, ticket=ticket, team="SI2C") is None
    assert push_pending(session=session, config=itop_app.config)["pending"] == 0
