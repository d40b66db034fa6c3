"""The agent's desk through the API and the pages: take, undo, bulk, soon overdue, the form."""

import datetime as dt

import pytest
from sqlmodel import select

from tests.plugins.factories import make_ticket
from triage.config import replace_settings
from triage.models import ItopWrite, RoutingDecision, Ticket, TicketEvent, User, utcnow
from triage.services.ingest import run_poll
from triage.services.itop_push import push_pending


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (the ticket page explains its decision)."""


def bearer(tokens, login):
    return {"Authorization": f"Bearer {tokens[login]}"}


def add(session, **fields) -> Ticket:
    ticket = make_ticket(**fields)
    session.add(ticket)
    session.commit()
    session.refresh(ticket)
    return ticket


def test_take_assigns_the_ticket_moves_it_to_my_team_and_is_recorded(client, session, tokens):
    ticket = add(session, team="UNASSIGNED", needs_review=True)
    response = client.post(
        f"/api/v1/tickets/{ticket.ref}/take", headers=bearer(tokens, "agent_si2c")
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["team"], body["team_source"], body["agent"]) == ("SI2C", "agent", "agent_si2c")
    assert body["needs_review"] is False
    assert body["history"][-1]["actor"] == "agent_si2c"
    assert body["history"][-1]["reason"] == "pris en charge par agent_si2c"
    assert [e["kind"] for e in body["events"]] == ["taken"]
    # write-back off: nothing is queued for iTop
    assert session.exec(select(ItopWrite)).all() == []


def test_an_agent_cannot_take_another_teams_ticket(client, session, tokens):
    ticket = add(session, team="DRASI")
    response = client.post(
        f"/api/v1/tickets/{ticket.ref}/take", headers=bearer(tokens, "agent_si2c")
    )
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    session.refresh(ticket)
    assert (ticket.team, ticket.agent) == ("DRASI", "")


def test_take_is_written_to_itop_as_the_users_person(
    itop_sandbox, itop_app, session, users, client, tokens
):
    run_poll(session=session, settings=replace_settings(itop_app))
    settings = replace_settings(itop_app, itop_writeback=True)
    users["agent_si2c"].itop_person_id = 6  # Julie Roussel, SI2C in the sandbox
    session.add(users["agent_si2c"])
    session.commit()
    ref = session.exec(select(Ticket.ref).where(Ticket.itop_id == 4)).one()  # "new", no agent

    response = client.post(f"/api/v1/tickets/{ref}/take", headers=bearer(tokens, "agent_si2c"))

    assert response.status_code == 200, response.get_json()
    write = session.exec(select(ItopWrite)).one()
    assert (write.agent_person_id, write.stimulus, write.source) == (6, "ev_assign", "agent")
    assert push_pending(session=session, settings=settings)["sent"] == 1
    in_itop = itop_sandbox.store.objects["UserRequest"][4]
    assert (in_itop["agent_id"], in_itop["status"]) == ("6", "assigned")
    assert in_itop["private_log"]["entries"][-1]["message"] == (
        "triage : ticket pris en charge par agent_si2c."
    )
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == 4)).one()
    session.refresh(ticket)
    assert (ticket.itop_agent_id, ticket.agent) == (6, "Julie Roussel")


def test_an_agent_undoes_a_move_out_of_the_team(client, session, tokens, settings):
    ticket = add(session, team="SI2C", team_source="itop")
    headers = bearer(tokens, "agent_si2c")
    moved = client.post(
        f"/api/v1/tickets/{ticket.ref}/requalify", json={"team": "DRASI"}, headers=headers
    )
    assert moved.status_code == 200
    # out of the agent's queue: requalifying it back is refused, undoing is not
    refused = client.post(
        f"/api/v1/tickets/{ticket.ref}/requalify", json={"team": "SI2C"}, headers=headers
    )
    assert refused.status_code == 403
    other = client.post(f"/api/v1/tickets/{ticket.ref}/undo", headers=bearer(tokens, "superviseur"))
    assert other.status_code == 409 and other.get_json()["error"] == "nothing_to_undo"

    undone = client.post(f"/api/v1/tickets/{ticket.ref}/undo", headers=headers)

    assert undone.status_code == 200
    body = undone.get_json()
    assert body["team"] == "SI2C"
    last = body["history"][-1]
    assert (last["from_team"], last["to_team"], last["actor"]) == ("DRASI", "SI2C", "agent_si2c")
    assert last["reason"].startswith("Annulation")
    # an undo is not undone in turn
    again = client.post(f"/api/v1/tickets/{ticket.ref}/undo", headers=headers)
    assert again.status_code == 409


def test_undo_is_written_back_when_writeback_is_on(app, client, session, tokens):
    replace_settings(app, itop_writeback=True)
    ticket = add(session, team="DRASI", team_source="itop")
    headers = bearer(tokens, "agent_drasi")
    client.post(f"/api/v1/tickets/{ticket.ref}/requalify", json={"team": "SI2C"}, headers=headers)
    assert client.post(f"/api/v1/tickets/{ticket.ref}/undo", headers=headers).status_code == 200
    writes = session.exec(select(ItopWrite).order_by(ItopWrite.id)).all()
    assert [w.team for w in writes] == ["SI2C", "DRASI"]
    assert "annulation de la requalification vers SI2C par agent_drasi" in writes[1].log_entry


def test_bulk_requalification_moves_what_it_may_and_says_what_it_left(client, session, tokens):
    mine = [add(session, team="UNASSIGNED"), add(session, team="SI2C")]
    theirs = add(session, team="DRASI")
    response = client.post(
        "/api/v1/tickets/requalify",
        json={
            "refs": [t.ref for t in mine] + [theirs.ref, "R-NOPE"],
            "team": "DRASI",
            "comment": "outil",
        },
        headers=bearer(tokens, "agent_si2c"),
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["moved"] == [t.ref for t in mine]
    assert {(r["ref"], r["error"]) for r in body["refused"]} == {
        (theirs.ref, "forbidden"),
        ("R-NOPE", "not_found"),
    }
    decisions = session.exec(
        select(RoutingDecision).where(RoutingDecision.actor == "agent_si2c")
    ).all()
    assert sorted((d.to_team, d.reason) for d in decisions) == [("DRASI", "outil")] * 2
    bad = client.post(
        "/api/v1/tickets/requalify",
        json={"refs": [mine[0].ref], "team": "X"},
        headers=bearer(tokens, "agent_si2c"),
    )
    assert bad.status_code == 400 and bad.get_json()["error"] == "unknown_team"


def test_bulk_form_from_the_queue(client_as, session):
    tickets = [add(session, team="UNASSIGNED") for _ in range(3)]
    client = client_as("superviseur")
    page = client.get("/?team=TRIAGE").get_data(as_text=True)
    assert 'name="refs"' in page and 'id="bulk"' in page
    response = client.post(
        "/requalify",
        data={"refs": [t.ref for t in tickets[:2]], "team": "SI2C", "next": "/?team=TRIAGE"},
        follow_redirects=True,
    )
    assert "2 tickets requalifiés vers SI2C." in response.get_data(as_text=True)
    session.expire_all()
    teams = [session.get(Ticket, t.id).team for t in tickets]
    assert teams == ["SI2C", "SI2C", "UNASSIGNED"]


def test_take_and_undo_buttons_on_the_ticket_page(client_as, session):
    ticket = add(session, team="UNASSIGNED")
    client = client_as("agent_drasi")
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "Je prends" in page and 'id="undo"' not in page
    taken = client.post(f"/tickets/{ticket.ref}/take", follow_redirects=True).get_data(as_text=True)
    assert f"Vous avez pris le ticket {ticket.ref}." in taken
    assert "agent_drasi" in taken and "Je prends" not in taken
    client.post(f"/tickets/{ticket.ref}/requalify", data={"team": "SI2C"})
    page = client.get(f"/tickets/{ticket.ref}").get_data(as_text=True)
    assert "Annuler ma requalification (retour en DRASI)" in page
    undone = client.post(f"/tickets/{ticket.ref}/undo", follow_redirects=True)
    assert "est revenu en DRASI" in undone.get_data(as_text=True)
    events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
    assert [e.kind for e in events] == ["taken"]


def test_an_unassigned_tickets_form_preselects_the_routers_leaning_or_nothing(client_as, session):
    bare = add(session, team="UNASSIGNED")
    leaning = add(session, team="UNASSIGNED", explanation={"leaning": "DRASI", "sentence": "x"})
    client = client_as("agent_si2c")
    page = client.get(f"/tickets/{bare.ref}").get_data(as_text=True)
    assert '<option value="" selected>— choisir une équipe —</option>' in page
    assert 'value="SI2C" selected' not in page
    page = client.get(f"/tickets/{leaning.ref}").get_data(as_text=True)
    assert 'value="DRASI" selected>DRASI (suggestion du routeur)' in page


def test_soon_overdue_tab_and_filter_show_the_escalation_date(client_as, client, session, tokens):
    now = utcnow()
    soon = add(
        session,
        team="DRASI",
        created_at=now - dt.timedelta(days=12),
        agent="Claire Moreau",
        status="assigned",
    )
    add(session, team="DRASI", created_at=now - dt.timedelta(days=3))
    add(session, team="DRASI", created_at=now - dt.timedelta(days=20))
    body = client.get("/api/v1/tickets?soon_overdue=true", headers=bearer(tokens, "superviseur"))
    items = body.get_json()["items"]
    assert [t["ref"] for t in items] == [soon.ref]
    due = dt.datetime.fromisoformat(items[0]["escalation_due_at"])
    assert abs(due - (soon.created_at + dt.timedelta(days=15))) < dt.timedelta(seconds=1)
    page = client_as("agent_drasi").get("/?team=SOON").get_data(as_text=True)
    assert "Bientôt en retard" in page and soon.ref in page
    local_due = due.strftime("%d/%m")
    assert f"escalade le {local_due}" in page
    assert "Affecté" in page and "Claire Moreau" in page  # French iTop status and the agent


def test_admin_sets_a_users_itop_person(client_as, session, users):
    client = client_as("admin")
    user_id = users["agent_si2c"].id
    response = client.post(
        f"/admin/users/{user_id}/itop-person", data={"itop_person_id": "6"}, follow_redirects=True
    )
    assert "la personne iTop n° 6" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user_id).itop_person_id == 6
    refused = client.post(
        f"/admin/users/{user_id}/itop-person", data={"itop_person_id": "abc"}, follow_redirects=True
    )
    assert "identifiant numérique" in refused.get_data(as_text=True)
    assert client_as("superviseur").post(f"/admin/users/{user_id}/itop-person").status_code == 403


def test_bulk_requalification_queues_one_itop_write_per_ticket(app, client, session, tokens):
    replace_settings(app, itop_writeback=True)
    tickets = [add(session, team="UNASSIGNED") for _ in range(3)]
    response = client.post(
        "/api/v1/tickets/requalify",
        json={"refs": [t.ref for t in tickets], "team": "SI2C"},
        headers=bearer(tokens, "superviseur"),
    )
    assert response.status_code == 200 and len(response.get_json()["moved"]) == 3
    writes = session.exec(select(ItopWrite).order_by(ItopWrite.id)).all()
    assert [(w.ticket_id, w.team, w.source) for w in writes] == [
        (t.id, "SI2C", "agent") for t in tickets
    ]
    assert all("par superviseur" in w.log_entry for w in writes)
