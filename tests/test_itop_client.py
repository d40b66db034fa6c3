"""The iTop client against the sandbox: protocol, typed errors, retries, dates, HTML, OQL."""

import datetime as dt
import threading

import pytest

from connectors.itop import (
    ItopAuthError,
    ItopClient,
    ItopNotConfigured,
    ItopProtocolError,
    ItopRemoteError,
    ItopUnreachable,
    format_itop_date,
    html_to_text,
    parse_itop_date,
    quote,
)


@pytest.fixture
def client(itop_sandbox):
    with ItopClient(
        itop_sandbox.url, user="admin", password="admin", timeout=2, retries=2, backoff=0
    ) as itop:
        yield itop


def test_get_by_oql_with_paging_and_found_total(client):
    page = client.get(
        "UserRequest", "SELECT UserRequest", output_fields=["id", "ref"], limit=3, page=2
    )
    assert page.total == 10
    assert [o.key for o in page.objects] == [8, 7, 6]
    assert page.objects[0].fields == {"id": "8", "ref": "R-000008"}


def test_nothing_found_gives_an_empty_page(client):
    page = client.get("UserRequest", 999999, output_fields="id")
    assert (page.objects, page.total) == ([], 0)


def test_token_in_the_auth_token_header(itop_sandbox):
    with ItopClient(itop_sandbox.url, token="sandbox-token", retries=0) as itop:
        assert len(itop.list_operations()) == 7
    with ItopClient(itop_sandbox.url, token="wrong", retries=0) as itop:
        with pytest.raises(ItopAuthError):
            itop.list_operations()


def test_refused_login_is_an_auth_error_with_itop_message(itop_sandbox):
    with ItopClient(itop_sandbox.url, user="admin", password="nope", retries=0) as itop:
        with pytest.raises(ItopAuthError) as caught:
            itop.get("UserRequest", 2, output_fields="id")
    assert str(caught.value) == "iTop refused the login (code 1: Error: Invalid login)"
    assert caught.value.code == 1


def test_remote_error_keeps_code_and_message(client):
    with pytest.raises(ItopRemoteError) as caught:
        client.get("UserRequest", "SELECT UserRequest", output_fields="id,no_such_field")
    assert caught.value.code == 100
    assert caught.value.remote_message == (
        "Error: output_fields: invalid attribute code 'no_such_field'"
    )


def test_http_500_is_retried_then_unreachable(itop_sandbox, client):
    itop_sandbox.faults.add("http500", count=None)
    before = itop_sandbox.requests
    with pytest.raises(ItopUnreachable) as caught:
        client.list_operations()
    assert itop_sandbox.requests - before == 3  # one try and two retries
    assert caught.value.__cause__ is not None


def test_transient_faults_are_retried_transparently(itop_sandbox, client):
    itop_sandbox.faults.add("http500", count=1)
    itop_sandbox.faults.add("cut", count=1)
    assert len(client.list_operations()) == 7


def test_timeout_and_garbled_json(itop_sandbox):
    with ItopClient(
        itop_sandbox.url, user="admin", password="admin", timeout=0.2, retries=0
    ) as itop:
        itop_sandbox.faults.add("delay", delay=0.6)
        with pytest.raises(ItopUnreachable, match="did not answer within 0.2 s"):
            itop.list_operations()
        itop_sandbox.faults.add("garbled")
        with pytest.raises(ItopProtocolError) as caught:
            itop.list_operations()
        assert isinstance(caught.value.__cause__, ValueError)


def test_nothing_listening_is_unreachable():
    with ItopClient("http://127.0.0.1:9", user="a", password="b", retries=0) as itop:
        with pytest.raises(ItopUnreachable):
            itop.list_operations()


def test_missing_settings():
    with pytest.raises(ItopNotConfigured):
        ItopClient("", user="admin")
    with pytest.raises(ItopNotConfigured):
        ItopClient("http://itop.example")


def test_quoted_values_find_titles_with_quotes_and_backslashes(itop_sandbox, client):
    title = "SI2C - l'export C:\\mandats\\2025 « échoue »"
    itop_sandbox.store.add_ticket(title=title)
    page = client.get(
        "UserRequest", f"SELECT UserRequest WHERE title = {quote(title)}", output_fields="title"
    )
    assert [o.fields["title"] for o in page.objects] == [title]
    assert quote(7) == "7"


