"""The outbox sender against a real SMTP server: claims, retries, backoff, stale claims."""

import dataclasses
import datetime as dt
import shutil
import threading
import time

import pytest
from sqlmodel import select

from tests.plugins.smtp import SMTPServer, self_signed_certificate
from triage.config import replace_settings
from triage.db import session_scope
from triage.models import OutboxMessage, utcnow
from triage.services.outbox import backoff_seconds, claim, outbox_counts, send_pending


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(smtp_server.settings(), MAIL_FROM="triage@example.org")
    return app_config


def _queue(session, count: int, **fields) -> list[OutboxMessage]:
    rows = [
        OutboxMessage(
            message_id=f"<test-{n}@triage>",
            kind="escalation",
            to_addrs="national@example.org, chef@example.org",
            subject=f"Demande R-{n:06d}",
            body_text=f"Texte {n} é",
            body_html=f"<p>HTML {n}</p>",
            **fields,
        )
        for n in range(count)
    ]
    session.add_all(rows)
    session.commit()
    return rows


def test_sends_and_marks_sent_after_acceptance(settings, session, smtp_server):
    _queue(session, 3)
    counts = send_pending(session=session, settings=settings)
    assert (counts["claimed"], counts["sent"], counts["failed"]) == (3, 3, 0)
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == [
        f"<test-{n}@triage>" for n in range(3)
    ]
    first = smtp_server.messages[0]
    assert first["From"] == "triage@example.org"
    assert first.get_body(("plain",)).get_content().startswith("Texte")
    assert smtp_server.envelopes[0][1] == ["national@example.org", "chef@example.org"]
    rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} == {"sent"} and all(r.sent_at for r in rows)
    assert send_pending(session=session, settings=settings)["claimed"] == 0
    assert len(smtp_server.messages) == 3


def test_server_down_retries_with_backoff_and_keeps_the_error(app, session, smtp_server):
    settings = replace_settings(app, outbox_backoff_seconds=60, outbox_failed_after=3)
    _queue(session, 2)
    smtp_server.stop()
    now = utcnow()
    counts = send_pending(session=session, settings=settings, now=now)
    assert counts["failed"] == 2 and "ConnectionRefusedError" in counts["last_error"]
    rows = session.exec(select(OutboxMessage).execution_options(populate_existing=True)).all()
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    assert all(r.next_attempt_at >= now + dt.timedelta(seconds=59) for r in rows)
    assert all("ConnectionRefusedError" in r.last_error for r in rows)
    # waiting for the backoff: nothing is tried
    assert send_pending(session=session, settings=settings, now=now)["claimed"] == 0
    # attempts 2 and 3 fail too: the rows show "failed" but stay queued
    for _ in range(2):
        send_pending(session=session, settings=settings, ignore_backoff=True)
    rows = session.exec(select(OutboxMessage).execution_options(populate_existing=True)).all()
    assert {(r.status, r.attempts) for r in rows} == {("failed", 3)}
    assert outbox_counts(session=session)["failed"] == 2
    smtp_server.start()
    later = utcnow() + dt.timedelta(hours=2)
    assert send_pending(session=session, settings=settings, now=later)["sent"] == 2
    assert len(smtp_server.messages) == 2
    assert outbox_counts(session=session) == {
        "pending": 0, "sending": 0, "sent": 2, "failed": 0, "refused": 0, "uncertain": 0
    }


def test_backoff_doubles_and_is_capped(settings):
    settings = dataclasses.replace(
        settings, outbox_backoff_seconds=60, outbox_max_backoff_seconds=600
    )
    assert [backoff_seconds(attempts=n, settings=settings) for n in range(1, 7)] == [
        60,
        120,
        240,
        480,
        600,
        600,
    ]


def test_a_claim_is_exclusive_and_a_stale_claim_is_taken_back(settings, session, smtp_server):
    _queue(session, 2)
    now = utcnow()
    mine = claim(session=session, settings=settings, now=now, worker="a")
    assert len(mine) == 2 and {m.status for m in mine} == {"sending"}
    assert claim(session=session, settings=settings, now=now, worker="b") == []
    assert send_pending(session=session, settings=settings)["claimed"] == 0
    # worker "a" crashed; after OUTBOX_STALE_SECONDS its rows go out anyway
    stale = now + dt.timedelta(seconds=settings.outbox_stale_seconds + 1)
    assert send_pending(session=session, settings=settings, now=stale)["sent"] == 2
    assert len(smtp_server.messages) == 2


