"""A busy desk in the sandbox: tickets change while a client pages through them; tickets moved
to another service or deleted from a test."""

import datetime as dt
import json
import time

import requests

from connectors.itop.sandbox import TICKET, Sandbox, SandboxStore
from tests.itop_replay import at


def rest(sandbox: Sandbox, **data) -> dict:
    """One REST call as admin."""
    form = {"version": "1.4", "json_data": json.dumps(data), "auth_user": "admin",
            "auth_pwd": "admin"}
    return requests.post(sandbox.url + "/webservices/rest.php", data=form, timeout=10).json()


def get(sandbox: Sandbox, key, fields="id,ref,status,last_update", **extra) -> dict:
    """``core/get`` of UserRequests."""
    return rest(sandbox, operation="core/get", **{"class": TICKET}, key=key,
                output_fields=fields, **extra)


def control(sandbox: Sandbox, method: str, path: str, body=None) -> requests.Response:
    return requests.request(method, f"{sandbox.url}/_sandbox/{path}", json=body, timeout=10)


def open_opale(store: SandboxStore) -> set[int]:
    return {
        int(t["id"])
        for t in store.objects[TICKET].values()
        if t["service_name"] == "Op@le" and t["status"] not in ("resolved", "closed")
    }


def page_through(seed: int) -> tuple[list[list[str]], dict]:
    """Read the instance 3 tickets a page while the desk changes 2 tickets after each page."""
    store = SandboxStore()
    store.set_clock(at("2026-11-28 16:00:00"))
    with Sandbox(store, updates_per_get=2, activity_seed=seed) as sandbox:
        pages = []
        for page in (1, 2, 3, 4):
            store.set_clock(advance=dt.timedelta(seconds=30))
            answer = get(sandbox, "SELECT UserRequest", limit=3, page=page)
            pages.append(list(answer["objects"] or {}))
        assert sandbox.activity.changed == 8
        return pages, store.dump()


def test_after_each_get_the_busy_desk_changes_open_opale_tickets_deterministically():
    before = SandboxStore()
    pages, after = page_through(seed=1)
    assert page_through(seed=1) == (pages, after)  # same seed, same changes
    assert page_through(seed=2)[1] != after
    moved = {
        int(t["id"]) for t in after["tickets"] if t["last_update"] >= "2026-11-28 16:00:30"
    }
    assert moved and moved <= open_opale(before)
    ops = [op for op in after["history"]["ops"] if op["userinfo"] == "sandbox activity"]
    assert {op["finalclass"] for op in ops} <= {
        "CMDBChangeOpSetAttributeScalar",
        "CMDBChangeOpSetAttributeCaseLog",
    }


def test_busy_desk_changes_show_in_the_next_incremental_read():
    with Sandbox(SandboxStore(), updates_per_get=1, activity_seed=3) as sandbox:
        store = sandbox.store
        store.set_clock(at("2026-11-28 16:00:00"))
        get(sandbox, "SELECT UserRequest")
        store.set_clock(advance=dt.timedelta(minutes=1))
        since = get(sandbox, "SELECT UserRequest WHERE last_update >= '2026-11-28 16:00:00'")
        assert since["message"] == "Found: 1"
        ticket = next(iter(since["objects"].values()))["fields"]
        assert int(ticket["id"]) in open_opale(SandboxStore())


def test_background_activity_over_http_and_from_python():
    with Sandbox(SandboxStore()) as sandbox:
        started = control(sandbox, "POST", "activity", {"rate": 40, "seed": 5}).json()
        assert started["rate"] == 40
        deadline = time.monotonic() + 5
        while sandbox.activity.changed < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sandbox.activity.changed >= 5
        stopped = control(sandbox, "DELETE", "activity").json()
        assert stopped["rate"] == 0
        count = sandbox.activity.changed
        time.sleep(0.2)
        assert sandbox.activity.changed == count
        sandbox.activity.start(rate=40)
        while sandbox.activity.changed == count and time.monotonic() < deadline + 5:
            time.sleep(0.05)
        sandbox.activity.stop()
        assert sandbox.activity.changed > count
        assert control(sandbox, "GET", "activity").json()["rate"] == 0


def test_a_ticket_moved_to_another_service_leaves_the_incremental_query():
    with Sandbox(SandboxStore()) as sandbox:
        store = sandbox.store
        store.set_clock(at("2026-11-28 16:00:00"))
        window = "SELECT UserRequest WHERE service_name = 'Op@le' AND last_update >= "
        moved = store.move_ticket(8)
        assert (moved["service_name"], moved["servicesubcategory_name"]) == (
            "Autre service",
            "Connexion / habilitations",
        )
        answer = control(sandbox, "POST", "tickets/9/move", {"service": "Autre service"})
        assert answer.json()["service_name"] == "Autre service"
        assert get(sandbox, window + "'2026-11-28 16:00:00'")["objects"] is None
        recheck = get(sandbox, "SELECT UserRequest WHERE id IN (8, 9)", "id,service_name")
        assert [o["fields"]["service_name"] for o in recheck["objects"].values()] == [
            "Autre service",
            "Autre service",
        ]
        assert control(sandbox, "POST", "tickets/999/move", {}).status_code == 404


def test_a_deleted_ticket_is_gone_and_logged():
    with Sandbox(SandboxStore()) as sandbox:
        store = sandbox.store
        store.set_clock(at("2026-11-28 16:00:00"))
        assert store.delete_ticket(4, comment="test") is True
        assert store.delete_ticket(4) is False
        assert control(sandbox, "DELETE", "tickets/5").json() == {"deleted": True}
        assert control(sandbox, "DELETE", "tickets/5").status_code == 404
        assert get(sandbox, 4)["objects"] is None
        log = rest(
            sandbox,
            operation="core/get",
            **{"class": "CMDBChangeOpDelete"},
            key="SELECT CMDBChangeOpDelete WHERE objclass = 'Ticket' AND fclass = 'UserRequest'",
            output_fields="objkey,fname,date,userinfo",
        )
        assert [o["fields"] for o in log["objects"].values()] == [
            {"objkey": "4", "fname": "R-000004", "date": "2026-11-28 16:00:00", "userinfo": "test"},
            {"objkey": "5", "fname": "R-000005", "date": "2026-11-28 16:00:00",
             "userinfo": "sandbox"},
        ]


def test_a_paced_sandbox_answers_as_slowly_as_a_real_itop():
    """``pace``: an answer takes at least that long for each field of each object it holds
    (the sync benchmark holds the sandbox to a real iTop's pace); the answer is unchanged."""
    with Sandbox(SandboxStore()) as fast, Sandbox(SandboxStore(), pace=0.01) as paced:
        started = time.perf_counter()
        answer = get(paced, "SELECT UserRequest", fields="id,ref")  # 10 tickets x 2 fields
        took = time.perf_counter() - started
        assert answer == get(fast, "SELECT UserRequest", fields="id,ref")
        assert len(answer["objects"]) == 10 and took >= 0.2
        assert get(paced, 999999)["objects"] is None
