"""Incremental sync from the iTop sandbox, through real HTTP (``run_poll``)."""

import datetime as dt
import json

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import func, select

from connectors.itop.sandbox import synthetic_tickets
from tests.plugins.concurrency import run_together
from triage.config import get_settings, replace_settings
from triage.db import session_scope
from triage.models import ItopWrite, RoutingDecision, SyncState, Ticket
from triage.services.ingest import run_poll


def op_ale_ids(sandbox) -> set[int]:
    """The ids of the sandbox's Op@le tickets (what triage must hold after a sync)."""
    return {
        int(t["id"])
        for t in sandbox.store.objects["UserRequest"].values()
        if t["service_name"] == "Op@le"
    }


def db_ids(session) -> set[int]:
    return set(session.exec(select(Ticket.itop_id)).all())


def poll(app, session):
    return run_poll(session=session, settings=get_settings(app))


def test_first_sync_reads_every_page_and_ignores_other_services(itop_sandbox, itop_app, session):
    store = itop_sandbox.store
    store.bulk_load(synthetic_tickets(1500, now=store.now(), seed=1))
    store.bulk_load(synthetic_tickets(40, now=store.now(), seed=2, service="Messagerie"))

    result = poll(itop_app, session)

    expected = op_ale_ids(itop_sandbox)
    assert db_ids(session) == expected
    assert result.created == len(expected) == result.fetched
    assert result.pages >= len(expected) // get_settings(itop_app).itop_page_size
    assert session.exec(select(func.count()).where(Ticket.service != "Op@le")).one() == 0
    state = session.get(SyncState, "itop")
    assert state.watermark is not None and state.last_success_at is not None
    recorded = session.exec(select(Ticket).where(Ticket.itop_id == 2)).one()
    assert (recorded.ref, recorded.status, recorded.itop_team, recorded.team) == (
        "R-000002",
        "assigned",
        "SI2C",
        "SI2C",
    )
    assert recorded.created_at == dt.datetime(2026, 11, 28, 14, 37, 12, tzinfo=dt.UTC)
    assert recorded.description.startswith("Bonjour,\n\nLors de la saisie du budget")


def test_incremental_sync_picks_up_only_changes(itop_sandbox, itop_app, session):
    store = itop_sandbox.store
    store.bulk_load(synthetic_tickets(300, now=store.now(), seed=3))
    store.set_clock(advance=dt.timedelta(minutes=5))  # the load falls out of the poll's overlap
    poll(itop_app, session)
    store.set_clock(advance=dt.timedelta(minutes=10))
    changed = [20, 55, 101]
    for ticket_id in changed:
        store.update_ticket(ticket_id, title=f"Titre corrigé {ticket_id}")
    new = [store.add_ticket(title="DRASI - nouveau ticket")["id"] for _ in range(2)]

    result = poll(itop_app, session)

    assert (result.created, result.updated) == (2, 3)
    assert result.fetched == 5
    for ticket_id in changed:
        ticket = session.exec(select(Ticket).where(Ticket.itop_id == ticket_id)).one()
        assert ticket.title == f"Titre corrigé {ticket_id}"
    assert {int(i) for i in new} <= db_ids(session)


@pytest.mark.parametrize("victim", ["read", "unread"])
def test_ticket_updated_during_the_scan_is_not_missed(itop_sandbox, itop_app, session, victim):
    """An update between two pages (keyset pages on id) shifts nothing: every ticket is read
    in the first poll, once; a change after its page was read comes with the next poll."""
    store = itop_sandbox.store
    store.bulk_load(synthetic_tickets(450, now=store.now(), seed=4))
    ordered = store.ordered("UserRequest")
    target = int(ordered[5 if victim == "read" else 250]["id"])
    pages = []

    def update_between_pages(params, sandbox_store):
        if params.get("operation") == "core/get" and params.get("class") == "UserRequest":
            pages.append(params["key"])
            if len(pages) == 2:
                sandbox_store.set_clock(advance=dt.timedelta(seconds=30))
                sandbox_store.update_ticket(target, title="modifié pendant la lecture")

    itop_sandbox.hooks.append(update_between_pages)
    first = poll(itop_app, session)
    assert len(pages) >= 2 and "id <" in pages[1]
    assert db_ids(session) == op_ale_ids(itop_sandbox)  # nothing missed, in one poll
    assert first.fetched == first.created == len(op_ale_ids(itop_sandbox))  # each read once
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == target)).one()
    changed_at_once = ticket.title == "modifié pendant la lecture"
    assert changed_at_once == (victim == "unread")

    store.set_clock(advance=dt.timedelta(minutes=2))
    poll(itop_app, session)
    session.refresh(ticket)
    assert ticket.title == "modifié pendant la lecture"


