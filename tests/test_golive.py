"""The go-live digest: `triage escalate --digest` on the seed's backlog sends one e-mail
listing the 26 escalations first, then each ticket's own e-mail once, later."""

import datetime as dt

import pytest
from sqlmodel import select

from tests.test_escalation import NATIONAL, _load_seed, _ref_of
from triage.config import get_settings
from triage.models import OutboxMessage, utcnow
from triage.services.golive import HOLD_MINUTES
from triage.services.outbox import send_pending


@pytest.fixture
def app_config(app_config, smtp_server):
    app_config.update(
        smtp_server.settings(),
        ESCALATION_TO=[NATIONAL],
        BASE_URL="https://triage.example.org",
        ITOP_URL="https://itop.example.org",
    )
    return app_config


def test_the_digest_goes_first_then_each_ticket_once(app, runner, session, smtp_server):
    due = _load_seed(session)
    result = runner.invoke(args=["escalate", "--digest"])
    assert result.exit_code == 0, result.output
    assert "26 escalade(s)" in result.output

    received = smtp_server.to(NATIONAL)
    assert len(received) == 1
    digest = received[0]
    assert (
        digest["Subject"] == "[triage] Mise en service : 26 demandes transférées au niveau national"
    )
    body = digest.get_body(("plain",)).get_content()
    assert all(ref in body for ref in due)
    assert "https://triage.example.org/tickets/" in body
    assert "chacune fera ensuite l'objet de son propre courriel" in body
    held = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "escalation")).all()
    assert len(held) == 26 and {m.status for m in held} == {"pending"}

    # the scheduler's sender, once the hold is over: each ticket's own e-mail, once
    later = utcnow() + dt.timedelta(minutes=HOLD_MINUTES + 1)
    settings = get_settings(app)
    send_pending(session=session, settings=settings, now=later)
    send_pending(session=session, settings=settings, now=later)
    singles = [
        m for m in smtp_server.to(NATIONAL) if m["Message-ID"].startswith("<escalation-national-")
    ]
    assert sorted(_ref_of(m) for m in singles) == sorted(due)

    again = runner.invoke(args=["escalate", "--digest"])  # nothing new: no second digest
    assert again.exit_code == 0 and "0 escalade(s)" in again.output
    assert len(smtp_server.to(NATIONAL)) == 27


def test_without_the_flag_nothing_changes(runner, session, smtp_server):
    _load_seed(session)
    assert runner.invoke(args=["escalate"]).exit_code == 0
    assert len(smtp_server.to(NATIONAL)) == 26
    assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all() == []
