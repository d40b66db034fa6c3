"""iTop as the system of record, through the sandbox's real HTTP: every decision reaches iTop,
every iTop change (team, service, deletion) reaches triage, and a busy desk never breaks a sync.
"""

import datetime as dt
import time

from sqlmodel import select

from connectors.itop.sandbox import synthetic_tickets
from tests.plugins.web import login
from triage.config import replace_settings
from triage.models import ItopWrite, Ticket, TicketEvent, utcnow
from triage.services.escalation import check_ages
from triage.services.ingest import run_poll
from triage.services.itop_push import push_pending
from triage.services.requalify import requalify
from triage.services.stats import backlog_for_app

TECHNICAL = (
    "<p>Bonjour, impossible de me connecter au portail ARENA : mot de passe refusé, compte "
    "bloqué, clé OTP refusée, page blanche dans Firefox, erreur 403 accès refusé.</p>"
)


def ticket_of(session, itop_id: int) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == itop_id)).one()
    session.refresh(ticket)
    return ticket


def later(store, minutes: int = 3) -> None:
    store.set_clock(advance=dt.timedelta(minutes=minutes))


def test_router_decisions_reach_itop_with_a_readable_log_entry(itop_sandbox, itop_app, session):
    settings = replace_settings(itop_app, itop_writeback=True)
    store = itop_sandbox.store
    unprefixed = int(store.add_ticket(title="plus d'accès au portail", description=TECHNICAL)["id"])

    run_poll(session=session, settings=settings)
    counts = push_pending(session=session, settings=settings)

    assert counts["failed"] == counts["refused"] == 0 and counts["sent"] >= 3
    for itop_id, team in ((8, "DRASI"), (9, "SI2C"), (unprefixed, "DRASI")):
        ticket = ticket_of(session, itop_id)
        in_itop = store.objects["UserRequest"][itop_id]
        assert ticket.team == team and in_itop["team_name"] == team
        entry = in_itop["private_log"]["entries"][-1]
        assert entry["message"].startswith(f"triage : ticket confié à l'équipe {team}. ")
        assert "confiance" in entry["message"]
        assert entry["user_login"]  # written by the REST account, as text
    prefixed = store.objects["UserRequest"][8]["private_log"]["entries"][-1]["message"]
    assert "Préfixe DRASI confirmé par le contenu" in prefixed
    by_model = store.objects["UserRequest"][unprefixed]["private_log"]["entries"][-1]["message"]
    assert "Le modèle attribue le ticket à DRASI" in by_model
    assert "Mots en faveur de DRASI : « " in by_model
    assert ticket_of(session, unprefixed).explanation  # stored when it was routed

    # our own writes come back with the next poll: no new decision, nothing queued
    later(store)
    run_poll(session=session, settings=settings)
    assert push_pending(session=session, settings=settings)["sent"] == 0


def test_a_ticket_left_to_a_human_is_not_written(itop_sandbox, itop_app, session):
    settings = replace_settings(itop_app, itop_writeback=True, router_threshold=1.01)
    store = itop_sandbox.store
    unsure = int(store.add_ticket(title="une question", description="<p>Bonjour.</p>")["id"])
    run_poll(session=session, settings=settings)
    assert ticket_of(session, unsure).team == "UNASSIGNED"
    writes = session.exec(select(ItopWrite).where(ItopWrite.itop_id == unsure)).all()
    assert writes == []


def test_a_new_team_clears_the_old_teams_agent(itop_sandbox, itop_app, session):
    store = itop_sandbox.store
    # R-000002: SI2C / Paul Lefebvre; a second SI2C ticket held by Claire Moreau (DRASI member)
    kept = int(store.add_ticket(title="SI2C - x", team="SI2C", agent="Claire Moreau")["id"])
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True)
    for itop_id in (2, kept):
        requalify(session=session, settings=settings, ticket=ticket_of(session, itop_id),
                  team="DRASI", actor="claire", comment="accès")

    assert push_pending(session=session, settings=settings)["sent"] == 2

    cleared, still = store.objects["UserRequest"][2], store.objects["UserRequest"][kept]
    assert (cleared["team_name"], cleared["agent_id"], cleared["agent_id_friendlyname"]) == (
        "DRASI", "0", "")
    assert (still["team_name"], still["agent_id_friendlyname"]) == ("DRASI", "Claire Moreau")
    assert ticket_of(session, 2).agent == "" and ticket_of(session, 2).itop_agent_id is None
    entry = cleared["private_log"]["entries"][-1]["message"]
    assert entry == (
        "triage : ticket requalifié de l'équipe SI2C vers l'équipe DRASI par claire : « accès »."
    )


