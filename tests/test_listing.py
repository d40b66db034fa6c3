"""Listings at scale: keyset pages, bounded counts, accent- and case-insensitive search,
and the partial indexes the queries fit (read from the database's own plans)."""

import pytest
import sqlalchemy as sa

from tests.plugins.factories import make_ticket, seed_backlog
from triage.models import utcnow
from triage.services import escalation, listing


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model before the app is built."""


@pytest.fixture
def api(client, tokens):
    """``api(path)``: a GET with the supervisor's token; the JSON body."""

    def call(path, status=200):
        response = client.get(path, headers={"Authorization": f"Bearer {tokens['superviseur']}"})
        assert response.status_code == status, response.get_json()
        return response.get_json()

    return call


@pytest.fixture
def seeded(session):
    """The seed's 211 tickets."""
    session.add_all(seed_backlog(utcnow()))
    session.commit()


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_keyset_pages_walk_the_same_tickets_as_offsets(api, seeded, sort):
    by_offset = []
    for page in range(1, 10):
        body = api(f"/api/v1/tickets?state=all&per_page=25&sort={sort}&page={page}")
        by_offset += [t["ref"] for t in body["items"]]
    by_keyset, cursor, pages = [], None, 0
    while True:
        after = f"&after={cursor}" if cursor else ""
        body = api(f"/api/v1/tickets?state=all&per_page=25&sort={sort}{after}")
        by_keyset += [t["ref"] for t in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert by_keyset == by_offset and len(set(by_keyset)) == 211
    assert pages == 9  # 8 full pages and 11 left: the last page says there is no next


def test_a_cursor_that_is_not_one_is_refused(api, seeded):
    body = api("/api/v1/tickets?after=pas-un-curseur", status=400)
    assert "after" in body["message"]


def test_counts_are_bounded_and_say_so(api, seeded, monkeypatch):
    exact = api("/api/v1/tickets?state=all")
    assert (exact["total"], exact["total_exact"]) == (211, True)
    monkeypatch.setattr(listing, "COUNT_CAP", 100)
    capped = api("/api/v1/tickets?state=all&per_page=50")
    assert capped["total_exact"] is False and capped["total"] == 100
    far = api("/api/v1/tickets?state=all&per_page=50&page=4")  # rows 151 to 200 exist
    assert far["total_exact"] is False and far["total"] == 201  # at least: one more page
    assert len(far["items"]) == 50
    assert api("/api/v1/tickets?per_page=50")["total_exact"] is True  # 60 open


@pytest.fixture
def schools(session):
    """Tickets of a lycée written every way, in the title, the description or the caller."""
    tickets = [
        make_ticket(ref="R-A", title="Budget du Lycée Victor Hugo", team="SI2C"),
        make_ticket(ref="R-B", title="Connexion", description="au LYCÉE professionnel",
                    team="DRASI"),
        make_ticket(ref="R-C", title="Mot de passe", organization="lycee agricole",
                    team="DRASI"),
        make_ticket(ref="R-D", title="lycée fermé", status="closed", team="SI2C"),
        make_ticket(ref="R-E", title="Collège", caller="Œdipe Lycéen", team="UNASSIGNED"),
        make_ticket(ref="R-F", title="École primaire", description="rien à voir", team="SI2C"),
    ]
    session.add_all(tickets)
    session.commit()
    return tickets


@pytest.mark.parametrize("text", ["lycee", "LYCEE", "lycée", "LYCÉE", "Lycée"])
def test_search_ignores_accents_and_case_everywhere(api, schools, text):
    open_refs = {t["ref"] for t in api(f"/api/v1/tickets?q={text}")["items"]}
    assert open_refs == {"R-A", "R-B", "R-C", "R-E"}
    every = {t["ref"] for t in api(f"/api/v1/tickets?q={text}&state=all")["items"]}
    assert every == {"R-A", "R-B", "R-C", "R-D", "R-E"}


def test_search_reads_ref_caller_and_ligatures(api, schools):
    assert [t["ref"] for t in api("/api/v1/tickets?q=oedipe")["items"]] == ["R-E"]
    assert [t["ref"] for t in api("/api/v1/tickets?q=r-f")["items"]] == ["R-F"]
    assert api("/api/v1/tickets?q=100%25")["items"] == []  # % is a character, not a wildcard


def test_search_text_follows_a_changed_ticket(api, schools, session):
    ticket = schools[-1]
    ticket.description = "Le lycée ne reçoit plus les courriels"
    session.add(ticket)
    session.commit()
    assert "R-F" in {t["ref"] for t in api("/api/v1/tickets?q=recoit")["items"]}


def test_the_queue_page_searches_every_tab_with_counts(client_as, schools):
    client = client_as("agent_si2c")  # the SI2C tab by default
    page = client.get("/?q=LYCEE").get_data(as_text=True)
    assert "R-A" in page and "R-B" not in page  # the tab's own tickets...
    counts = {
        label: page.split(f">\n    {label} <span class=\"count\">", 1)[1].split("<", 1)[0]
        for label in ("SI2C", "DRASI", "À trier", "Toutes")
    }
    assert counts == {"SI2C": "1", "DRASI": "2", "À trier": "1", "Toutes": "4"}
    assert "team=DRASI&amp;q=LYCEE" in page or "q=LYCEE&amp;team=DRASI" in page
    drasi = client.get("/?q=lycee&team=DRASI").get_data(as_text=True)
    assert "R-B" in drasi and "R-C" in drasi and "R-A" not in drasi


def test_a_search_is_planned_for_its_pattern_on_postgresql(schools, session, settings):
    """psycopg prepares a statement run five times and PostgreSQL may then keep one generic
    plan for every pattern (the trigram index of all tickets): a search plans each statement
    for its own pattern, for the rest of its transaction only."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's plan cache")
    session.commit()

    def mode() -> str:
        return session.execute(sa.text("SHOW plan_cache_mode")).scalar_one()

    assert mode() == "auto"
    listing.ticket_page(session=session, settings=settings, query=listing.parse_query({}))
    assert mode() == "auto"  # no search: the cached plans stay
    found = listing.ticket_page(session=session, settings=settings,
                                query=listing.parse_query({"q": "lycee"}))
    assert found.items and mode() == "force_custom_plan"
    session.commit()
    assert mode() == "auto"  # the next transaction (request) plans as usual
    listing.queue_counts(session=session, settings=settings, q="lycee")
    assert mode() == "force_custom_plan"
    session.rollback()


def _plan(session, query) -> str:
    """SQLite's plan of a query, as text."""
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    rows = session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(row[-1]) for row in rows)


