"""The pages' live updates: what /live/queue and /live/stats answer as tickets arrive."""

import datetime as dt
import re

import pytest

from tests.plugins.factories import make_ticket
from triage.models import utcnow


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (the app's settings)."""


def add(session, **fields):
    ticket = make_ticket(**fields)
    session.add(ticket)
    session.commit()
    session.refresh(ticket)
    return ticket


def live_url(page: str) -> str:
    return re.search(r'id="live"[^>]*data-url="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_the_queue_counts_tickets_arrived_since_it_was_shown(client_as, session):
    add(session, team="DRASI")
    client = client_as("agent_drasi")
    page = client.get("/").get_data(as_text=True)  # the agent's own tab: DRASI
    assert 'src="/static/live.js"' in page or "live.js" in page
    url = live_url(page)
    assert client.get(url).get_json()["new"] == 0

    add(session, team="DRASI")
    add(session, team="DRASI")
    add(session, team="SI2C")  # another tab: counted there, not announced here

    answer = client.get(url).get_json()
    assert answer["new"] == 2 and answer["label"] == "2 nouveaux tickets : afficher"
    assert (answer["counts"]["DRASI"], answer["counts"]["SI2C"], answer["counts"]["ALL"]) == (
        3,
        1,
        4,
    )


def test_a_page_past_the_end_announces_nothing_already_there(client_as, session):
    for _ in range(3):
        add(session, team="DRASI")
    client = client_as("agent_drasi")
    url = live_url(client.get("/?page=5").get_data(as_text=True))  # no item on this page
    assert client.get(url).get_json()["new"] == 0
    add(session, team="DRASI")
    assert client.get(url).get_json()["new"] == 1


def test_the_soon_overdue_tab_announces_only_its_own(client_as, session):
    client = client_as("superviseur")
    url = live_url(client.get("/?team=SOON").get_data(as_text=True))
    add(session, team="SI2C", created_at=utcnow() - dt.timedelta(days=2))
    assert client.get(url).get_json()["new"] == 0
    add(session, team="SI2C", created_at=utcnow() - dt.timedelta(days=11))
    answer = client.get(url).get_json()
    assert answer["new"] == 1 and answer["label"] == "1 nouveau ticket : afficher"
    assert answer["counts"]["SOON"] == 1


def test_the_dashboard_signature_changes_with_the_backlog(client_as, session):
    client = client_as("superviseur")
    page = client.get("/stats").get_data(as_text=True)
    assert 'data-url="/live/stats"' in page
    before = client.get("/live/stats").get_json()["signature"]
    assert client.get("/live/stats").get_json()["signature"] == before
    ticket = add(session, team="DRASI")
    after = client.get("/live/stats").get_json()["signature"]
    assert after != before
    client.post(f"/tickets/{ticket.ref}/requalify", data={"team": "SI2C"})
    assert client.get("/live/stats").get_json()["signature"] != after


def test_live_answers_need_a_session(client):
    assert client.get("/live/queue").status_code == 302
    assert client.get("/live/stats").status_code == 302