def test_an_itop_change_made_before_the_push_wins_and_is_recorded(
    itop_sandbox, itop_app, session, client, tokens
):
    store = itop_sandbox.store
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True)
    ticket = ticket_of(session, 2)
    requalify(session=session, settings=settings, ticket=ticket, team="DRASI", actor="claire")
    later(store)
    store.update_ticket(2, team="Niveau national")  # an iTop user, before triage pushes

    counts = push_pending(session=session, settings=settings)

    assert (counts["sent"], counts["superseded"]) == (0, 1)
    assert store.objects["UserRequest"][2]["team_name"] == "Niveau national"  # not overwritten
    ticket = ticket_of(session, 2)
    assert (ticket.team, ticket.team_source) == ("NATIONAL", "itop")
    write = session.exec(select(ItopWrite).where(ItopWrite.itop_id == 2)).one()
    assert write.status == "superseded"
    event = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    assert event.kind == "conflict" and "iTop l'emporte" in event.detail
    answer = client.get(f"/api/v1/tickets/{ticket.ref}",
                        headers={"Authorization": f"Bearer {tokens['superviseur']}"}).get_json()
    assert answer["events"][0]["kind"] == "conflict"
    login(client, "superviseur")
    page = client.get(f"/tickets/{ticket.ref}")
    assert "iTop l&#39;emporte" in page.get_data(as_text=True)


def test_an_itop_change_seen_by_the_sync_first_cancels_the_pending_write(
    itop_sandbox, itop_app, session
):
    store = itop_sandbox.store
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True)
    requalify(session=session, settings=settings, ticket=ticket_of(session, 6), team="DRASI",
              actor="claire")
    later(store)
    store.update_ticket(6, team="Niveau national")
    run_poll(session=session, settings=settings)  # the sync sees iTop's change first

    assert push_pending(session=session, settings=settings)["sent"] == 0
    assert store.objects["UserRequest"][6]["team_name"] == "Niveau national"
    ticket = ticket_of(session, 6)
    assert (ticket.team, ticket.team_source) == ("NATIONAL", "itop")
    kinds = session.exec(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id))
    assert list(kinds) == ["conflict"]


def test_tickets_that_leave_the_service_or_are_deleted_leave_the_backlog(
    itop_sandbox, itop_app, session, smtp_server
):
    store = itop_sandbox.store
    old = utcnow() - dt.timedelta(days=20)
    stays, moved, deleted = (
        int(store.add_ticket(title=f"DRASI - {n}", team="DRASI", status="assigned",
                             start_date=old)["id"])
        for n in ("reste", "déplacé", "supprimé")
    )
    settings = replace_settings(itop_app, **smtp_server.attributes(),
                                escalation_to=("national@example.org",))
    run_poll(session=session, settings=settings)
    before = backlog_for_app(session=session, settings=settings)["open"]["total"]
    later(store)
    store.move_ticket(moved, "Autre service")
    store.delete_ticket(deleted)

    result = run_poll(session=session, settings=settings)

    assert (result.left, result.deleted) == (1, 1)
    assert (ticket_of(session, moved).gone, ticket_of(session, deleted).gone) == (
        "left_service", "deleted")
    assert backlog_for_app(session=session, settings=settings)["open"]["total"] == before - 2
    escalated = check_ages(session=session, settings=settings)
    refs = {ticket_of(session, moved).ref, ticket_of(session, deleted).ref}
    assert escalated["national"] == 1 and ticket_of(session, stays).escalated_at is not None
    assert all(ticket_of(session, i).escalated_at is None for i in (moved, deleted))
    assert not any(m["Subject"] and any(r in m["Subject"] for r in refs)
                   for m in smtp_server.messages)

    # moved back in iTop: tracked again, with its history
    later(store)
    store.move_ticket(moved, "Op@le")
    result = run_poll(session=session, settings=settings)
    assert result.back == 1 and ticket_of(session, moved).gone is None
    kinds = session.exec(
        select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_of(session, moved).id)
        .order_by(TicketEvent.id)
    )
    assert list(kinds) == ["left_service", "back"]


