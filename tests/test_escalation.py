"""Warnings and escalations: the seed's case, exactly once, with a real SMTP server."""

import datetime as dt
import threading

import pytest
from sqlmodel import select

from tests.plugins.factories import make_ticket, seed_backlog
from triage.config import get_settings, replace_settings
from triage.db import session_scope
from triage.models import Escalation, ItopWrite, OutboxMessage, RoutingDecision, Ticket, utcnow
from triage.services.escalation import check_ages
from triage.services.history import team_durations
from triage.services.teams import set_team

NATIONAL = "national@example.org"
DRASI = "drasi@example.org"


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(
        smtp_server.settings(),
        ESCALATION_TO=[NATIONAL],
        BASE_URL="https://triage.example.org",
        ITOP_URL="https://itop.example.org",
    )
    return app_config


def _load_seed(session) -> set[str]:
    """The seed's 211 Op@le tickets plus an old ticket of another service; the 26 due refs."""
    tickets = seed_backlog(utcnow())
    session.add_all(tickets)
    session.add(
        make_ticket(
            service="Messagerie",
            team="DRASI",
            status="new",
            created_at=utcnow() - dt.timedelta(days=40),
        )
    )
    session.commit()
    due = {
        t.ref
        for t in tickets
        if t.is_open and t.team == "DRASI" and t.created_at < utcnow() - dt.timedelta(days=15)
    }
    assert len(due) == 26
    return due


def _ref_of(message) -> str:
    return message["Message-ID"].removeprefix("<escalation-national-").removesuffix("@triage>")


def test_seed_case_sends_26_escalations_once(runner, session, smtp_server):
    due = _load_seed(session)
    result = runner.invoke(args=["escalate"])
    assert result.exit_code == 0, result.output
    assert "26 escalade(s)" in result.output

    received = smtp_server.to(NATIONAL)
    assert len(received) == 26
    assert {_ref_of(m) for m in received} == due
    for message in received:
        ref = _ref_of(message)
        assert ref in message["Subject"]
        assert ref in message.get_body(("plain",)).get_content()
        assert (
            f"https://triage.example.org/tickets/{ref}" in message.get_body(("html",)).get_content()
        )

    escalated = session.exec(select(Ticket).where(Ticket.ref.in_(due))).all()
    assert {t.team for t in escalated} == {"NATIONAL"}
    assert {t.team_source for t in escalated} == {"escalation"}
    assert all(t.escalated_at is not None for t in escalated)
    rows = session.exec(select(Escalation)).all()
    assert len(rows) == 26 and {r.level for r in rows} == {"national"}
    assert {r.team for r in rows} == {"DRASI"} and {r.threshold_days for r in rows} == {15}
    moves = session.exec(
        select(RoutingDecision).where(RoutingDecision.source == "escalation")
    ).all()
    assert len(moves) == 26 and {(m.from_team, m.to_team) for m in moves} == {("DRASI", "NATIONAL")}

    for _ in range(2):  # a second and a third run send nothing
        again = runner.invoke(args=["escalate"])
        assert again.exit_code == 0, again.output
        assert "0 escalade(s)" in again.output and "0 envoyé(s)" in again.output
    assert len(smtp_server.messages) == 26


def test_closed_national_and_other_services_never_escalated(session, settings):
    _load_seed(session)
    check_ages(session=session, settings=settings)
    escalated_ids = {e.ticket_id for e in session.exec(select(Escalation))}
    tickets = {t.id: t for t in session.exec(select(Ticket))}
    for ticket_id in escalated_ids:
        ticket = tickets[ticket_id]
        assert ticket.is_open and ticket.service == "Op@le"
        assert ticket.escalated_at is not None
    never = [
        t
        for t in tickets.values()
        if not t.is_open or t.service != "Op@le" or t.team_source == "itop" and t.team == "NATIONAL"
    ]
    assert never and not {t.id for t in never} & escalated_ids


