"""The sandbox answers like the recorded iTop: each recording's request replayed over HTTP."""

import base64
import json
from pathlib import Path

import pytest
import requests

from connectors.itop.sandbox import Sandbox, SandboxStore

RECORDINGS = Path(__file__).parent / "data" / "itop-recordings"
FILES = sorted(p.name for p in RECORDINGS.glob("[0-9]*.json"))
# The state a ticket was in when the recording was made (the seed is the final state).
BEFORE = {
    "50_apply_stimulus_ev_assign.json": (2, {"status": "new"}),
    "51_apply_stimulus_ev_assign_without_agent_accepted.json": (11, {"status": "new"}),
    "52_apply_stimulus_ev_pending.json": (3, {"status": "assigned"}),
    "53_apply_stimulus_ev_resolve.json": (5, {"status": "assigned", "solution": ""}),
    "54_apply_stimulus_ev_resolve_missing_mandatory.json": (
        5,
        {"status": "assigned", "solution": ""},
    ),
    "56_apply_stimulus_ev_reassign_with_criteria_keys.json": (10, {"status": "assigned"}),
}
# Recorded while the 1,000 bulk tickets "... (lot N)" existed.
EXTRA_TICKETS = {"58_core_delete_simulate.json": ["Demande de charge (lot 1)"]}


@pytest.fixture(scope="module")
def sandbox():
    server = Sandbox(SandboxStore()).start()
    yield server
    server.stop()


def replay(sandbox: Sandbox, recording: dict) -> requests.Response:
    """Send a recording's request as it was sent (form, basic or no authentication)."""
    request = recording["request"]
    form, headers = {}, {}
    if request["version"] is not None:
        form["version"] = request["version"]
    data = request["json_data"]
    if data is not None:
        form["json_data"] = data if isinstance(data, str) else json.dumps(data)
    if isinstance(data, dict) and data.get("password") == "***REDACTED***":
        data = dict(data, password="admin")
        form["json_data"] = json.dumps(data)
    login = "triage" if "non_admin" in recording["_name"] else "admin"
    password = "wrong" if "wrong_password" in recording["_name"] else login
    if "check_credentials_wrong" in recording["_name"]:
        form["json_data"] = json.dumps(dict(data, password="wrong"))
        password = login
    if request["auth"] == "form":
        form.update(auth_user=login, auth_pwd=password)
    elif request["auth"] == "basic":
        token = base64.b64encode(f"{login}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return requests.post(sandbox.url + request["url_path"], data=form, headers=headers, timeout=10)


def same_shape(got, want, path="response") -> None:
    """Same keys (in the same order), same value types; lists compared element-wise."""
    assert type(got) is type(want), f"{path}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, dict):
        if path.endswith(".objects"):
            assert len(got) == len(want), f"{path}: {list(got)} != {list(want)}"
            for (gk, gv), (wk, wv) in zip(got.items(), want.items(), strict=True):
                assert gk.split("::")[0] == wk.split("::")[0]
                same_shape(gv, wv, f"{path}[{wk}]")
            return
        assert list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
        for key in want:
            same_shape(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list) and want and got:
        same_shape(got[0], want[0], f"{path}[0]")


@pytest.mark.parametrize("name", FILES)
def test_sandbox_answers_like_the_recording(sandbox, name):
    recording = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
    recording["_name"] = name
    sandbox.store.load(SandboxStore().dump())
    if name in BEFORE:
        ticket_id, fields = BEFORE[name]
        sandbox.store.objects["UserRequest"][ticket_id].update(fields)
    for title in EXTRA_TICKETS.get(name, []):
        sandbox.store.add_ticket(title=title)
    response = replay(sandbox, recording)
    assert response.status_code == recording["http_status"]
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    want = recording["response"]
    assert body["code"] == want["code"], body
    assert body["message"] == want["message"]
    same_shape(body, want)


def test_recorded_tickets_come_back_field_for_field(sandbox):
    """The seeded instance gives back file 20's objects exactly (same values, same order)."""
    sandbox.store.load(SandboxStore().dump())
    recording = json.loads((RECORDINGS / "20_core_get_oql_all_fields.json").read_text())
    recording["_name"] = "20"
    assert replay(sandbox, recording).json() == recording["response"]


def test_non_ascii_is_escaped_on_the_wire_like_php(sandbox):
    sandbox.store.load(SandboxStore().dump())
    recording = json.loads((RECORDINGS / "23_core_get_by_criteria_object.json").read_text())
    recording["_name"] = "23"
    raw = replay(sandbox, recording).content
    assert b"\\u00e0" in raw and "à".encode() not in raw
