"""The completeness request: one French public-log message in iTop for a new, incomplete
request, through the outgoing queue, never twice, never for a ticket an agent handles."""

import datetime as dt
import json
import time

from sqlmodel import select

from triage.config import replace_settings
from triage.models import ItopWrite, Ticket, TicketEvent
from triage.services.ingest import run_poll
from triage.services.itop_push import push_pending

VAGUE = "<p>Bonjour, ça ne marche pas, pouvez-vous regarder ?</p>"
COMPLETE = (
    "<p>Je suis Marie DURAND, gestionnaire au collège Jules Verne (0801745T). En production, "
    "sphère ordonnateur : j'ai cliqué sur Valider la DBM, message d'erreur « code 500 », "
    "capture jointe.</p>"
)


def _ticket(session, itop_id):
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == itop_id)).one()
    session.refresh(ticket)
    return ticket


def _public_log(store, itop_id):
    return [e["message"] for e in store.objects["UserRequest"][itop_id]["public_log"]["entries"]]


def _add(store, **spec):
    return int(store.add_ticket(org="Rectorat", caller="", **spec)["id"])


def test_a_new_incomplete_request_is_asked_once(itop_sandbox, itop_app, session, client_as):
    store = itop_sandbox.store
    settings = replace_settings(itop_app, itop_writeback=True, completeness_request=True)
    vague = _add(store, title="Problème Op@le", description=VAGUE)
    complete = _add(store, title="SI2C - DBM bloquée", description=COMPLETE)
    handled = _add(store, title="Problème", description=VAGUE, status="assigned",
                   team="DRASI", agent="Claire Moreau")  # fmt: skip
    run_poll(session=session, settings=settings)
    push_pending(session=session, settings=settings)
    push_pending(session=session, settings=settings)  # a second run sends nothing again
    store.set_clock(advance=dt.timedelta(minutes=5))
    store.update_ticket(vague, urgency="2")  # changed in iTop: seen again by the sync
    run_poll(session=session, settings=settings)
    push_pending(session=session, settings=settings)

    messages = _public_log(store, vague)
    assert len(messages) == 1
    assert messages[0].startswith("Bonjour,\n\nPour que votre demande soit traitée")
    assert "- Fonction" in messages[0] and "- Captures d'écran" in messages[0]
    assert _public_log(store, complete) == [] and _public_log(store, handled) == []
    writes = session.exec(select(ItopWrite).where(ItopWrite.source == "completeness")).all()
    assert [(w.itop_id, w.status) for w in writes] == [(vague, "done")]
    ticket = _ticket(session, vague)
    events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    assert [e.kind for e in events] == ["completeness_request"]
    page = client_as("agent_si2c").get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "Complément demandé au demandeur dans iTop le" in page


def test_off_by_default_and_needs_write_back(itop_sandbox, itop_app, session):
    store = itop_sandbox.store
    _add(store, title="Question", description=VAGUE)
    run_poll(session=session, settings=replace_settings(itop_app, itop_writeback=True))  # off
    _add(store, title="Demande", description=VAGUE)  # first seen with the request but no write-back
    no_writeback = replace_settings(itop_app, itop_writeback=False, completeness_request=True)
    run_poll(session=session, settings=no_writeback)
    assert session.exec(select(ItopWrite).where(ItopWrite.source == "completeness")).all() == []
    kinds = session.exec(select(TicketEvent.kind)).all()
    assert "completeness_request" not in kinds


def test_the_measure_command(itop_sandbox, itop_app, session, runner):
    _add(itop_sandbox.store, title="Question", description=VAGUE)
    run_poll(session=session, settings=replace_settings(itop_app))
    result = runner.invoke(args=["completeness", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["would_ask_now"] == 1 and figures["incomplete"] >= 1
    assert figures["missing"]["Fonction"] >= 1
    text = runner.invoke(args=["completeness"]).output
    assert "1 nouvelle(s) demande(s) recevrai(en)t la demande de complément" in text


def test_an_unanswered_request_is_checked_not_posted_twice(itop_sandbox, itop_app, session):
    store = itop_sandbox.store
    settings = replace_settings(
        itop_app, itop_writeback=True, completeness_request=True, itop_timeout=0.5
    )
    vague = _add(store, title="Problème Op@le", description=VAGUE)
    run_poll(session=session, settings=settings)
    # iTop writes the public log, but answers after the client gave up
    itop_sandbox.faults.add("delay", delay=1.2, operation="core/update")
    assert push_pending(session=session, settings=settings)["failed"] == 1
    deadline = time.monotonic() + 5
    while not _public_log(store, vague) and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow iTop is still applying the first try
    second = push_pending(session=session, settings=settings, ignore_backoff=True)
    assert second["sent"] == 1
    assert len(_public_log(store, vague)) == 1