def test_update_with_criteria_and_private_log(client):
    obj = client.update(
        "UserRequest",
        8,
        {"team_id": {"name": "DRASI"}, "private_log": "Routé vers DRASI"},
        comment="triage",
        output_fields="team_name,private_log",
    )
    assert obj.fields["team_name"] == "DRASI"
    assert obj.fields["private_log"]["entries"][-1]["message_html"] == "<p>Routé vers DRASI</p>"


def test_dates_are_read_in_itops_time_zone():
    winter = parse_itop_date("2026-01-19 10:00:00", "Europe/Paris")
    summer = parse_itop_date("2026-07-01 10:00:00", "Europe/Paris")
    assert winter == dt.datetime(2026, 1, 19, 9, 0, tzinfo=dt.UTC)
    assert summer == dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    assert parse_itop_date("", "Europe/Paris") is None
    assert format_itop_date(winter, "Europe/Paris") == "2026-01-19 10:00:00"
    with pytest.raises(ItopProtocolError):
        parse_itop_date("19/01/2026", "Europe/Paris")


def test_server_clock_is_read_from_the_date_header(itop_sandbox, client):
    itop_sandbox.store.set_clock(dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC))
    client.list_operations()
    assert client.server_date == dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)


def test_html_to_text_keeps_paragraphs_and_breaks():
    html = (
        "<p>Bonjour,</p><p>Erreur&nbsp;: &laquo;&nbsp;code 500&nbsp;&raquo;<br>"
        "chapitre <b>A1</b></p><script>x()</script><p>Cordialement,<br>Marie</p>"
    )
    assert html_to_text(html) == (
        "Bonjour,\n\nErreur : « code 500 »\nchapitre A1\n\nCordialement,\nMarie"
    )
    assert html_to_text("texte brut\nsur deux lignes") == "texte brut\nsur deux lignes"
    assert html_to_text(None) == ""


def test_keyset_pages_read_every_ticket_once_while_tickets_change(itop_sandbox, client):
    """Pages by ``id <``: updates between pages (ticket leaving the query) shift nothing."""
    store = itop_sandbox.store
    for number in range(230):
        store.add_ticket(title=f"ticket {number}")
    ids = [int(t["id"]) for t in store.ordered("UserRequest")]
    calls = []

    def busy_desk(params, sandbox_store):
        if params.get("operation") == "core/get" and params.get("class") == "UserRequest":
            calls.append(params["key"])
            sandbox_store.objects["UserRequest"][ids[len(calls) * 7]]["title"] = "moved"

    itop_sandbox.hooks.append(busy_desk)
    pages = list(
        client.iter_keyset(
            "UserRequest", "title != 'moved'", output_fields="id,title", page_size=50
        )
    )
    seen = [o.key for page in pages for o in page.objects]
    assert len(seen) == len(set(seen))  # nothing twice
    moved_before_read = {ids[n * 7] for n in range(1, len(calls) + 1)}
    assert set(seen) | moved_before_read == set(ids)  # nothing missed but what left
    assert calls[0] == "SELECT UserRequest WHERE title != 'moved'"
    assert calls[1].endswith(f"AND id < {pages[0].objects[-1].key}")


def test_keyset_without_condition_and_an_exact_last_page(itop_sandbox, client):
    pages = list(client.iter_keyset("UserRequest", "", output_fields="id", page_size=5))
    assert [[o.key for o in p.objects] for p in pages] == [[11, 10, 9, 8, 7], [6, 5, 4, 3, 2], []]


def _count_ticket_gets(sandbox, fail_at: int | None = None) -> list[str]:
    """The OQL of each UserRequest ``core/get`` the sandbox answers (the ``fail_at``-th one
    answered with an iTop error)."""
    gets: list[str] = []

    def count(params, _store):
        if params.get("operation") == "core/get" and params.get("class") == "UserRequest":
            gets.append(params["key"])
            if len(gets) == fail_at:
                return {"code": 100, "message": "Error: MySQL server has gone away"}
        return None

    sandbox.hooks.append(count)
    return gets


