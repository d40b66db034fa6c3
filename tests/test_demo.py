"""The demo's living parts: tickets arriving in the sandbox, and the mail sink's .eml files."""

import datetime as dt
import smtplib
from email.message import EmailMessage

from connectors.itop.sandbox import TICKET, SandboxStore
from triage.demo_data import demo_tickets
from triage.demo_live import MailSink, TicketActivity


def test_recent_tickets_mostly_wait_without_a_team_and_older_ones_have_one():
    now = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    specs = demo_tickets(300, now=now)
    recent = [s for s in specs if now - s["start_date"] < dt.timedelta(days=21)]
    older = [s for s in specs if now - s["start_date"] >= dt.timedelta(days=21)]
    assert sum(s["team"] is None for s in recent) > len(recent) / 2
    assert all(s["team"] for s in older) and all(s["status"] != "new" for s in older)


def test_an_activity_step_adds_a_new_ticket_without_team():
    store = SandboxStore()
    before = set(store.objects[TICKET])
    activity = TicketActivity(store, seed=1)

    activity.step()

    added = [store.objects[TICKET][i] for i in set(store.objects[TICKET]) - before]
    assert len(added) == 1
    assert (added[0]["status"], added[0]["team_id"], added[0]["service_name"]) == (
        "new",
        "0",
        "Op@le",
    )
    assert added[0]["last_update"] == store.now_text()


def test_the_mail_sink_writes_each_message_as_an_eml_file(tmp_path):
    (tmp_path / "old.eml").write_text("from a previous run")
    sink = MailSink(tmp_path, clear=True).start()
    try:
        message = EmailMessage()
        message["From"], message["To"] = "triage@demo.invalid", "niveau-national@demo.invalid"
        message["Subject"] = "Demande R-000042 en retard"
        message.set_content("Bonjour")
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=10) as smtp:
            smtp.send_message(message)
    finally:
        sink.stop()
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1 and sink.received == 1
    assert "Demande-R-000042" in files[0].name
    assert b"Subject: Demande R-000042 en retard" in files[0].read_bytes()
