"""The national level's and the teams' e-mails: the go-live digest (`triage escalate
--digest` on the seed's backlog sends one e-mail listing the 26 escalations first, then each
ticket's own e-mail once, later) and what a warning says (dates, time per team)."""

import datetime as dt

from sqlmodel import select

from tests.plugins.factories import make_ticket
from tests.test_escalation import (  # noqa: F401 (app_config: the same mail settings)
    DRASI,
    NATIONAL,
    _load_seed,
    _ref_of,
    app_config,
)
from triage.config import get_settings, replace_settings
from triage.models import OutboxMessage, utcnow
from triage.services.escalation import check_ages
from triage.services.golive import HOLD_MINUTES
from triage.services.outbox import send_pending
from triage.services.teams import set_team


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


def test_the_warning_gives_the_date_itops_assignment_and_the_time_per_team(app, session):
    settings = replace_settings(app, warning_to_drasi=(DRASI,))
    now = utcnow()
    created = now - dt.timedelta(days=12)
    ticket = make_ticket(
        team="UNASSIGNED", created_at=created, assigned_at=created + dt.timedelta(hours=2)
    )
    session.add(ticket)
    session.commit()
    # triage first saw it (a sync, long after) with the team iTop had given it
    set_team(session=session, ticket=ticket, team="DRASI", source="itop", actor="itop")
    session.commit()
    check_ages(session=session, settings=settings, now=now)
    mail = session.exec(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).one()
    tz = settings.tz
    due = (created + dt.timedelta(days=15)).astimezone(tz)
    assert f"transférée au niveau national le {due:%d/%m/%Y à %H:%M}." in mail.body_text
    assigned = (created + dt.timedelta(hours=2)).astimezone(tz)
    assert f"{assigned:%d/%m/%Y %H:%M} : Non attribué -> DRASI (iTop, iTop)" in mail.body_text
    assert "Temps en Non attribué : 0,1 jours" in mail.body_text  # iTop assigned it in 2 h
    assert "Temps en DRASI : 11,9 jours" in mail.body_text
