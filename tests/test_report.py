"""The committee's report (/rapport), the weekly digest (scheduler job, outbox, real SMTP) and
the national hand-off seen by the sync (iTop sandbox)."""

import datetime as dt

import pytest
from sqlmodel import select

from tests.plugins.smtp import SMTPServer
from triage.config import replace_settings
from triage.models import (
    BacklogSnapshot,
    OutboxMessage,
    RoutingDecision,
    Ticket,
    TicketEvent,
    utcnow,
)
from triage.scheduler import job_specs, run_job
from triage.services.digest import due_week
from triage.services.ingest import run_poll
from triage.services.outbox import send_pending

DAY = dt.timedelta(days=1)


def _seed_period(ticket_factory):
    now = utcnow()
    ticket_factory(team="DRASI", status="assigned", created_at=now - 30 * DAY, origin="portal")
    ticket_factory(team="SI2C", status="new", created_at=now - 2 * DAY, origin="phone")
    ticket_factory(team="NATIONAL", status="assigned", created_at=now - 20 * DAY, origin="portal")
    # resolved three days ago: open at the end of a period that ended a week ago
    ticket_factory(team="SI2C", status="resolved", created_at=now - 25 * DAY,
                   resolved_at=now - 3 * DAY, origin="mail")  # fmt: skip
    ticket_factory(team="DRASI", status="closed", created_at=now - 400 * DAY)  # out of range


def _cells(page: str, key: str) -> str:
    start = page.index(f'data-key="{key}"')
    return page[page.index(">", start) + 1 : page.index("<", start)]


def test_report_table_for_a_period_and_its_print_layout(ticket_factory, client_as):
    _seed_period(ticket_factory)
    today = utcnow().date()
    client = client_as("superviseur")
    du = (today - 60 * DAY).isoformat()
    page = client.get(f"/rapport?du={du}&au={today.isoformat()}").get_data(as_text=True)
    assert _cells(page, "all-total") == "4"
    assert _cells(page, "open-total") == "3"
    assert _cells(page, "open_over_threshold-total") == "2"  # DRASI 30 d, NATIONAL 20 d
    assert _cells(page, "open-NATIONAL") == "1" and _cells(page, "open_over_threshold-DRASI") == "1"
    assert "report.css" in page and "Établissements en difficulté" in page
    channels = page[page.index('id="report-channels"') :][:400]
    assert '<th scope="row">portail iTop</th><td>2</td>' in channels
    assert '<th scope="row">téléphone ou visio</th><td>1</td>' in channels
    css = client.get("/assets/report.css").get_data(as_text=True)
    assert "size: A4 landscape" in css and "@media print" in css

    week_ago = (today - 7 * DAY).isoformat()
    past = client.get(f"/rapport?du={du}&au={week_ago}").get_data(as_text=True)
    assert _cells(past, "all-total") == "3"  # the SI2C ticket of two days ago is after
    assert _cells(past, "open-SI2C") == "1"  # resolved after the period's end: open then


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("du=2024-13-01&au=2024-12-31", "« du » doit être une date AAAA-MM-JJ"),
        ("du=2024-02-01&au=2024-01-01", "La date « du » doit précéder la date « au »."),
    ],
)
def test_a_bad_period_is_a_french_400(client_as, query, message):
    response = client_as("agent_drasi").get(f"/rapport?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_due_week_follows_the_day_and_hour(app):
    settings = replace_settings(app, digest_day=3, digest_hour=8)  # Wednesday 08:00, Paris
    tuesday = dt.datetime(2026, 1, 6, 12, tzinfo=dt.UTC)
    assert due_week(tuesday, settings) is None
    assert due_week(dt.datetime(2026, 1, 7, 6, 30, tzinfo=dt.UTC), settings) is None  # 07:30
    assert due_week(dt.datetime(2026, 1, 7, 7, 5, tzinfo=dt.UTC), settings) == (2026, 2)
    assert due_week(dt.datetime(2026, 1, 11, 20, tzinfo=dt.UTC), settings) == (2026, 2)


@pytest.fixture
def mail_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def test_the_digest_goes_once_a_week_through_the_outbox(app, session, ticket_factory, mail_server):
    _seed_period(ticket_factory)
    week_ago = (utcnow() - 7 * DAY).astimezone(replace_settings(app).tz).date()
    session.add(BacklogSnapshot(day=week_ago, team="DRASI", total=1, open=1, overdue=0))
    session.commit()
    settings = replace_settings(
        app, digest_to=("chef@example.org",), digest_day=1, digest_hour=0,
        **{k.lower(): v for k, v in mail_server.settings().items()},
    )  # fmt: skip
    spec = next(s for s in job_specs(settings) if s.job_id == "digest")
    run_job(app, spec)
    run_job(app, spec)  # a second run the same week queues nothing
    session.expire_all()
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert len(rows) == 1
    assert send_pending(session=session, settings=settings)["sent"] == 1
    assert send_pending(session=session, settings=settings)["sent"] == 0
    assert len(mail_server.messages) == 1
    message = mail_server.messages[0]
    assert message["Subject"].startswith("[triage] Synthèse hebdomadaire Op@le, semaine")
    text = message.get_body(("plain",)).get_content()
    assert "Demandes en cours" in text and "Depuis la semaine dernière" in text
    assert "Demandes en cours : Total +2, Remontées au national +1" in text


def test_no_digest_job_without_recipients(app):
    assert "digest" not in [s.job_id for s in job_specs(replace_settings(app, digest_to=()))]


def _ticket(session, itop_id):
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == itop_id)).one()
    session.refresh(ticket)
    return ticket