def test_the_api_says_why_a_ticket_is_gone(itop_sandbox, itop_app, session, client, tokens):
    store = itop_sandbox.store
    run_poll(session=session, settings=replace_settings(itop_app))
    later(store)
    store.delete_ticket(3)
    run_poll(session=session, settings=replace_settings(itop_app))
    auth = {"Authorization": f"Bearer {tokens['superviseur']}"}
    answer = client.get("/api/v1/tickets/R-000003", headers=auth).get_json()
    assert answer["gone"] == "deleted"
    assert answer["itop_url"].endswith("/pages/UI.php?operation=details&class=UserRequest&id=3")
    listed = client.get("/api/v1/tickets?state=all&per_page=200", headers=auth).get_json()
    assert "R-000003" not in {t["ref"] for t in listed["items"]}
    assert all(t["gone"] is None for t in listed["items"])


def test_a_busy_desk_first_sync_completes_in_one_poll(itop_sandbox, itop_app, session):
    """10,000 tickets in pages of 50, five tickets changed in iTop between every two pages."""
    store = itop_sandbox.store
    store.bulk_load(synthetic_tickets(10_000, now=store.now(), seed=7))
    itop_sandbox.activity.per_get = 5
    settings = replace_settings(itop_app, itop_page_size=50)
    calls = itop_sandbox.requests

    result = run_poll(session=session, settings=settings)

    expected = {int(t["id"]) for t in store.objects["UserRequest"].values()
                if t["service_name"] == "Op@le"}
    assert itop_sandbox.activity.status()["changed"] >= 5 * 200
    assert result.fetched == result.created == len(expected)  # every ticket, once
    assert set(session.exec(select(Ticket.itop_id))) == expected
    assert itop_sandbox.requests - calls <= len(expected) // 50 + 20  # pages + re-checks


def test_a_write_sent_without_an_answer_is_checked_not_doubled(itop_sandbox, itop_app, session):
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True, itop_timeout=0.5)
    requalify(session=session, settings=settings, ticket=ticket_of(session, 9), team="DRASI",
              actor="claire", comment="technique")
    # iTop applies the update, but answers after the client gave up
    itop_sandbox.faults.add("delay", delay=1.2, operation="core/update")
    first = push_pending(session=session, settings=settings)
    assert first["sent"] == 0 and first["failed"] == 1
    write = session.exec(select(ItopWrite)).one()
    session.refresh(write)
    assert write.unconfirmed and write.status == "pending"
    def messages():
        return [e["message"] for e in store.objects["UserRequest"][9]["private_log"]["entries"]]

    store, deadline = itop_sandbox.store, time.monotonic() + 5
    while write.log_entry not in messages() and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow iTop is still applying the first try

    second = push_pending(session=session, settings=settings, ignore_backoff=True)

    assert second["sent"] == 1
    assert messages().count(write.log_entry) == 1
    session.refresh(write)
    assert write.status == "done" and "déjà dans iTop" in write.last_error


def test_triage_writeback_pushes_now_and_fails_clearly(itop_sandbox, itop_app, session, runner):
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True)
    for itop_id in (8, 9):
        requalify(session=session, settings=settings, ticket=ticket_of(session, itop_id),
                  team="NATIONAL", actor="claire")
    result = runner.invoke(args=["writeback"])
    assert result.exit_code == 0, result.output
    assert "2 envoyée(s)" in result.output and "0 en attente" in result.output

    requalify(session=session, settings=settings, ticket=ticket_of(session, 2), team="DRASI",
              actor="claire")
    itop_sandbox.stop()
    result = runner.invoke(args=["writeback"])
    assert result.exit_code == 1
    assert "iTop" in result.output and "1 en attente" in result.output
    assert "Rien n'est perdu" in result.output
    assert session.exec(select(ItopWrite).where(ItopWrite.status == "done")).all()
    waiting = session.exec(select(ItopWrite).where(ItopWrite.itop_id == 2)).one()
    session.refresh(waiting)
    assert waiting.status == "pending" and waiting.last_error


