"""The JSON API: listing and filters on the seed's case, detail, requalification, errors."""

import datetime as dt

import pytest
from sqlmodel import select

from tests.plugins.factories import make_ticket, seed_backlog
from triage.config import replace_settings
from triage.models import ItopWrite, RoutingDecision, SyncState, Ticket, utcnow

TICKET_KEYS = {
    "ref",
    "itop_id",
    "title",
    "description",
    "status",
    "open",
    "team",
    "team_source",
    "prefix",
    "confidence",
    "needs_review",
    "requalify_suggested",
    "created_at",
    "updated_at",
    "age_days",
    "overdue",
    "escalated_at",
    "organization",
    "caller",
    "gone",
    "itop_url",
    "agent",
    "escalation_due_at",
}


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


@pytest.fixture
def seeded(session):
    """The seed's 211 tickets plus one ticket of another service (never listed)."""
    session.add_all(seed_backlog(utcnow()))
    session.add(make_ticket(service="Messagerie", team="DRASI", status="new"))
    session.commit()


@pytest.fixture
def api(client, tokens):
    """``api(method, path, role="superviseur", **kwargs)``: a call with that user's token."""

    def call(method, path, role="superviseur", **kwargs):
        headers = {"Authorization": f"Bearer {tokens[role]}", **kwargs.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


def test_open_queue_of_the_seed(api, seeded):
    body = api("GET", "/api/v1/tickets?per_page=200").get_json()
    assert body["total"] == 60 and len(body["items"]) == 60
    assert (body["page"], body["per_page"]) == (1, 200)
    by_team = {
        team: api("GET", f"/api/v1/tickets?team={team}").get_json()["total"]
        for team in ("NATIONAL", "SI2C", "DRASI", "UNASSIGNED")
    }
    assert by_team == {"NATIONAL": 12, "SI2C": 3, "DRASI": 45, "UNASSIGNED": 0}
    assert api("GET", "/api/v1/tickets?state=all").get_json()["total"] == 211
    assert api("GET", "/api/v1/tickets?state=closed").get_json()["total"] == 151
    overdue = api("GET", "/api/v1/tickets?overdue=true&per_page=100").get_json()
    assert overdue["total"] == 28 and all(t["overdue"] for t in overdue["items"])
    assert api("GET", "/api/v1/tickets?team=drasi&overdue=true").get_json()["total"] == 26


def test_ticket_shape(api, seeded):
    item = api("GET", "/api/v1/tickets?per_page=1").get_json()["items"][0]
    assert set(item) == TICKET_KEYS
    # oldest first: a national ticket 40 days old
    assert item["team"] == "NATIONAL" and item["open"] is True and item["overdue"] is True
    assert 39.9 < item["age_days"] < 40.1
    for key in ("created_at", "updated_at"):
        assert dt.datetime.fromisoformat(item[key]).utcoffset() is not None
    assert item["team_source"] == "itop" and item["escalated_at"] is None


def test_pagination_walks_every_ticket_once(api, seeded):
    refs = []
    for page in (1, 2, 3):
        body = api("GET", f"/api/v1/tickets?per_page=25&page={page}").get_json()
        assert body["total"] == 60 and body["page"] == page
        refs += [t["ref"] for t in body["items"]]
    assert len(refs) == len(set(refs)) == 60
    assert api("GET", "/api/v1/tickets?per_page=25&page=4").get_json()["items"] == []
    newest = api("GET", "/api/v1/tickets?sort=newest&per_page=1").get_json()["items"][0]
    assert newest["age_days"] < 4


def test_search_and_needs_review(api, ticket_factory):
    ticket_factory(ref="R-1", title="SI2C budget <b>rectificatif</b>", team="SI2C")
    ticket_factory(
        ref="R-2", title="Accès", organization="Lycée Victor Hugo", team="DRASI", needs_review=True
    )
    ticket_factory(ref="R-3", title="100% bloqué", team="DRASI")
    assert [t["ref"] for t in api("GET", "/api/v1/tickets?q=RECTIF").get_json()["items"]] == ["R-1"]
    assert [t["ref"] for t in api("GET", "/api/v1/tickets?q=victor").get_json()["items"]] == ["R-2"]
    assert [t["ref"] for t in api("GET", "/api/v1/tickets?q=100%25").get_json()["items"]] == ["R-3"]
    assert [t["ref"] for t in api("GET", "/api/v1/tickets?q=_").get_json()["items"]] == []
    body = api("GET", "/api/v1/tickets?needs_review=true").get_json()
    assert [t["ref"] for t in body["items"]] == ["R-2"]


@pytest.mark.parametrize(
    "query",
    [
        "team=FOO",
        "state=pending",
        "page=0",
        "per_page=500",
        "page=x",
        "overdue=maybe",
        "sort=title",
    ],
)
def test_bad_listing_parameters_get_400(api, query):
    response = api("GET", f"/api/v1/tickets?{query}")
    assert response.status_code == 400
    assert set(response.get_json()) == {"error", "message"}


def test_requalify_moves_the_ticket_and_records_who_and_why(api, session, seeded):
    ticket = session.exec(select(Ticket).where(Ticket.team == "DRASI", Ticket.is_open)).first()
    ticket.needs_review = True
    ticket.requalify_suggested = True
    session.add(ticket)
    session.commit()
    response = api(
        "POST",
        f"/api/v1/tickets/{ticket.ref}/requalify",
        role="agent_drasi",
        json={"team": "SI2C", "comment": "question budgétaire"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["team"], body["team_source"]) == ("SI2C", "agent")
    assert body["needs_review"] is False and body["requalify_suggested"] is False
    last = body["history"][-1]
    assert (last["actor"], last["source"], last["from_team"], last["to_team"]) == (
        "agent_drasi",
        "agent",
        "DRASI",
        "SI2C",
    )
    assert last["reason"] == "question budgétaire"
    assert api("GET", f"/api/v1/tickets/{ticket.ref}").get_json()["team"] == "SI2C"
    totals = {
        t: api("GET", f"/api/v1/tickets?team={t}").get_json()["total"] for t in ("SI2C", "DRASI")
    }
    assert totals == {"SI2C": 4, "DRASI": 44}
    decisions = session.exec(
        select(RoutingDecision).where(RoutingDecision.ticket_id == ticket.id)
    ).all()
    assert [d.source for d in decisions] == ["agent"]
    # write-back is off by default: nothing queued for iTop
    assert session.exec(select(ItopWrite)).all() == []


def test_requalify_is_written_back_when_enabled(
    app_config, session, ticket_factory, tokens, client
):
    replace_settings(client.application, itop_writeback=True)
    ticket = ticket_factory(ref="R-WB", team="UNASSIGNED")
    response = client.post(
        "/api/v1/tickets/R-WB/requalify",
        json={"team": "drasi", "comment": "accès"},
        headers={"Authorization": f"Bearer {tokens['agent_si2c']}"},
    )
    assert response.status_code == 200
    write = session.exec(select(ItopWrite).where(ItopWrite.ticket_id == ticket.id)).one()
    assert write.team == "DRASI" and write.itop_id == ticket.itop_id
    assert write.log_entry == (
        "triage : ticket requalifié de la file « à trier » vers l'équipe DRASI par agent_si2c"
        " : « accès »."
    )


def test_requalify_refusals(api, ticket_factory):
    ticket_factory(ref="R-D", team="DRASI")
    url = "/api/v1/tickets/R-D/requalify"
    unknown = api("POST", url, json={"team": "COMPTA"})
    assert unknown.status_code == 400 and unknown.get_json()["error"] == "unknown_team"
    assert api("POST", url, json={"team": "UNASSIGNED"}).status_code == 400
    assert api("POST", url, json={"comment": "x"}).status_code == 400
    assert api("POST", url, json={"team": 3}).status_code == 400
    assert api("POST", url, data="pas du json", content_type="text/plain").status_code == 400
    forbidden = api("POST", url, role="agent_si2c", json={"team": "SI2C"})
    assert forbidden.status_code == 403 and set(forbidden.get_json()) == {"error", "message"}
    assert api("POST", "/api/v1/tickets/R-NONE/requalify", json={"team": "SI2C"}).status_code == 404
    assert api("GET", "/api/v1/tickets/R-D").get_json()["team"] == "DRASI"


def test_error_shape_for_404_405_and_500(app, api):
    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret detail")

    for method, path, status in (
        ("GET", "/api/v1/nothing", 404),
        ("DELETE", "/api/v1/tickets", 405),
        ("GET", "/api/v1/_boom", 500),
    ):
        response = api(method, path)
        assert response.status_code == status
        body = response.get_json()
        assert set(body) == {"error", "message"} and "secret" not in body["message"]
    assert api("GET", "/api/v1/nothing", headers={"Authorization": "Bearer x"}).status_code == 401


def test_stats_endpoint_is_the_backlog_table(api, seeded):
    body = api("GET", "/api/v1/stats", role="agent_si2c").get_json()
    assert body["open"] == {"total": 60, "NATIONAL": 12, "SI2C": 3, "DRASI": 45, "UNASSIGNED": 0}
    assert body["open_over_threshold"]["total"] == 28 and body["all"]["total"] == 211
    since = (utcnow() - dt.timedelta(days=10)).date().isoformat()
    assert api("GET", f"/api/v1/stats?since={since}").get_json()["since"] == since
    assert api("GET", "/api/v1/stats?since=hier").status_code == 400


def test_classify_returns_a_line_and_its_explanation(api):
    response = api(
        "POST",
        "/api/v1/classify",
        json={
            "id": 7,
            "title": "DRASI impossible de se connecter",
            "description": "message d'erreur au mot de passe",
        },
    )
    assert response.status_code == 200, response.get_json()  # the shared model is there
    body = response.get_json()
    assert body["id"] == 7 and body["prefix"] == "DRASI"
    assert {"team", "confidence", "requalify", "source", "explanation"} <= set(body)
    assert all(len(pair) == 2 for pair in body["explanation"])
    assert api("POST", "/api/v1/classify", json={}).status_code == 400


def test_healthz_reports_database_sync_and_jobs(client, session):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["sync"] is None
    assert "jobs" in body
    now = utcnow()
    session.add(
        SyncState(
            name="itop",
            last_run_at=now,
            last_success_at=now - dt.timedelta(minutes=3),
            last_fetched=5,
        )
    )
    session.commit()
    sync = client.get("/healthz").get_json()["sync"]
    assert sync["last_fetched"] == 5 and 170 <= sync["lag_seconds"] <= 240
