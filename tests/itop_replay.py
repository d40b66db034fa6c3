"""Replaying the iTop recordings (tests/data/itop-recordings) against the sandbox.

``replay`` sends a recording's request as it was sent; ``ordered`` makes JSON comparable
key order included. The state each recording needs is set up by tests/itop_states.py.
"""

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from connectors.itop.sandbox import Sandbox

RECORDINGS = Path(__file__).parent / "data" / "itop-recordings"
PARIS = ZoneInfo("Europe/Paris")


def load(name: str) -> dict[str, Any]:
    """One recording, by file name."""
    return json.loads((RECORDINGS / name).read_text(encoding="utf-8"))


def at(text: str) -> dt.datetime:
    """An iTop local time (Europe/Paris) as an aware datetime."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=PARIS)


def login_of(name: str) -> tuple[str, str]:
    """The login and password a recording was made with (the file name says which)."""
    login = "triage" if ("non_admin" in name or "as_triage" in name) else "admin"
    wrong = "wrong_password" in name and "check_credentials" not in name
    return login, "wrong" if wrong else login


def replay(sandbox: Sandbox, name: str, recording: dict | None = None) -> requests.Response:
    """Send a recording's request as it was sent (form, basic or no credentials, headers)."""
    recording = recording or load(name)
    request = recording["request"]
    form: dict[str, str] = dict(request.get("form_fields") or {})
    headers: dict[str, str] = dict(request.get("http_headers") or {})
    if request["version"] is not None:
        form["version"] = request["version"]
    data = request["json_data"]
    if isinstance(data, dict) and data.get("password") == "***REDACTED***":
        # check_credentials: the right password, or a wrong one for file 03
        data = dict(data, password="wrong" if "credentials_wrong" in name else "admin")
    if data is not None:
        form["json_data"] = data if isinstance(data, str) else json.dumps(data)
    login, password = login_of(name)
    if request["auth"] == "form":
        form.update(auth_user=login, auth_pwd=password)
    elif request["auth"] == "basic":
        token = base64.b64encode(f"{login}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return requests.post(sandbox.url + request["url_path"], data=form, headers=headers, timeout=10)


def ordered(value: Any) -> Any:
    """JSON with every object as a list of (key, value) pairs: equality then checks key order."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value