def test_the_escalation_email_gives_the_last_exchanges_with_the_school(
    itop_sandbox, itop_app, session, smtp_server
):
    """iTop's public log (what the requester and the desk said) reaches the national level."""
    from triage.services.itop import client_from_settings
    from triage.services.outbox import send_pending

    store = itop_sandbox.store
    old = utcnow() - dt.timedelta(days=20)
    itop_id = int(store.add_ticket(title="DRASI - ARENA refuse ma clé OTP", team="DRASI",
                                   status="assigned", start_date=old)["id"])
    settings = replace_settings(itop_app, **smtp_server.attributes(),
                                escalation_to=("national@example.org",))
    with client_from_settings(settings) as client:
        for n, text in enumerate(("Pouvez-vous joindre une capture ?", "Voici la capture.",
                                  "Toujours bloquée ce matin, merci de relancer.")):
            later(store, minutes=1 + n)
            entry = {"add_item": {"message": text, "format": "text"}}
            client.update("UserRequest", itop_id, {"public_log": entry}, comment="test")
    run_poll(session=session, settings=settings)
    ticket = ticket_of(session, itop_id)
    assert [e["text"] for e in ticket.exchanges] == [
        "Toujours bloquée ce matin, merci de relancer.", "Voici la capture.",
        "Pouvez-vous joindre une capture ?"]  # newest first

    assert check_ages(session=session, settings=settings)["national"] == 1
    assert send_pending(session=session, settings=settings)["sent"] >= 1
    mail = next(m for m in smtp_server.messages if ticket.ref in (m["Subject"] or ""))
    body = mail.get_body(preferencelist=("plain",)).get_content()
    said = body.split("Derniers échanges avec l'établissement :")[1].split("Historique")[0]
    assert said.index("Toujours bloquée") < said.index("Voici la capture") < said.index(
        "Pouvez-vous joindre")


def test_the_national_level_gets_the_callers_email_and_phone(
    itop_sandbox, itop_app, session, smtp_server, client, tokens, client_as
):
    """The caller's contact lives on their iTop Person: the sync reads it, the ticket page,
    the API and the escalation e-mail give it."""
    from triage.services.outbox import send_pending

    store = itop_sandbox.store
    old = utcnow() - dt.timedelta(days=20)
    itop_id = int(store.add_ticket(title="SI2C - budget rectificatif bloqué", team="SI2C",
                                   status="assigned", start_date=old, caller="Agnès Lefort")["id"])
    person = store.find("Person", {"friendlyname": "Agnès Lefort"})[0]
    person.update(email="agnes.lefort@ac-amiens.example", phone="03 22 11 22 33",
                  mobile_phone="06 12 34 56 78")
    settings = replace_settings(itop_app, **smtp_server.attributes(),
                                escalation_to=("national@example.org",))
    run_poll(session=session, settings=settings)
    ticket = ticket_of(session, itop_id)
    assert (ticket.caller_email, ticket.caller_phone) == (
        "agnes.lefort@ac-amiens.example", "03 22 11 22 33 / 06 12 34 56 78")

    auth = {"Authorization": f"Bearer {tokens['superviseur']}"}
    answer = client.get(f"/api/v1/tickets/{ticket.ref}", headers=auth).get_json()
    assert answer["caller_email"] == "agnes.lefort@ac-amiens.example"
    page = client_as("superviseur").get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert 'href="mailto:agnes.lefort@ac-amiens.example"' in page
    assert 'href="tel:0322112233"' in page

    assert check_ages(session=session, settings=settings)["national"] == 1
    assert send_pending(session=session, settings=settings)["sent"] >= 1
    mail = next(m for m in smtp_server.messages if ticket.ref in (m["Subject"] or ""))
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert ("Contact du demandeur : agnes.lefort@ac-amiens.example · 03 22 11 22 33 / "
            "06 12 34 56 78") in body


def test_an_itop_without_the_contact_attributes_still_syncs(itop_sandbox, itop_app, session):
    """A data model without mobile_phone (iTop refuses the Person request): the tickets are
    synced all the same and the contacts already known are kept."""
    store = itop_sandbox.store
    itop_id = int(store.add_ticket(title="DRASI - ARENA", status="new", caller="Paul Noiret")["id"])
    run_poll(session=session, settings=replace_settings(itop_app))
    assert ticket_of(session, itop_id).caller_email == "paul.noiret@ac-demo.example"

    later(store)
    store.update_ticket(itop_id, title="DRASI - ARENA refuse mon mot de passe")
    added = [int(store.add_ticket(title=f"SI2C - question {n}", status="new",
                                  caller=f"Personne {n}")["id"]) for n in range(3)]
    for person in store.objects["Person"].values():
        del person["mobile_phone"]  # as in an iTop whose Person has no such attribute
    run_poll(session=session, settings=replace_settings(itop_app))
    ticket = ticket_of(session, itop_id)
    assert ticket.title == "DRASI - ARENA refuse mon mot de passe"
    assert ticket.caller_email == "paul.noiret@ac-demo.example"  # kept
    assert all(ticket_of(session, i).caller_email == "" for i in added)  # synced, no contact
