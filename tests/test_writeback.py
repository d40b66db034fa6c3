"""Write-back to the iTop sandbox: team and private log set, retried, claimed, never looping."""

import datetime as dt
import time

from sqlmodel import func, select

from tests.plugins.concurrency import run_together
from triage.config import replace_settings
from triage.db import session_scope
from triage.models import ItopWrite, RoutingDecision, Ticket
from triage.services import outgoing
from triage.services.ingest import run_poll
from triage.services.itop_push import push_pending
from triage.services.teams import set_team
from triage.services.writeback import enqueue


def requalify(session, settings, ticket, team):
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
        settings=settings,
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
    # the first poll with write-back off: the router's own writes are tested apart
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True)
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == 8)).one()
    write = requalify(session, settings, ticket, "NATIONAL")

    counts = push_pending(session=session, settings=settings)

    assert counts == {
        "sent": 1, "failed": 0, "refused": 0, "superseded": 0, "pending": 0, "last_error": None
    }
    session.refresh(write)
    assert (write.status, write.attempts) == ("done", 1) and write.done_at is not None
    in_itop = itop_sandbox.store.objects["UserRequest"][8]
    assert (in_itop["team_id"], in_itop["team_name"]) == ("4", "Niveau national")
    entry = in_itop["private_log"]["entries"][-1]
    assert entry["message"] == "Requalifié vers NATIONAL par claire (triage)."

    # iTop's last_update moved because of our own write: the next poll makes no decision
    before = decisions(session, ticket)
    itop_sandbox.store.set_clock(advance=dt.timedelta(minutes=3))
    run_poll(session=session, settings=settings)
    session.refresh(ticket)
    assert decisions(session, ticket) == before
    assert (ticket.team, ticket.team_source, ticket.itop_team) == (
        "NATIONAL",
        "agent",
        "Niveau national",
    )


def test_failed_push_stays_pending_then_succeeds(itop_sandbox, itop_app, session):
    # the first poll with write-back off: the router's own writes are tested apart
    run_poll(session=session, settings=replace_settings(itop_app, itop_write_backoff=3600.0))
    settings = replace_settings(itop_app, itop_writeback=True, itop_write_backoff=3600.0)
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == 9)).one()
    write = requalify(session, settings, ticket, "DRASI")

    itop_sandbox.faults.add("http500", count=None)
    counts = push_pending(session=session, settings=settings)
    assert (counts["sent"], counts["failed"], counts["pending"]) == (0, 1, 1)
    session.refresh(write)
    assert (write.status, write.attempts) == ("pending", 1)
    assert "HTTP 500" in write.last_error
    assert write.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    assert push_pending(session=session, settings=settings)["sent"] == 0  # not due yet

    itop_sandbox.faults.clear()
    write.next_attempt_at = dt.datetime.now(dt.UTC)
    session.commit()
    assert push_pending(session=session, settings=settings)["sent"] == 1
    assert itop_sandbox.store.objects["UserRequest"][9]["team_name"] == "DRASI"


def test_refused_write_is_kept_with_itop_reason_until_an_admin_retries(
    itop_sandbox, itop_app, session
):
    # the first poll with write-back off: the router's own writes are tested apart
    run_poll(session=session, settings=replace_settings(itop_app, team_drasi="Équipe disparue"))
    settings = replace_settings(itop_app, itop_writeback=True, team_drasi="Équipe disparue")
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == 8)).one()
    write = requalify(session, settings, ticket, "DRASI")

    assert push_pending(session=session, settings=settings)["refused"] == 1
    session.refresh(write)
    assert write.status == "refused" and "No item found" in write.last_error
    assert session.exec(select(func.count()).select_from(ItopWrite)).one() == 1
    # refused for good: not retried by the next runs, only when an admin asks
    assert push_pending(session=session, settings=settings, ignore_backoff=True)["refused"] == 0
    assert outgoing.retry(session=session, model=ItopWrite) == 1
    session.refresh(write)
    assert write.status == "pending"


def test_nothing_is_queued_when_writeback_is_off(itop_app, settings, session, ticket_factory):
    ticket = ticket_factory()
    assert enqueue(session=session, settings=settings, ticket=ticket, team="SI2C") is None
    assert push_pending(session=session, settings=settings)["pending"] == 0


def _queue_writes(session, settings, count: int) -> list[str]:
    """``count`` log-entry writes spread over the synced tickets; their texts."""
    tickets = session.exec(select(Ticket).order_by(Ticket.itop_id)).all()
    texts = []
    for n in range(count):
        text = f"Note de test n° {n}"
        enqueue(
            session=session, settings=settings, ticket=tickets[n % len(tickets)], log_entry=text
        )
        texts.append(text)
    session.commit()
    return texts


def _log_messages(sandbox) -> list[str]:
    return [
        entry["message"]
        for ticket in sandbox.store.objects["UserRequest"].values()
        for entry in ticket["private_log"]["entries"]
    ]


def test_two_workers_racing_push_each_write_once(itop_sandbox, itop_app, session):
    # the first poll with write-back off: the router's own writes are tested apart
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True)
    texts = _queue_writes(session, settings, 30)

    def slow_updates(params, store):  # widen the window in which both workers are busy
        if params.get("operation") == "core/update":
            time.sleep(0.01)

    itop_sandbox.hooks.append(slow_updates)

    def push():
        with session_scope(itop_app) as own:
            return push_pending(session=own, settings=settings)

    results = run_together(push)
    assert sum(r["sent"] for r in results) == 30 and sum(r["failed"] for r in results) == 0
    messages = _log_messages(itop_sandbox)
    assert sorted(m for m in messages if m.startswith("Note de test")) == sorted(texts)
    statuses = session.exec(select(ItopWrite.status, ItopWrite.claimed_by)).all()
    assert set(statuses) == {("done", None)}


def test_a_fresh_claim_is_left_alone_and_a_stale_one_is_taken_back(itop_sandbox, itop_app, session):
    # the first poll with write-back off: the router's own writes are tested apart
    run_poll(session=session, settings=replace_settings(itop_app, itop_write_stale_seconds=600))
    settings = replace_settings(itop_app, itop_writeback=True, itop_write_stale_seconds=600)
    _queue_writes(session, settings, 2)
    fresh, stale = session.exec(select(ItopWrite).order_by(ItopWrite.id)).all()
    now = dt.datetime.now(dt.UTC)
    fresh.status, fresh.claimed_by, fresh.claimed_at = "sending", "other:1", now
    stale.status, stale.claimed_by = "sending", "crashed:2"
    stale.claimed_at = now - dt.timedelta(minutes=11)
    session.commit()

    counts = push_pending(session=session, settings=settings)

    assert (counts["sent"], counts["pending"]) == (1, 1)
    session.refresh(fresh)
    session.refresh(stale)
    assert (fresh.status, fresh.claimed_by) == ("sending", "other:1")
    assert (stale.status, stale.claimed_by) == ("done", None)
    assert _log_messages(itop_sandbox).count(stale.log_entry) == 1
    assert fresh.log_entry not in _log_messages(itop_sandbox)