def test_html_and_non_latin_text_come_through_intact(itop_sandbox, itop_app, session):
    title = "DRASI - Ελληνικά العربية 中文 😀 accès refusé"
    html = (
        "<p>Bonjour,</p><p>Message&nbsp;: &laquo;&nbsp;Δεν επιτρέπεται&nbsp;&raquo;"
        "<br>ligne 2 : لا يمكن الوصول</p><ul><li>écran 1</li><li>画面 2 🚫</li></ul>"
    )
    ticket_id = int(itop_sandbox.store.add_ticket(title=title, description=html)["id"])

    poll(itop_app, session)

    ticket = session.exec(select(Ticket).where(Ticket.itop_id == ticket_id)).one()
    assert ticket.title == title
    assert ticket.description_html == html
    assert ticket.description == (
        "Bonjour,\n\nMessage : « Δεν επιτρέπεται »\nligne 2 : لا يمكن الوصول\n\n"
        "- écran 1\n- 画面 2 🚫"
    )


def test_team_changed_in_itop_becomes_the_ticket_team(itop_sandbox, itop_app, session):
    store = itop_sandbox.store
    ticket_id = int(store.add_ticket(title="SI2C - question de budget")["id"])
    poll(itop_app, session)
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == ticket_id)).one()
    before = ticket.team  # whatever the router decided
    moved_to = "DRASI" if before != "DRASI" else "SI2C"

    store.set_clock(advance=dt.timedelta(minutes=5))
    store.update_ticket(ticket_id, team=moved_to)
    poll(itop_app, session)

    session.refresh(ticket)
    assert (ticket.team, ticket.team_source, ticket.itop_team) == (moved_to, "itop", moved_to)
    last = session.exec(
        select(RoutingDecision)
        .where(RoutingDecision.ticket_id == ticket.id)
        .order_by(RoutingDecision.id.desc())
    ).first()
    assert (last.actor, last.source, last.from_team, last.to_team) == (
        "itop",
        "itop",
        before,
        moved_to,
    )


def test_unknown_itop_team_is_left_to_the_router(itop_sandbox, itop_app, session):
    ticket_id = int(
        itop_sandbox.store.add_ticket(title="DRASI - mot de passe", team="Équipe inconnue")["id"]
    )
    poll(itop_app, session)
    ticket = session.exec(select(Ticket).where(Ticket.itop_id == ticket_id)).one()
    assert ticket.itop_team == "Équipe inconnue"
    assert ticket.team_source != "itop"


