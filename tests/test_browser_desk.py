"""The agent's desk and live updates in Chromium, on a real gunicorn fed by the iTop sandbox:
a ticket added in iTop announces itself in an open queue; take, undo and bulk, recorded."""

import pytest

from connectors.itop.sandbox import Sandbox, SandboxStore
from tests.plugins.web import add_users
from tests.test_browser import browser, needs_chromium, page, sign_in  # noqa: F401 (fixtures)
from triage.config import get_settings
from triage.db import get_engine, get_session
from triage.models import RoutingDecision, Ticket, TicketEvent
from triage.services.ingest import run_poll
from triage.web.live import LIVE_SECONDS

WAIT = (LIVE_SECONDS + 2) * 1000  # ms of the page's clock: one poll and some


@pytest.fixture(scope="module")
def sandbox():
    """The iTop sandbox with its recorded tickets (one per module)."""
    running = Sandbox(SandboxStore()).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def site(served, password_hash, sandbox, shared_model_dir):
    """The served app after one sync with the sandbox, with the users of every role."""
    itop = {"ITOP_URL": sandbox.url, "ITOP_USER": "admin", "ITOP_PASSWORD": "admin"}
    app = served.app(MODEL_DIR=shared_model_dir, **itop)
    with app.app_context():
        add_users(get_session(), password_hash)
        run_poll(session=get_session(), settings=get_settings(app))
    get_engine(app).dispose()
    return {"url": served.base_url, "app": app}


def poll(site) -> None:
    """What the scheduler does every TRIAGE_POLL_SECONDS: one sync with iTop."""
    with site["app"].app_context():
        run_poll(session=get_session(), settings=get_settings(site["app"]))
    get_engine(site["app"]).dispose()


def in_db(site, query):
    with site["app"].app_context():
        rows = get_session().exec(query).all()
    get_engine(site["app"]).dispose()
    return rows


@needs_chromium
def test_a_ticket_added_in_itop_is_announced_in_an_open_queue(page, site, sandbox):  # noqa: F811
    page.clock.install()  # the page's timers run when the test says (no waiting 15 s)
    sign_in(page, site, "superviseur")
    page.wait_for_selector("table.queue")
    before = page.locator("table.queue tbody tr").count()
    badge = page.locator("#live a")
    page.clock.run_for(WAIT)
    assert badge.is_hidden()  # nothing new yet

    sandbox.store.add_ticket(title="DRASI - accès refusé au module budget", team="")
    poll(site)
    page.clock.run_for(WAIT)

    badge.wait_for(state="visible")
    assert badge.inner_text() == "1 nouveau ticket : afficher"
    assert page.locator("table.queue tbody tr").count() == before  # no row moved meanwhile
    assert page.get_attribute("#live", "role") == "status"  # read out by screen readers
    badge.click()
    page.wait_for_selector("table.queue")
    assert "accès refusé au module budget" in page.inner_text("table.queue")
    assert page.errors == []


@needs_chromium
def test_take_then_undo_a_requalification_in_the_browser(page, site):  # noqa: F811
    sign_in(page, site, "agent_si2c")
    page.goto(site["url"] + "/tickets/R-000004")  # SI2C, "new", nobody on it
    page.click("#take button")
    page.wait_for_selector(".flash-success")
    assert page.inner_text("#ticket-agent") == "agent_si2c"
    assert page.locator("#take").count() == 0
    page.select_option("#team", "DRASI")
    page.click("#requalify button[type=submit]")
    page.wait_for_selector("#undo")
    assert "DRASI" in page.inner_text("#ticket-team")
    page.click("#undo button")
    page.wait_for_selector(".flash-success")
    assert "SI2C" in page.inner_text("#ticket-team")
    assert "Annulation de la requalification vers DRASI" in page.inner_text("#history")
    ticket_id = in_db(site, Ticket.__table__.select().where(Ticket.ref == "R-000004"))[0].id
    kinds = in_db(site, TicketEvent.__table__.select().where(TicketEvent.ticket_id == ticket_id))
    assert [e.kind for e in kinds] == ["taken"]
    assert page.errors == []


@needs_chromium
def test_bulk_requalification_from_the_queue(page, site):  # noqa: F811
    sign_in(page, site, "superviseur")
    page.goto(site["url"] + "/?team=ALL&sort=newest")
    rows = page.locator("table.queue tbody tr")
    refs = [rows.nth(i).get_attribute("data-ref") for i in range(2)]
    for i in range(2):
        rows.nth(i).locator("input[name=refs]").check()
    page.select_option("#bulk-team", "NATIONAL")
    page.fill("#bulk-comment", "lot pour le national")
    page.click("#bulk button[type=submit]")
    page.wait_for_selector(".flash")
    assert "2 tickets requalifiés vers National." in page.inner_text(".flash")
    decisions = in_db(
        site,
        RoutingDecision.__table__.select().where(RoutingDecision.reason == "lot pour le national"),
    )
    assert sorted(d.actor for d in decisions) == ["superviseur", "superviseur"]
    page.goto(site["url"] + "/?team=NATIONAL&per_page=100")
    for ref in refs:
        assert page.locator(f'tr[data-ref="{ref}"]').count() == 1
    assert page.errors == []


@needs_chromium
def test_keyboard_shortcuts_of_the_queue(page, site):  # noqa: F811
    sign_in(page, site, "superviseur")
    page.wait_for_selector("table.queue")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    refs = page.eval_on_selector_all(
        "table.queue tbody tr[data-ref]", "rows => rows.map(r => r.dataset.ref)"
    )
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent.trim()") == refs[1]
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent.trim()") == refs[0]
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tickets/{refs[0]}")
    assert page.errors == []
