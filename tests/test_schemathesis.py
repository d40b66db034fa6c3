"""A short schemathesis run against the served OpenAPI document: no check may fail.

Every operation gets generated requests (valid ones, and ones breaking the schema) sent to
the app in-process with an admin's token; schemathesis checks each answer: no 5xx, a
documented status, the documented content type and body schema, refusals for what the
schema refuses and acceptance of what it allows.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.plugins.factories import seed_backlog
from triage.models import utcnow

EXAMPLES = 20  # per operation and mode: a short run (the campaign ran 3,409 cases)


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


@pytest.fixture
def api_schema(app, session, tokens):
    """The document as served, bound to the app; a backlog to list and look up."""
    session.add_all(seed_backlog(utcnow())[:20])
    session.commit()
    auth = {"Authorization": f"Bearer {tokens['admin']}"}
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, headers=auth)


def run(operation, mode: GenerationMode, headers: dict, cursor: str) -> int:
    """Up to EXAMPLES generated requests of one mode to one operation, each answer checked;
    how many were sent. A valid request's ``after`` becomes ``cursor``, a real one: a cursor
    is valid only as a page gave it (any other string is a 400, tests/test_listing.py)."""
    sent = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,  # the same requests every run
        database=None,
    )
    def check(case):
        if mode == GenerationMode.POSITIVE and "after" in (case.query or {}):
            case.query["after"] = cursor
        case.call_and_validate(headers=headers)
        sent.append(case)

    check()
    return len(sent)


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_the_api_keeps_to_its_document(api_schema, app, tokens, mode):
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    cursor = app.test_client().get("/api/v1/tickets?per_page=1", headers=headers).get_json()["next"]
    assert cursor
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {o.label for o in operations} >= {"POST /classify", "GET /tickets", "GET /stats"}
    counts = {operation.label: run(operation, mode, headers, cursor) for operation in operations}
    print(f"schemathesis {mode.value}: {sum(counts.values())} requests, {counts}")
    assert all(counts.values()), counts