def _reading_threads() -> list[threading.Thread]:
    """The read-ahead threads still alive, once each had 5 s to end."""
    for thread in threading.enumerate():
        if thread.name.startswith("itop-pages"):
            thread.join(5)
    return [t for t in threading.enumerate() if t.name.startswith("itop-pages") and t.is_alive()]


def test_keyset_read_ahead_asks_the_next_page_while_the_caller_has_this_one(itop_sandbox, client):
    gets = _count_ticket_gets(itop_sandbox)
    pages = client.iter_keyset("UserRequest", "", output_fields="id", page_size=4, read_ahead=True)
    first = next(pages)
    deadline = dt.datetime.now() + dt.timedelta(seconds=10)
    while len(gets) < 2 and dt.datetime.now() < deadline:
        threading.Event().wait(0.01)
    assert len(gets) == 2  # asked while the first page is still ours
    keys = [[o.key for o in page.objects] for page in [first, *pages]]
    assert keys == [[11, 10, 9, 8], [7, 6, 5, 4], [3, 2]]  # the pages of a plain reading
    assert gets[1].endswith("id < 8") and gets[2].endswith("id < 4") and len(gets) == 3
    assert client.calls == 3 and 0 <= client.waited_seconds <= client.answer_seconds
    assert _reading_threads() == []


def test_keyset_read_ahead_raises_a_failed_read_at_its_page(itop_sandbox, client):
    gets = _count_ticket_gets(itop_sandbox, fail_at=2)
    pages = client.iter_keyset("UserRequest", "", output_fields="id", page_size=4, read_ahead=True)
    assert [o.key for o in next(pages).objects] == [11, 10, 9, 8]
    with pytest.raises(ItopRemoteError, match="gone away"):
        next(pages)
    assert len(gets) == 2 and _reading_threads() == []  # nothing asked after the failure


def test_keyset_read_ahead_stopped_by_its_caller_leaves_no_read_going(itop_sandbox, client):
    gets = _count_ticket_gets(itop_sandbox)
    pages = client.iter_keyset("UserRequest", "", output_fields="id", page_size=2, read_ahead=True)
    next(pages)
    pages.close()  # the caller failed on its page: the read in flight ends, no other starts
    assert _reading_threads() == [] and len(gets) <= 2
    assert client.get("UserRequest", 5, output_fields="id").objects[0].key == 5  # still usable


def test_ids_rechecked_in_batches_missing_ones_are_deleted(itop_sandbox, client):
    store = itop_sandbox.store
    store.objects["UserRequest"].pop(5)
    store.objects["UserRequest"][6]["service_name"] = "Autre service"
    found = client.get_by_ids(
        "UserRequest", [2, 5, 6, 7, 999], output_fields="id,service_name", batch=2
    )
    assert sorted(found) == [2, 6, 7]
    assert found[6].fields["service_name"] == "Autre service"
    assert client.count("UserRequest", "SELECT UserRequest WHERE id IN (2, 5, 6)") == 2


def test_team_members_are_read_from_the_team(client):
    assert client.team_members("DRASI") == {7, 8}
    assert client.team_members("SI2C") == {5, 6}
    assert client.team_members("Équipe inexistante") == frozenset()


def test_user_request_is_typed_once(client):
    from zoneinfo import ZoneInfo

    from connectors.itop import SYNC_FIELDS, UserRequest

    page = client.get(
        "UserRequest", "SELECT UserRequest WHERE id IN (2, 8)", output_fields=",".join(SYNC_FIELDS)
    )
    by_id = {o.key: UserRequest.from_object(o, ZoneInfo("Europe/Paris")) for o in page.objects}
    assigned, new = by_id[2], by_id[8]
    assert (assigned.team_id, assigned.team, assigned.agent_id, assigned.agent) == (
        2,
        "SI2C",
        5,
        "Paul Lefebvre",
    )
    assert (new.team_id, new.team, new.agent_id, new.agent) == (None, "", None, "")
    assert assigned.start_date == dt.datetime(2026, 11, 28, 14, 37, 12, tzinfo=dt.UTC)
    assert new.resolution_date is None and new.last_update_text