def test_smtp_down_keeps_all_26_then_sends_them_once(runner, session, smtp_server):
    due = _load_seed(session)
    smtp_server.stop()
    failed = runner.invoke(args=["escalate"])
    assert failed.exit_code != 0
    assert "26 e-mail(s) non envoyé(s)" in failed.output
    assert "restent dans la file" in failed.output
    pending = session.exec(select(OutboxMessage)).all()
    assert len(pending) == 26
    assert {m.status for m in pending} == {"pending"}
    assert all(m.attempts == 1 and m.last_error for m in pending)

    smtp_server.start()
    ok = runner.invoke(args=["escalate"])
    assert ok.exit_code == 0, ok.output
    assert "0 escalade(s)" in ok.output and "26 envoyé(s)" in ok.output
    assert {_ref_of(m) for m in smtp_server.messages} == due
    assert len(smtp_server.messages) == 26
    again = runner.invoke(args=["escalate"])
    assert again.exit_code == 0 and "0 envoyé(s)" in again.output
    assert len(smtp_server.messages) == 26


def test_warning_goes_to_the_owning_team_once(app, session, smtp_server):
    settings = replace_settings(app, warning_to_drasi=(DRASI,))
    now = utcnow()
    drasi = make_ticket(team="DRASI", created_at=now - dt.timedelta(days=12))
    si2c = make_ticket(team="SI2C", created_at=now - dt.timedelta(days=12))  # no SI2C address
    young = make_ticket(team="DRASI", created_at=now - dt.timedelta(days=3))
    session.add_all([drasi, si2c, young])
    session.commit()
    from triage.services.outbox import send_pending

    for _ in range(3):
        counts = check_ages(session=session, settings=settings, now=now)
        send_pending(session=session, settings=settings)
    warned = smtp_server.to(DRASI)
    assert len(warned) == 1 and drasi.ref in warned[0]["Subject"]
    assert warned[0]["Message-ID"] == f"<escalation-warning-{drasi.ref}@triage>"
    assert counts == {"candidates": 0, "national": 0, "warning": 0}
    assert smtp_server.to(NATIONAL) == []
    session.refresh(drasi)
    assert drasi.team == "DRASI" and drasi.warned_at is not None

    # past the limit the same ticket is escalated, and the team is not warned again
    later = now + dt.timedelta(days=4)
    assert check_ages(session=session, settings=settings, now=later)["national"] == 2
    send_pending(session=session, settings=settings, now=later)
    assert len(smtp_server.to(DRASI)) == 1
    assert {_ref_of(m) for m in smtp_server.to(NATIONAL)} == {drasi.ref, si2c.ref}


def test_requalified_ticket_keeps_its_age_and_history_shows_team_time(settings, session):
    now = utcnow()
    ticket = make_ticket(team="UNASSIGNED", created_at=now - dt.timedelta(days=20))
    session.add(ticket)
    session.commit()
    for team, days_ago, source in (("DRASI", 19, "prefix"), ("SI2C", 1, "agent")):
        decision = set_team(
            session=session,
            ticket=ticket,
            team=team,
            source=source,
            actor="alice" if source == "agent" else "router",
        )
        decision.at = now - dt.timedelta(days=days_ago)
    session.commit()

    assert check_ages(session=session, settings=settings, now=now)["national"] == 1
    session.refresh(ticket)
    assert ticket.team == "NATIONAL"
    escalation = session.exec(select(Escalation)).one()
    assert escalation.team == "SI2C" and escalation.age_days == pytest.approx(20, abs=0.01)

    spans = team_durations(session=session, ticket=ticket, now=now + dt.timedelta(days=2))
    assert [s["team"] for s in spans] == ["UNASSIGNED", "DRASI", "SI2C", "NATIONAL"]
    assert [s["days"] for s in spans] == pytest.approx([1, 18, 1, 2], abs=0.01)
    assert spans[-1]["end"] is None and spans[-1]["source"] == "escalation"