def test_the_sync_records_the_national_hand_off(itop_sandbox, itop_app, session, client_as):
    store = itop_sandbox.store
    settings = replace_settings(itop_app)
    new = int(store.add_ticket(title="DRASI - Erreur 500", team="DRASI", status="assigned",
                               agent="Claire Moreau")["id"])  # fmt: skip
    run_poll(session=session, settings=settings)
    store.set_clock(advance=dt.timedelta(minutes=5))
    store.update_ticket(new, team="Niveau national", agent_id="0")  # escalated in iTop
    run_poll(session=session, settings=settings)
    ticket = _ticket(session, new)
    assert ticket.team == "NATIONAL"
    assert session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all() == []

    store.set_clock(advance=dt.timedelta(hours=3))
    with store.lock:
        row = store.objects["UserRequest"][new]
        store.set_external(row, "agent_id", store.person("Nicolas Petit"))
    store.update_ticket(new, assignment_date=store.now_text())
    run_poll(session=session, settings=settings)
    run_poll(session=session, settings=settings)  # seen again: recorded once
    store.set_clock(advance=dt.timedelta(hours=2))
    store.update_ticket(new, status="resolved", resolution_date=store.now_text())
    run_poll(session=session, settings=settings)

    events = {e.kind: e for e in session.exec(select(TicketEvent).where(
        TicketEvent.ticket_id == _ticket(session, new).id))}  # fmt: skip
    assert sorted(events) == ["national_resolved", "national_taken"]
    to_national = (RoutingDecision.ticket_id == ticket.id, RoutingDecision.to_team == "NATIONAL")
    arrival = session.exec(select(RoutingDecision.at).where(*to_national)).one()
    taken = events["national_taken"]
    assert taken.actor == "Nicolas Petit"
    assert dt.timedelta(hours=2.9) < taken.at - arrival < dt.timedelta(hours=3.2)
    resolved_after = events["national_resolved"].at - taken.at
    assert dt.timedelta(minutes=119) < resolved_after < dt.timedelta(minutes=121)
    page = client_as("superviseur").get("/stats").get_data(as_text=True)
    national = page[page.index('id="national"') :][:900]
    assert "Délai de résolution (médiane)</dt><dd>5,1 h <small>(1 résolue(s))" in national, national
    au = (utcnow() + 2 * DAY).date().isoformat()  # the sandbox's clock ran hours ahead
    report = client_as("superviseur").get(f"/rapport?au={au}").get_data(as_text=True)
    assert "<small>(1 demande(s))</small>" in report[report.index('id="report-national"') :]
    ticket_page = client_as("superviseur").get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "pris en charge au national par Nicolas Petit" in ticket_page