def test_each_page_is_written_in_one_statement(itop_sandbox, itop_app, session):
    """INSERT ... ON CONFLICT: a page's new tickets in one statement, its changed ones in
    one, never row by row; a new ticket is written once, with its team (iTop's or the
    router's), and the page's decisions together."""
    store = itop_sandbox.store
    store.bulk_load(synthetic_tickets(450, now=store.now(), seed=4))
    writes = []

    def spy(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith(
            ("INSERT INTO TICKET ", "UPDATE TICKET SET", "INSERT INTO ROUTINGDECISION ")
        ):
            # a list of parameter sets is a DBAPI executemany: one statement per row; else
            # one statement, holding as many rows as its VALUES has groups (SQLite) or as
            # its JSON parameter holds (PostgreSQL)
            per_row = isinstance(parameters, list)
            if per_row:
                rows = len(parameters)
            elif "json_populate_recordset" in statement:
                [document] = [v for v in parameters.values() if str(v).startswith("[")]
                rows = len(json.loads(document))
            else:
                rows = statement.count("), (") + 1
            writes.append((statement.split("(")[0].split(" SET")[0].strip(), per_row, rows))

    engine = session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", spy)
    try:
        first = poll(itop_app, session)
        inserts = [w for w in writes if w[0].upper().startswith("INSERT INTO TICKET")]
        assert len(inserts) == first.pages and not any(per_row for _, per_row, _ in inserts)
        assert sum(rows for *_, rows in inserts) == first.created  # a page's rows in one
        assert not [w for w in writes if w[0].upper().startswith("UPDATE")]
        decided = [w for w in writes if w[0].upper().startswith("INSERT INTO ROUTINGDECISION")]
        assert len(decided) <= first.pages and not any(per_row for _, per_row, _ in decided)
        sources = dict(session.exec(
            select(RoutingDecision.source, func.count()).group_by(RoutingDecision.source)
        ).all())  # fmt: skip
        assert sources.get("itop") and set(sources) - {"itop"}  # iTop's teams, the router's
        assert sum(rows for *_, rows in decided) == sum(sources.values())
        teams = session.exec(select(Ticket.team_source, func.count()).where(
            Ticket.team_source.is_not(None)).group_by(Ticket.team_source)).all()  # fmt: skip
        assert dict(teams) == sources  # each ticket with a team, its one decision
        store.set_clock(advance=dt.timedelta(minutes=10))
        for ticket_id in list(op_ale_ids(itop_sandbox))[:120]:
            store.update_ticket(ticket_id, title=f"Titre corrigé {ticket_id}")
        writes.clear()
        again = poll(itop_app, session)
    finally:
        sa_event.remove(engine, "before_cursor_execute", spy)
    assert again.updated >= 120
    inserts = [w for w in writes if w[0].upper().startswith("INSERT")]
    # the changes too, no UPDATE per changed ticket; a page with no change writes none
    assert 1 <= len(inserts) <= again.pages
    assert not [w for w in writes if w[0].upper().startswith("UPDATE") and w[1]]


def test_two_syncs_at_once_decide_each_new_ticket_once(itop_sandbox, itop_app, session):
    """Two polls reading the same new tickets at the same time (the scheduler's and a
    ``triage poll``): each ticket is created once, with one team decision and one write-back."""
    if get_settings(itop_app).database_url.startswith("sqlite"):
        pytest.skip("two writers at once: the PostgreSQL run proves it (row locks)")
    itop_sandbox.store.bulk_load(synthetic_tickets(600, now=itop_sandbox.store.now(), seed=6))
    settings = replace_settings(itop_app, itop_writeback=True)

    def one_poll():
        with itop_app.app_context(), session_scope(itop_app) as own:
            return run_poll(session=own, settings=settings)

    results = run_together(one_poll, timeout=120)
    expected = op_ale_ids(itop_sandbox)
    assert db_ids(session) == expected
    assert sum(r.created for r in results) == len(expected)
    per_ticket = session.exec(
        select(RoutingDecision.ticket_id, func.count()).group_by(RoutingDecision.ticket_id)
    ).all()
    assert per_ticket and {count for _, count in per_ticket} == {1}
    decided = {ticket_id for ticket_id, _ in per_ticket}
    with_team = set(session.exec(select(Ticket.id).where(Ticket.team_source.is_not(None))))
    assert decided == with_team
    writes = session.exec(select(ItopWrite.ticket_id, func.count()).group_by(ItopWrite.ticket_id))
    routed = set(session.exec(select(Ticket.id).where(Ticket.team_source.not_in(["itop"]))))
    counts = dict(writes.all())
    assert set(counts) == routed and set(counts.values()) == {1}