def test_writeback_is_queued_with_the_escalation(app, session):
    settings = replace_settings(app, itop_writeback=True)
    ticket = make_ticket(team="DRASI", created_at=utcnow() - dt.timedelta(days=16))
    session.add(ticket)
    session.commit()
    check_ages(session=session, settings=settings)
    write = session.exec(select(ItopWrite)).one()
    assert write.ticket_id == ticket.id and write.team == "NATIONAL"
    assert "niveau national" in write.log_entry


def test_no_address_still_escalates_without_mail(app, session):
    settings = replace_settings(app, escalation_to=())
    ticket = make_ticket(team="DRASI", created_at=utcnow() - dt.timedelta(days=16))
    session.add(ticket)
    session.commit()
    assert check_ages(session=session, settings=settings)["national"] == 1
    assert session.exec(select(OutboxMessage)).all() == []
    assert session.get(Ticket, ticket.id).team == "NATIONAL"


def test_two_checks_at_once_escalate_each_ticket_once(app, settings, session):
    _load_seed(session)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with app.app_context(), session_scope(app) as own:
                barrier.wait()
                check_ages(session=own, settings=settings)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(session.exec(select(Escalation)).all()) == 26
    assert len(session.exec(select(OutboxMessage)).all()) == 26
    moves = session.exec(select(RoutingDecision).where(RoutingDecision.source == "escalation"))
    assert len(moves.all()) == 26


def test_with_the_itop_sandbox_escalation_is_written_back_once(
    itop_app, itop_sandbox, session, smtp_server, runner
):
    """Sync from the sandbox, escalate, push to iTop; iTop down never blocks the escalation."""
    from triage.scheduler import job_specs, run_job

    app = itop_app
    replace_settings(app, itop_writeback=True)
    store = itop_sandbox.store
    old = utcnow() - dt.timedelta(days=20)
    due = store.add_ticket(
        title="DRASI - accès refusé",
        team="DRASI",
        status="assigned",
        start_date=old,
        description="<p>Erreur <b>403</b></p>",
    )
    store.add_ticket(title="DRASI - fermé", team="DRASI", status="closed", start_date=old)
    store.add_ticket(
        title="Déjà national", team="Niveau national", status="assigned", start_date=old
    )
    specs = {spec.job_id: spec for spec in job_specs(get_settings(app))}
    for job in ("poll", "age_check", "itop_writeback", "outbox"):
        run_job(app, specs[job])

    assert [_ref_of(m) for m in smtp_server.to(NATIONAL)] == [due["ref"]]
    assert "Erreur 403" in smtp_server.messages[0].get_body(("plain",)).get_content()
    in_itop = store.objects["UserRequest"][int(due["id"])]
    assert in_itop["team_id_friendlyname"] == "Niveau national"
    entries = in_itop["private_log"]["entries"]
    assert len(entries) == 1 and "escalade automatique" in entries[0]["message"]
    escalation_write = select(ItopWrite).where(ItopWrite.itop_id == int(due["id"]))
    assert session.exec(escalation_write).one().status == "done"

    # the next poll sees iTop's national team: no loop, nothing new, nothing resent
    for job in ("poll", "age_check", "itop_writeback", "outbox"):
        run_job(app, specs[job])
    ticket = session.exec(select(Ticket).where(Ticket.ref == due["ref"])).one()
    session.refresh(ticket)
    assert ticket.team == "NATIONAL"
    assert len(in_itop["private_log"]["entries"]) == 1
    assert len(smtp_server.messages) == 1

    # iTop down: escalation and mail still happen, the write-back waits in the queue
    late = store.add_ticket(title="SI2C - budget", team="SI2C", status="new", start_date=old)
    run_job(app, specs["poll"])
    itop_sandbox.stop()
    result = runner.invoke(args=["escalate"])
    assert result.exit_code == 0, result.output
    assert _ref_of(smtp_server.messages[-1]) == late["ref"]
    run_job(app, specs["itop_writeback"])
    waiting = session.exec(select(ItopWrite).where(ItopWrite.status == "pending")).one()
    assert waiting.attempts == 1 and waiting.last_error
