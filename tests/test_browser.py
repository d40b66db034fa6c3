"""Under a real gunicorn (`gunicorn -w 2 wsgi:app`, CSRF on): HTTP checks and Chromium.

One gunicorn and one Chromium for the whole module. Screenshots go to the temporary folder
(the README's pictures come from realistic data: ``docs/make_screenshots.py``).
"""

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest
import requests

from tests.plugins.factories import make_ticket, seed_backlog
from tests.plugins.web import PASSWORD, add_users
from triage.db import get_engine, get_session
from triage.models import BacklogSnapshot, utcnow
from triage.services.users import create_token

CHROMIUM = "/usr/bin/chromium"


def shot(page, name: str, **kwargs) -> None:
    """Save a screenshot in the temporary folder (a page that renders blank fails)."""
    target = Path(tempfile.gettempdir()) / f"triage-{name}"
    page.screenshot(path=str(target), **kwargs)
    assert target.stat().st_size > 0


XSS_TITLE = "<script>window.__pwned = 1</script>DRASI <b>gras</b>"
XSS_BODY = (
    '<img src=x onerror="window.__pwned = 2">\nBonjour, </div><script>window.__pwned=3</script>'
)
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def site(served, password_hash):
    """The seed's backlog, one ticket with HTML in it, users, a token and trend snapshots."""
    app = served.app()
    with app.app_context():
        session = get_session()
        now = utcnow()
        tickets = seed_backlog(now)
        for n, ticket in enumerate(tickets):  # names per team, to recognise them
            ticket.title = f"{ticket.team} demande {n}"
            ticket.organization = ("Lycée Victor Hugo", "Collège Camus", "LP Jean Moulin")[n % 3]
        session.add_all(tickets)
        session.add(
            make_ticket(
                ref="R-XSS",
                title=XSS_TITLE,
                description=XSS_BODY,
                team="UNASSIGNED",
                needs_review=True,
                created_at=now - dt.timedelta(days=12),
                status="closed",
            )
        )
        for days_ago in range(10):
            for team, value in (
                ("DRASI", 35 + days_ago),
                ("NATIONAL", 12),
                ("SI2C", 3 + days_ago % 3),
            ):
                session.add(
                    BacklogSnapshot(
                        day=(now - dt.timedelta(days=days_ago)).date(),
                        team=team,
                        total=100,
                        open=value,
                        overdue=20,
                    )
                )
        session.commit()
        users = add_users(session, password_hash)
        token = create_token(session=session, user=users["superviseur"])
    get_engine(app).dispose()
    return {"url": served.base_url, "token": token}


def api(site, method, path, **kwargs):
    headers = {"Authorization": f"Bearer {site['token']}", **kwargs.pop("headers", {})}
    return requests.request(method, site["url"] + path, headers=headers, timeout=30, **kwargs)


def test_healthz_answers_without_login(site):
    response = requests.get(site["url"] + "/healthz", timeout=10)
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/tickets"),
        ("GET", "/api/v1/tickets/R-000001"),
        ("POST", "/api/v1/tickets/R-000001/requalify"),
        ("GET", "/api/v1/stats"),
        ("POST", "/api/v1/classify"),
        ("GET", "/api/v1/openapi.json"),
    ],
)
@pytest.mark.parametrize("auth", [None, "Bearer trg_bad", "Bearer "])
def test_every_api_route_needs_a_valid_token(site, method, path, auth):
    headers = {"Authorization": auth} if auth else {}
    response = requests.request(method, site["url"] + path, headers=headers, json={}, timeout=10)
    assert response.status_code == 401
    assert set(response.json()) == {"error", "message"}


def test_seed_queue_and_requalification_over_http(site):
    counts = {
        team: api(site, "GET", f"/api/v1/tickets?team={team}").json()["total"]
        for team in ("NATIONAL", "SI2C", "DRASI")
    }
    assert api(site, "GET", "/api/v1/tickets").json()["total"] == 60
    assert counts == {"NATIONAL": 12, "SI2C": 3, "DRASI": 45}
    ref = api(site, "GET", "/api/v1/tickets?team=DRASI&sort=newest&per_page=1").json()["items"][0][
        "ref"
    ]
    response = api(
        site,
        "POST",
        f"/api/v1/tickets/{ref}/requalify",
        json={"team": "SI2C", "comment": "comptabilité"},
    )
    assert response.status_code == 200
    body = api(site, "GET", f"/api/v1/tickets/{ref}").json()
    assert (body["team"], body["team_source"]) == ("SI2C", "agent")
    assert body["history"][-1]["actor"] == "superviseur"
    refused = api(site, "POST", f"/api/v1/tickets/{ref}/requalify", json={"team": "COMPTA"})
    assert refused.status_code == 400 and refused.json()["error"] == "unknown_team"
    back = api(site, "POST", f"/api/v1/tickets/{ref}/requalify", json={"team": "DRASI"})
    assert back.status_code == 200  # leave the seed's counts for the browser tests


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fr-FR")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


def sign_in(page, site, login, password=PASSWORD):
    page.goto(site["url"] + "/")
    assert "/login" in page.url
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("button[type=submit]")


@needs_chromium
def test_failed_login(page, site):
    sign_in(page, site, "agent_drasi", "mauvais")
    assert "/login" in page.url
    assert "Identifiant ou mot de passe incorrect" in page.inner_text("main")


@needs_chromium
def test_agent_sees_queue_requalifies_and_sees_it_move(page, site):
    sign_in(page, site, "agent_drasi")
    page.wait_for_selector("table.queue")
    assert "45 tickets ouverts" in page.inner_text("#total")
    assert page.locator('.tabs a[aria-current="page"]').inner_text().startswith("DRASI")
    shot(page, "queue.png")
    first = page.locator("table.queue tbody tr").first
    ref = first.get_attribute("data-ref")
    first.locator("a").first.click()
    page.wait_for_selector("#requalify")
    page.select_option("#team", "SI2C")
    page.fill("#comment", "Question de budget : relève de SI2C")
    shot(page, "ticket.png")
    page.click("#requalify button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "SI2C" in page.inner_text("#ticket-team")
    assert page.inner_text("#ticket-source").strip() == "agent"
    assert "agent_drasi" in page.inner_text("#history")
    page.goto(site["url"] + "/?team=SI2C")
    assert page.locator(f'tr[data-ref="{ref}"]').count() == 1
    page.goto(site["url"] + "/?team=DRASI&per_page=100")
    assert page.locator(f'tr[data-ref="{ref}"]').count() == 0
    assert "44 tickets ouverts" in page.inner_text("#total")
    assert page.errors == []


@needs_chromium
def test_stats_page_draws_its_charts(page, site):
    sign_in(page, site, "superviseur")
    page.goto(site["url"] + "/stats")
    for chart in ("#chart-trend polyline", "#chart-ages rect", "#chart-establishments rect"):
        assert page.locator(chart).count() > 0, chart
        assert page.locator(chart).first.bounding_box()["width"] > 0
    assert page.inner_text('[data-key="open-total"]') == "60"
    shot(page, "stats.png", full_page=True)
    assert page.errors == []


@needs_chromium
def test_html_in_tickets_is_shown_as_text_never_run(page, site):
    sign_in(page, site, "superviseur")
    page.goto(site["url"] + "/tickets/R-XSS")
    assert page.inner_text("#ticket-title") == XSS_TITLE
    assert "<img src=x onerror=" in page.inner_text("#ticket-description")
    assert page.locator("main img").count() == 0 and page.locator("main b").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.errors == []
