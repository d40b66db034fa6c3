"""Request limits: bodies too large (413), JSON nested too deep (400), the text classified."""

import pytest

from classifiers.router import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS
from tests.plugins.web import login

TEN_MB = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


@pytest.fixture
def bearer(tokens):
    """The headers of an agent's token (any agent may classify)."""
    return {"Authorization": f"Bearer {tokens['agent_si2c']}"}


def test_a_10_mb_classify_body_gets_413_in_the_json_error_shape(client, bearer):
    body = b'{"title": "DRASI", "description": "' + b"x" * TEN_MB + b'"}'
    response = client.post(
        "/api/v1/classify", data=body, headers={**bearer, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    error = response.get_json()
    assert error["error"] == "request_entity_too_large" and error["message"]


def test_the_limit_is_the_max_content_length_setting(app_config, tokens, users):
    from triage import create_app

    app = create_app({**app_config, "MAX_CONTENT_LENGTH": 2_000})
    headers = {"Authorization": f"Bearer {tokens['agent_si2c']}"}
    client = app.test_client()
    small = client.post("/api/v1/classify", json={"title": "DRASI x" * 10}, headers=headers)
    big = client.post("/api/v1/classify", json={"title": "DRASI x" * 500}, headers=headers)
    assert small.status_code == 200 and big.status_code == 413


def test_a_form_too_large_gets_a_french_page(client, users, ticket_factory):
    ticket = ticket_factory(team="SI2C")
    login(client, "agent_si2c")
    big = {"team": "DRASI", "comment": "x" * (2 * 1024 * 1024)}
    response = client.post(f"/tickets/{ticket.ref}/requalify", data=big)
    assert response.status_code == 413
    assert "Requête trop volumineuse" in response.get_data(as_text=True)


def test_json_nested_100000_deep_gets_400(client, bearer):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/classify", data=body, headers={**bearer, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "json_too_deep"


def test_json_nested_deeper_than_the_limit_gets_400_even_in_a_field(client, bearer):
    nested = {"title": "DRASI connexion", "id": [1]}
    for _ in range(40):
        nested["id"] = [nested["id"]]
    response = client.post("/api/v1/classify", json=nested, headers=bearer)
    assert response.status_code == 400 and response.get_json()["error"] == "json_too_deep"
    broken = client.post(
        "/api/v1/classify", data="{", headers={**bearer, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.get_json()["error"] == "invalid_json"


def test_only_the_start_of_a_long_text_is_classified(client, bearer):
    start = "impossible de se connecter à l'ENT, mot de passe refusé " * 20
    description = (start * 100)[:MAX_DESCRIPTION_CHARS]
    title = ("DRASI connexion " * 200)[:MAX_TITLE_CHARS]
    tail = " facture budget commande marché financier" * 10_000  # beyond the cap: not read
    cut = client.post(
        "/api/v1/classify", json={"title": title, "description": description}, headers=bearer
    )
    long = client.post(
        "/api/v1/classify",
        json={"title": title + "SI2C " * 100, "description": description + tail},
        headers=bearer,
    )
    assert long.status_code == 200 and cut.status_code == 200
    assert long.get_json() == cut.get_json()


def test_gunicorn_answers_413_to_10_mb_without_reading_it(served, password_hash):
    """Through a real gunicorn: the worker answers at once (the time is printed, not asserted)."""
    import time

    import requests

    from tests.plugins.web import add_users
    from triage.db import get_engine, get_session
    from triage.services.users import create_token

    app = served.app()
    with app.app_context():
        users = add_users(get_session(), password_hash)
        token = create_token(session=get_session(), user=users["agent_si2c"])
    get_engine(app).dispose()
    body = b'{"title": "DRASI", "description": "' + b"x" * TEN_MB + b'"}'
    started = time.monotonic()
    response = requests.post(
        served.base_url + "/api/v1/classify",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    print(f"10 MB POST /api/v1/classify: {response.status_code} in "
          f"{time.monotonic() - started:.3f} s")
    assert response.status_code == 413
    assert response.json()["error"] == "request_entity_too_large"
    assert requests.get(served.base_url + "/healthz", timeout=10).status_code == 200


def test_nul_characters_are_no_server_error(client, bearer, ticket_factory):
    """PostgreSQL refuses NUL in text: found by schemathesis, 500 before."""
    ticket_factory(ref="R-NUL", team="SI2C")
    assert client.get("/api/v1/tickets?q=a%00b", headers=bearer).status_code == 200
    assert client.get("/api/v1/tickets/R-NUL%00", headers=bearer).status_code == 404
    moved = client.post(
        "/api/v1/tickets/R-NUL/requalify", json={"team": "DRASI", "comment": "a\x00b"},
        headers=bearer,
    )
    assert moved.status_code == 200
    assert moved.get_json()["history"][-1]["reason"] == "ab"
