"""Under a real gunicorn (`gunicorn -w 2 wsgi:app`, CSRF on): HTTP checks and Chromium.

One gunicorn and one Chromium for the whole module. Screenshots go to the temporary folder
(the README's pictures come from realistic data: ``docs/make_screenshots.py``).
"""

import datetime as dt
import os
import re
import tempfile
from pathlib import Path

import pytest
import requests

from tests.plugins.factories import make_ticket, seed_backlog
from tests.plugins.web import ITOP_UI_URL, PASSWORD, add_users
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
                itop_id=987654,
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


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def page(browser, site, request):
    viewport = getattr(request, "param", DESKTOP)
    context = browser.new_context(viewport=viewport, locale="fr-FR")
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


PAGES = {  # what every role may reach; /admin is the admin's
    "queue": "/",
    "ticket": "/tickets/R-XSS",
    "dashboard": "/stats",
    "admin": "/admin",
    "schools": "/etablissements",
    "report": "/rapport",
    "intake": "/demandes/saisir",
}


def open_every_details(page) -> None:
    """Open the charts' data tables: they must fit and pass the checks too."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


@needs_chromium
@pytest.mark.parametrize("page", [PHONE], indirect=True)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_page_is_wider_than_a_phone(page, site, name):
    sign_in(page, site, "admin")
    page.goto(site["url"] + PAGES[name])
    open_every_details(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide on a 390 px screen"
    shot(page, f"phone-{name}.png", full_page=True)
    assert page.errors == []


@needs_chromium
@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_on_a_phone_queue_titles_use_the_whole_width(page, site):
    sign_in(page, site, "agent_drasi")
    card = page.locator("table.queue tbody tr").first.bounding_box()
    title = page.locator("table.queue tbody td.title").first.bounding_box()
    assert title["width"] >= card["width"] - 40  # not squeezed to a few letters a line


@needs_chromium
def test_ages_never_wrap_on_a_desktop(page, site):
    sign_in(page, site, "superviseur")
    page.goto(site["url"] + "/?per_page=100")
    heights = page.eval_on_selector_all(
        "table.queue .age", "els => els.map(e => e.getClientRects().length)"
    )
    assert heights and set(heights) == {1}  # one box each: "30 j" on one line
    first = page.locator("table.queue .age").first.inner_text()
    assert re.fullmatch(r"\d+\xa0j", first)  # a non-breaking space between number and unit


@needs_chromium
@pytest.mark.parametrize("page", [PHONE, DESKTOP], indirect=True)
def test_chart_text_is_at_least_12_px_and_labels_are_whole(page, site):
    sign_in(page, site, "superviseur")
    page.goto(site["url"] + "/stats")
    sizes = page.eval_on_selector_all(
        "svg.chart text",
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a)",
    )
    assert sizes and min(sizes) >= 12, min(sizes)
    clipped = page.eval_on_selector_all(
        "#chart-establishments tbody th", "els => els.filter(e => e.scrollWidth > e.clientWidth)"
    )
    assert clipped == []
    assert page.locator("#chart-trend polyline").count() == 3  # SI2C, DRASI, National
    dashes = page.eval_on_selector_all(
        "#chart-trend polyline", "els => els.map(e => getComputedStyle(e).strokeDasharray)"
    )
    assert len(set(dashes)) == 3  # told apart by their dashes, not only their colours


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@needs_chromium
@pytest.mark.parametrize("page", [PHONE, DESKTOP], indirect=True)
def test_axe_finds_nothing_serious(page, site):
    page.goto(site["url"] + "/login")
    found = {"login": axe_violations(page)}
    sign_in(page, site, "admin")
    for name, path in PAGES.items():
        page.goto(site["url"] + path)
        open_every_details(page)
        found[name] = axe_violations(page)
    assert found == {name: [] for name in found}


@needs_chromium
def test_the_ticket_links_to_itop_in_a_new_tab(page, site):
    sign_in(page, site, "superviseur")
    page.goto(site["url"] + "/tickets/R-XSS")
    link = page.locator("#itop-link")
    expected = f"{ITOP_UI_URL}/pages/UI.php?operation=details&class=UserRequest&id=987654"
    assert link.get_attribute("href") == expected
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    assert "Ouvrir R-XSS dans iTop (nouvel onglet)" in link.text_content()
    page.goto(site["url"] + "/?team=TRIAGE&state=all")
    rows = page.locator("table.queue tbody tr a.itop")
    assert rows.count() > 0
    assert rows.first.get_attribute("aria-label").endswith("dans iTop (nouvel onglet)")


@needs_chromium
def test_statuses_show_in_french(page, site):
    sign_in(page, site, "superviseur")
    page.goto(site["url"] + "/tickets/R-XSS")
    assert page.inner_text("#ticket-status").strip() == "Fermé"
    page.goto(site["url"] + "/?team=NATIONAL")
    page.locator("table.queue tbody tr a").first.click()
    assert page.inner_text("#ticket-status").strip() in ("Affecté", "Nouveau", "En attente")
    assert "assigned" not in page.inner_text("main")
