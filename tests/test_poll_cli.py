"""``triage poll``: counts when iTop answers; a clear failure, and nothing lost, when not."""

import datetime as dt
import re

import pytest
from sqlmodel import func, select

from connectors.itop.sandbox import synthetic_tickets
from triage.config import replace_settings
from triage.models import SyncState, Ticket


def op_ale_titles(sandbox) -> dict[int, str]:
    return {
        int(t["id"]): t["title"]
        for t in sandbox.store.objects["UserRequest"].values()
        if t["service_name"] == "Op@le"
    }


def db_titles(session) -> dict[int, str]:
    session.expire_all()
    return {t.itop_id: t.title for t in session.exec(select(Ticket)).all()}


def test_poll_prints_the_counts(itop_sandbox, itop_app, runner):
    result = runner.invoke(args=["poll"])
    assert result.exit_code == 0, result.output
    assert "Lus 10, créés 10, mis à jour 0" in result.output


def test_poll_says_how_long_it_waited_for_itop(itop_sandbox, itop_app, runner):
    # a slow iTop: its delay is counted as iTop's answer time, not as triage's own work
    itop_sandbox.faults.add("delay", count=1, delay=0.4, operation="core/get")
    calls = itop_sandbox.requests
    result = runner.invoke(args=["poll"])
    assert result.exit_code == 0, result.output
    made = itop_sandbox.requests - calls
    said = (r"Durée ([\d.]+) s, dont ([\d.]+) s d'attente des réponses d'iTop \((\d+) "
            r"appel\(s\) ; iTop a répondu en ([\d.]+) s")  # fmt: skip
    found = re.search(said, result.output)
    assert found, result.output
    total, waited, answered = float(found[1]), float(found[2]), float(found[4])
    reported = int(found[3])
    assert reported == made and made >= 2  # list_operations, then the page(s)
    assert 0.4 <= waited <= total and answered >= 0.4  # the first page is waited for


FAULTS = {
    "login": ({}, "iTop refused the login (code 1: Error: Invalid login)"),
    "http500": ({"kind": "http500", "count": None}, "HTTP 500"),
    "timeout": ({"kind": "delay", "delay": 1.0, "count": None}, "did not answer within"),
    "cut": ({"kind": "cut", "count": None}, "unreachable"),
    "garbled": ({"kind": "garbled", "operation": "core/get"}, "not JSON"),
    "code100": (
        {"kind": "code100", "operation": "core/get"},
        "code 100: Error: injected fault (sandbox)",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_failed_poll_keeps_the_watermark_and_the_next_one_catches_up(
    fault, itop_sandbox, itop_app, runner, session
):
    store = itop_sandbox.store
    store.bulk_load(synthetic_tickets(250, now=store.now(), seed=5))
    assert runner.invoke(args=["poll"]).exit_code == 0
    watermark = session.get(SyncState, "itop").watermark
    store.set_clock(advance=dt.timedelta(minutes=10))
    for ticket_id in (3, 40, 120):
        store.update_ticket(ticket_id, title=f"corrigé {ticket_id}")
    store.add_ticket(title="DRASI - nouveau")

    spec, reason = FAULTS[fault]
    if fault == "login":
        replace_settings(itop_app, itop_password="wrong")
    else:
        itop_sandbox.faults.add(
            spec["kind"],
            count=spec.get("count", 1),
            delay=spec.get("delay", 0.0),
            operation=spec.get("operation"),
        )
    if fault == "timeout":
        replace_settings(itop_app, itop_timeout=0.3)
    failed = runner.invoke(args=["poll"])

    assert failed.exit_code != 0
    assert reason in failed.output and "Traceback" not in failed.output
    session.expire_all()
    state = session.get(SyncState, "itop")
    assert state.watermark == watermark
    assert state.last_error and state.last_error_at >= state.last_success_at

    itop_sandbox.faults.clear()
    replace_settings(itop_app, itop_password="admin", itop_timeout=2.0)
    caught_up = runner.invoke(args=["poll"])
    assert caught_up.exit_code == 0, caught_up.output
    assert db_titles(session) == op_ale_titles(itop_sandbox)
    assert session.exec(select(func.count()).select_from(Ticket)).one() == len(
        op_ale_titles(itop_sandbox)
    )


def test_failure_after_some_pages_keeps_the_watermark(itop_sandbox, itop_app, runner, session):
    store = itop_sandbox.store
    store.bulk_load(synthetic_tickets(350, now=store.now(), seed=6))

    pages = []

    def fail_third_page(params, _store):
        if params.get("operation") == "core/get" and params.get("class") == "UserRequest":
            pages.append(params["key"])
            if len(pages) == 3:  # keyset pages: the third one asked
                return {"code": 100, "message": "Error: MySQL server has gone away"}
        return None

    itop_sandbox.hooks.append(fail_third_page)
    failed = runner.invoke(args=["poll"])
    assert failed.exit_code != 0 and "MySQL server has gone away" in failed.output
    assert session.get(SyncState, "itop").watermark is None

    itop_sandbox.hooks.clear()
    assert runner.invoke(args=["poll"]).exit_code == 0
    assert db_titles(session) == op_ale_titles(itop_sandbox)


def test_poll_without_itop_settings_says_so(app, runner):
    result = runner.invoke(args=["poll"])
    assert result.exit_code != 0
    assert "no iTop URL configured" in result.output
