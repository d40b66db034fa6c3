"""The demo's living parts: tickets arriving in the sandbox, and the mail sink's .eml files."""

import datetime as dt
import smtplib
import sys
from email.message import EmailMessage

from classifiers.corpus import load_corpus
from classifiers.prefix import read_prefix
from connectors.itop.sandbox import TICKET, SandboxStore
from triage_demo.activity import TicketActivity
from triage_demo.mailsink import MailSink
from triage_demo.tickets import corpus_texts, demo_tickets


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


def test_the_demo_texts_are_the_corpus_read_by_the_classifiers_reader():
    texts = corpus_texts()
    records = load_corpus()
    assert len(records) - 10 < len(texts) <= len(records)  # titles that were only a prefix go
    assert {team for team, _title, _text in texts} == {"SI2C", "DRASI"}
    # the prefix is read (and dropped) as the router reads it, typos included
    assert all(read_prefix(title).team is None for _team, title, _text in texts)


def test_the_demo_tickets_come_from_the_sandbox_generator_with_corpus_texts():
    now = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    specs = demo_tickets(50, now=now)
    titles = {read_prefix(title).rest for _team, title, _text in corpus_texts()}
    assert sum(read_prefix(s["title"]).rest in titles for s in specs) >= 45  # a few are vague
    assert any(s["last_update"] < now for s in specs)  # spread over time, as on a real desk
    assert all(s["start_date"] <= s["last_update"] <= now for s in specs)


def test_triage_registers_the_demo_command_from_its_entry_point():
    from triage.__main__ import main, plugin_commands
    from triage_demo.command import demo_command

    assert demo_command in plugin_commands()
    assert main.commands["demo"] is demo_command


DEMO_MODULES = ("triage_demo.run", "triage_demo.mailsink")


def test_the_demo_says_what_to_install_without_aiosmtpd(runner, monkeypatch):
    from triage_demo.command import MISSING_EXTRA, demo_command

    for name in [m for m in sys.modules if m in DEMO_MODULES or m.startswith("aiosmtpd")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "aiosmtpd", None)  # import aiosmtpd now fails
    result = runner.invoke(demo_command, ["--port", "0"])
    assert result.exit_code == 1
    assert MISSING_EXTRA in result.output and "pip install 'triage[demo]'" in result.output


def test_the_demos_mails_link_to_the_port_it_serves(app, tmp_path, monkeypatch):
    from connectors.itop.sandbox import Sandbox
    from triage.config import get_settings
    from triage_demo.run import prepare_app

    monkeypatch.delenv("TRIAGE_BASE_URL", raising=False)
    sandbox = Sandbox(SandboxStore()).start()
    mail = MailSink(tmp_path / "mail").start()
    try:
        prepare_app(app, sandbox, mail, web_url="http://127.0.0.1:8123")
    finally:
        mail.stop()
        sandbox.stop()
    assert get_settings(app).base_url == "http://127.0.0.1:8123"


def test_the_banner_names_the_installed_triage_command():
    from pathlib import Path

    from triage_demo.run import _triage

    command = _triage()
    assert Path(command).name == "triage" and Path(command).parent.name == "bin"
    assert (Path.cwd() / command).exists() or Path(command).exists()


def test_classify_help_says_what_a_line_looks_like(runner):
    result = runner.invoke(args=["classify", "--help"])
    assert result.exit_code == 0
    assert '{"id": 1, "title": "SI2C - mandat rejeté"' in result.output
    assert '"team": "SI2C", "confidence": 0.93' in result.output
    assert "laissé à un agent" in result.output
