"""The iTop client facing answers that break iTop's REST/JSON protocol, from a real loopback
server that sends exactly the body given: each is a typed error, never a KeyError."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from connectors.itop import ItopClient, ItopProtocolError, ItopRemoteError, ItopUnreachable


class _Canned(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        self.server.received.append(json.loads(form["json_data"][0]))
        status, body = self.server.answer
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_args):
        pass


@pytest.fixture
def canned():
    """``canned(body, status=200)`` sets the next answers; yields a client of that server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    server.received, server.answer = [], (200, {"code": 0})
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with ItopClient(url, user="admin", password="admin", timeout=5, retries=0) as client:

        def answer(body, status: int = 200) -> ItopClient:
            server.answer = (status, body)
            return client

        answer.server = server
        yield answer
    server.shutdown()
    server.server_close()


def _get(client: ItopClient):
    return client.get("UserRequest", "SELECT UserRequest", output_fields="id,title")


def test_a_well_formed_answer_goes_through_the_canned_server(canned):
    client = canned(
        {
            "code": 0,
            "message": "Found: 1",
            "objects": {
                "UserRequest::7": {"code": 0, "class": "UserRequest", "key": "7",
                                   "fields": {"id": "7", "title": "DRASI - accès"}},
            },
        }
    )
    page = _get(client)
    assert (page.total, [o.key for o in page.objects]) == (1, [7])
    assert page.objects[0].fields["title"] == "DRASI - accès"
    assert canned.server.received[-1]["operation"] == "core/get"


def test_an_answer_that_is_not_json(canned):
    client = canned(b"<html><body>Maintenance en cours</body></html>")
    with pytest.raises(ItopProtocolError, match="not JSON: '<html>") as caught:
        _get(client)
    assert isinstance(caught.value.__cause__, ValueError)


@pytest.mark.parametrize("body", [[{"code": 0}], "ok", 0, None])
def test_json_that_is_not_an_object(canned, body):
    with pytest.raises(ItopProtocolError, match="JSON that is not an object"):
        _get(canned(body))


@pytest.mark.parametrize("body", [{"message": "no code"}, {"code": "0"}, {"code": None}])
def test_an_answer_without_an_integer_code(canned, body):
    with pytest.raises(ItopProtocolError, match="without an integer 'code'"):
        _get(canned(body))


@pytest.mark.parametrize("objects", [[{"fields": {}}], "UserRequest::1", 3])
def test_objects_that_are_not_a_map(canned, objects):
    with pytest.raises(ItopProtocolError, match="'objects' is neither a map nor null"):
        _get(canned({"code": 0, "objects": objects}))


def test_null_objects_are_none_found(canned):
    page = _get(canned({"code": 0, "message": "Found: 0", "objects": None}))
    assert (page.objects, page.total) == ([], 0)


@pytest.mark.parametrize(
    "item", [{"code": 0, "key": "1"}, {"code": 0, "key": "1", "fields": ["id"]}, "UserRequest"]
)
def test_an_object_without_its_fields_map(canned, item):
    with pytest.raises(ItopProtocolError, match="object 'UserRequest::1' has no 'fields' map"):
        _get(canned({"code": 0, "objects": {"UserRequest::1": item}}))


@pytest.mark.parametrize("name,item", [
    ("UserRequest::x", {"code": 0, "fields": {}}),  # no key, and none in the name
    ("UserRequest::1", {"code": 0, "key": "un", "fields": {}}),
    ("UserRequest::1", {"code": 0, "key": None, "fields": {}}),
])
def test_an_object_without_a_numeric_key(canned, name, item):
    with pytest.raises(ItopProtocolError, match="has no numeric key") as caught:
        _get(canned({"code": 0, "objects": {name: item}}))
    assert isinstance(caught.value.__cause__, TypeError | ValueError)


def test_an_object_without_key_takes_the_one_of_its_name(canned):
    page = _get(canned({"code": 0, "objects": {"UserRequest::12": {"code": 0, "fields": {}}}}))
    assert [o.key for o in page.objects] == [12]


def test_an_object_with_a_non_zero_code_is_a_remote_error(canned):
    body = {
        "code": 0,
        "objects": {
            "UserRequest::1": {"code": 0, "key": "1", "fields": {}},
            "UserRequest::2": {"code": 100, "message": "Error: not allowed", "key": "2",
                               "fields": {}},
        },
    }
    with pytest.raises(ItopRemoteError) as caught:
        _get(canned(body))
    error = caught.value
    assert (error.code, error.remote_message, error.operation) == (
        100, "Error: not allowed", "object UserRequest::2"
    )


def test_an_update_answering_no_object_is_a_protocol_error(canned):
    client = canned({"code": 0, "objects": None})
    with pytest.raises(ItopProtocolError, match="expected one object in the answer, got 0"):
        client.update("UserRequest", 1, {"title": "x"}, comment="triage")


def test_http_statuses_other_than_200(canned):
    with pytest.raises(ItopProtocolError, match="iTop answered HTTP 404"):
        _get(canned({"code": 0}, status=404))
    with pytest.raises(ItopUnreachable, match="HTTP 503|retries|503"):
        _get(canned({"code": 0}, status=503))