def test_sqlite_reads_open_tickets_only_for_the_age_check_and_lists(session, settings):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's planner (PostgreSQL's picks by statistics, see bench/)")
    now = utcnow()
    limits = escalation.thresholds(now=now, settings=settings)
    statement = escalation.candidate_statement(session=session, limits=limits, settings=settings)
    plan = _plan(session, statement)
    assert "USING INDEX ix_ticket_due" in plan, plan  # the open tickets not escalated yet
    for args, indexes in (
        ({}, ("ix_ticket_open_created",)),
        ({"team": "DRASI"}, ("ix_ticket_open_team",)),
        ({"needs_review": "true"}, ("ix_ticket_open_review", "ix_ticket_open_created")),
        ({"state": "all"}, ("ix_ticket_backlog_created",)),
        ({"q": "budget"}, ("ix_ticket_open_created",)),  # the open tickets' text only
    ):
        query = listing.parse_query(args)
        for statement in (listing.page_ids_statement, listing.count_statement):  # page, count
            plan = _plan(session, statement(query, session=session, settings=settings, now=now))
            assert any(index in plan for index in indexes), (args, statement, plan)
            assert "SCAN ticket" not in plan, (args, statement, plan)


def _tab_count(page: str, label: str) -> int:
    return int(page.split(f">\n    {label} <span class=\"count\">", 1)[1].split("<", 1)[0])


def test_tab_counts_are_kept_until_any_session_changes_the_tickets(
    client_as, schools, session, monkeypatch
):
    """The tabs' counts are kept with the tickets' version: a change committed through any
    session (here a second one, as another gunicorn worker or the scheduler would) shows on
    the next page; SQL sent outside triage's sessions moves no version and shows within the
    TTL; a search's counts are never kept."""
    from sqlmodel import Session

    from triage.models import Ticket
    from triage.services import tab_counts

    client = client_as("superviseur")
    before = _tab_count(client.get("/").get_data(as_text=True), "DRASI")
    elsewhere = session.exec(sa.select(Ticket).where(Ticket.team == "SI2C")).scalars().first()
    with session.get_bind().begin() as connection:  # SQL outside any session: no version
        connection.execute(sa.update(Ticket).where(Ticket.id == elsewhere.id).values(team="DRASI"))
    assert _tab_count(client.get("/").get_data(as_text=True), "DRASI") == before  # kept

    monkeypatch.setattr(tab_counts, "COUNTS_TTL", 0.0)
    tab_counts.forget()
    assert _tab_count(client.get("/").get_data(as_text=True), "DRASI") == before + 1
    monkeypatch.undo()
    assert _tab_count(client.get("/").get_data(as_text=True), "DRASI") == before + 1  # kept

    other = Session(session.get_bind())  # an ORM change, committed by another session
    ticket = other.get(Ticket, next(t for t in schools if t.team == "DRASI").id)
    ticket.team = "SI2C"
    other.add(ticket)
    other.commit()
    assert _tab_count(client.get("/").get_data(as_text=True), "DRASI") == before
    other.execute(sa.update(Ticket).where(Ticket.id == ticket.id).values(team="DRASI"))
    other.commit()  # a bulk UPDATE through a session
    assert _tab_count(client.get("/").get_data(as_text=True), "DRASI") == before + 1
    other.execute(sa.update(Ticket).where(Ticket.id == ticket.id).values(team="SI2C"))
    other.rollback()  # rolled back: nothing changed, the counts are still right
    assert _tab_count(client.get("/").get_data(as_text=True), "DRASI") == before + 1
    other.close()

    search = f"/?q={elsewhere.ref}"  # a search's counts are never kept
    assert _tab_count(client.get(search).get_data(as_text=True), "DRASI") == 1
    with session.get_bind().begin() as connection:
        connection.execute(sa.update(Ticket).where(Ticket.id == elsewhere.id).values(team="SI2C"))
    assert _tab_count(client.get(search).get_data(as_text=True), "DRASI") == 0