def test_two_senders_at_once_send_each_message_once(app, settings, session, smtp_server):
    smtp_server.delay = 0.01  # slow enough for the two senders to overlap
    _queue(session, 40)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sender():
        try:
            with app.app_context(), session_scope(app) as own:
                barrier.wait()
                for _ in range(100):  # until the outbox is empty
                    results.append(send_pending(session=own, settings=settings, limit=5))
                    if outbox_counts(session=own)["pending"] == 0:
                        break
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(r["sent"] for r in results) == 40


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_is_used_when_configured(app, session):
    server = SMTPServer(login=("robot", "s3cret"))
    server.start()
    try:
        settings = replace_settings(app, **server.attributes())
        _queue(session, 1)
        assert send_pending(session=session, settings=settings)["sent"] == 1
        assert len(server.messages) == 1
        settings = replace_settings(app, smtp_password="wrong")
        session.add(
            OutboxMessage(
                message_id="<other@triage>",
                kind="warning",
                to_addrs="x@example.org",
                subject="s",
                body_text="t",
            )
        )
        session.commit()
        counts = send_pending(session=session, settings=settings)
        assert counts["failed"] == 1 and "SMTPAuthenticationError" in counts["last_error"]
        assert len(server.messages) == 1
    finally:
        server.stop()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_starttls_and_login_with_a_verified_certificate(app, session, tmp_path):
    server = SMTPServer(login=("robot", "s3cret"), tls=self_signed_certificate(tmp_path))
    server.start()
    try:
        replace_settings(app, **server.attributes())
        _queue(session, 1)
        # the server requires STARTTLS: refused
        settings = replace_settings(app, smtp_starttls=False)
        refused = send_pending(session=session, settings=settings)
        assert refused["failed"] == 1 and server.messages == []
        settings = replace_settings(app, smtp_starttls=True)
        assert send_pending(session=session, settings=settings, ignore_backoff=True)["sent"] == 1
        assert len(server.messages) == 1
        # an unknown certificate is not trusted
        settings = replace_settings(app, smtp_ca_file=None)
        session.add(
            OutboxMessage(
                message_id="<tls@triage>",
                kind="warning",
                to_addrs="x@example.org",
                subject="s",
                body_text="t",
            )
        )
        session.commit()
        counts = send_pending(session=session, settings=settings)
        assert counts["failed"] == 1 and "CERTIFICATE_VERIFY_FAILED" in counts["last_error"]
    finally:
        server.stop()


# --- the hardening issue: each defect reproduced, then fixed ---------------------------------


def test_one_refused_address_does_not_stop_the_others(app, session, smtp_server, settings):
    """550 for every recipient of the oldest message: that one alone is refused, for good."""
    smtp_server.refuse["ferme@example.org"] = "550 5.1.1 <ferme@example.org>: unknown user"
    session.add(
        OutboxMessage(
            message_id="<refused@triage>",
            kind="escalation",
            to_addrs="ferme@example.org",
            subject="Demande refusée",
            body_text="Texte",
        )
    )
    session.commit()
    _queue(session, 3)  # after it: valid addresses

    counts = send_pending(session=session, settings=settings)

    assert (counts["sent"], counts["refused"], counts["failed"]) == (3, 1, 0)
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == [
        f"<test-{n}@triage>" for n in range(3)
    ]
    refused = session.exec(
        select(OutboxMessage).where(OutboxMessage.message_id == "<refused@triage>")
    ).one()
    session.refresh(refused)
    assert refused.status == "refused" and "550 5.1.1" in refused.last_error
    # refused for good: the next runs leave it alone (an admin retries it)
    assert send_pending(session=session, settings=settings, ignore_backoff=True)["claimed"] == 0
    assert outbox_counts(session=session)["refused"] == 1


def test_a_temporary_refusal_backs_off_that_message_only(app, session, smtp_server, settings):
    smtp_server.refuse["plein@example.org"] = "452 4.2.2 mailbox full"
    session.add(
        OutboxMessage(
            message_id="<later@triage>", kind="warning", to_addrs="plein@example.org",
            subject="Plus tard", body_text="Texte",
        )
    )
    session.commit()
    _queue(session, 2)
    counts = send_pending(session=session, settings=settings)
    assert (counts["sent"], counts["failed"], counts["refused"]) == (2, 1, 0)
    later = session.exec(
        select(OutboxMessage).where(OutboxMessage.message_id == "<later@triage>")
    ).one()
    session.refresh(later)
    assert later.status == "pending" and later.attempts == 1 and "452" in later.last_error


def test_a_title_with_line_breaks_still_gets_its_email(app, session, smtp_server, settings):
    _queue(session, 1)
    row = session.exec(select(OutboxMessage)).one()
    row.subject = "Demande R-1 - titre\r\nBcc: pirate@example.org\n" + "très long " * 60
    session.commit()
    assert send_pending(session=session, settings=settings)["sent"] == 1
    subject = smtp_server.messages[0]["Subject"]
    assert "\n" not in subject and "\r" not in subject and len(subject) <= 200
    assert subject.startswith("Demande R-1 - titre Bcc: pirate@example.org très long")
    assert smtp_server.messages[0]["Bcc"] is None
    assert smtp_server.envelopes[0][1] == ["national@example.org", "chef@example.org"]


def test_a_server_slower_than_the_data_timeout_gets_no_duplicate(app, session, smtp_server):
    """The end of DATA is acknowledged too late: the message is 'uncertain', never resent."""
    settings = replace_settings(app, smtp_data_timeout=0.5)
    smtp_server.delay = 1.5  # the server acknowledges after the client gave up
    _queue(session, 1)
    counts = send_pending(session=session, settings=settings)
    assert (counts["sent"], counts["uncertain"]) == (0, 1)
    row = session.exec(select(OutboxMessage)).one()
    session.refresh(row)
    assert row.status == "uncertain" and "acquitté" in row.last_error
    for _ in range(3):  # later runs, even ignoring backoff, never send it again
        send_pending(session=session, settings=settings, ignore_backoff=True)
    deadline = time.monotonic() + 5
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow server is still answering
    smtp_server.delay = 0
    assert len(smtp_server.messages) == 1  # the server did get it, once


def test_the_rfc_5321_timeouts_are_the_defaults(settings):
    assert (settings.smtp_command_timeout, settings.smtp_data_timeout) == (300.0, 600.0)


def test_one_run_drains_more_than_a_batch(app, session, smtp_server, settings):
    _queue(session, 250)  # more than one claim batch (100)
    counts = send_pending(session=session, settings=settings)
    assert (counts["claimed"], counts["sent"]) == (250, 250)
    assert len(smtp_server.messages) == 250
