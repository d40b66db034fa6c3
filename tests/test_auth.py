"""Accounts, login, throttling, cookies, headers, CSRF, API tokens and the account commands."""

import hashlib
import re

import pytest
from sqlmodel import select

from tests.plugins.web import PASSWORD, login
from triage.models import ApiToken
from triage.services import users as user_service
from triage.services.users import AccountError, create_user


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


def test_create_user_checks_role_team_and_password(session):
    with pytest.raises(AccountError, match="équipe"):
        create_user(session=session, login="a", password=PASSWORD, role="agent")
    with pytest.raises(AccountError, match="rôle"):
        create_user(session=session, login="a", password=PASSWORD, role="chef")
    with pytest.raises(AccountError, match="court"):
        create_user(session=session, login="a", password="court", role="admin")
    user = create_user(session=session, login="a", password=PASSWORD, role="agent", team="drasi")
    assert user.team == "DRASI"
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    with pytest.raises(AccountError, match="existe"):
        create_user(session=session, login="a", password=PASSWORD, role="admin")


def test_login_sets_a_hardened_session_cookie(client, users):
    response = login(client, "agent_si2c")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/").status_code == 200
    assert session_user(client) is not None


def session_user(client):
    with client.session_transaction() as flask_session:
        return flask_session.get("_user_id")


def test_secure_flag_follows_the_setting(app_config, users):
    from triage import create_app

    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    response = login(app.test_client(), "agent_si2c")
    assert "Secure" in response.headers["Set-Cookie"]


def test_failed_login_is_refused_with_a_french_message(client, users):
    response = login(client, "agent_si2c", "mauvais-mot-de-passe")
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.get_data(as_text=True)
    assert session_user(client) is None
    assert login(client, "inconnu", PASSWORD).status_code == 401


def test_security_headers_on_pages_and_api(client, users, tokens):
    for response in (client.get("/login"), client.get("/healthz"), client.get("/api/v1/stats")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script(client_as):
    client = client_as("admin")
    for path in ("/login", "/", "/stats", "/admin"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html, path


def test_next_parameter_cannot_leave_the_site(client, users):
    response = client.post(
        "/login", data={"login": "admin", "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login", data={"login": "admin", "password": PASSWORD, "next": "/stats"}
    )
    assert response.headers["Location"] == "/stats"


def test_logout_is_a_post(client_as):
    client = client_as("superviseur")
    assert client.get("/logout").status_code == 200  # a confirmation form
    assert session_user(client) is not None
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302


def test_a_deactivated_user_loses_session_and_tokens(client_as, session, users, tokens):
    client = client_as("agent_si2c")
    user_service.set_active(session=session, user=users["agent_si2c"], active=False)
    assert client.get("/").status_code == 302
    headers = {"Authorization": f"Bearer {tokens['agent_si2c']}"}
    assert client.get("/api/v1/stats", headers=headers).status_code == 401


class TestCsrf:
    @pytest.fixture(autouse=True)
    def _csrf_on(self, app_config):
        app_config["WTF_CSRF_ENABLED"] = True

    def test_forms_need_the_token(self, client, users):
        assert login(client, "admin").status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            "/login", data={"login": "admin", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302

    def test_api_posts_need_it_with_a_session_not_with_a_token(
        self, client, users, tokens, ticket_factory
    ):
        ticket_factory(ref="R-CSRF", team="UNASSIGNED")
        body = {"team": "SI2C", "comment": "test"}
        headers = {"Authorization": f"Bearer {tokens['superviseur']}"}
        assert (
            client.post("/api/v1/tickets/R-CSRF/requalify", json=body, headers=headers).status_code
            == 200
        )
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"login": "admin", "password": PASSWORD, "csrf_token": token})
        response = client.post("/api/v1/tickets/R-CSRF/requalify", json=body)
        assert response.status_code == 400 and "CSRF" in response.get_json()["message"]
        # signing in starts a new session: a token of the new session is needed
        page = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            "/api/v1/tickets/R-CSRF/requalify", json=body, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200, response.get_json()


def test_tokens_are_stored_hashed_and_revocable(client, session, users, tokens):
    token = tokens["superviseur"]
    rows = session.exec(select(ApiToken)).all()
    assert all(token not in (row.token_hash, row.hint, row.name) for row in rows)
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
    ).one()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/stats", headers=headers).status_code == 200
    assert user_service.revoke_token(session=session, token_id=row.id)
    response = client.get("/api/v1/stats", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert not user_service.revoke_token(session=session, token_id=row.id)


@pytest.mark.parametrize("header", ["Bearer", "Bearer trg_nope", "Basic YWRtaW46eA==", "trg_x"])
def test_bad_authorization_headers_get_401(client, users, tokens, header):
    response = client.get("/api/v1/tickets", headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.get_json()) == {"error", "message"}


def test_a_bad_token_is_refused_even_with_a_session(client_as):
    client = client_as("admin")
    assert client.get("/api/v1/stats").status_code == 200
    response = client.get("/api/v1/stats", headers={"Authorization": "Bearer trg_bad"})
    assert response.status_code == 401


def test_cli_create_user_and_token(runner, client):
    result = runner.invoke(
        args=["create-user", "marie", "--role", "agent", "--team", "SI2C"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "marie" in result.output
    result = runner.invoke(args=["create-user", "paul", "--role", "agent"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "équipe" in result.output
    result = runner.invoke(args=["create-token", "marie"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert login(client, "marie").status_code == 302
    result = runner.invoke(args=["create-token", "personne"])
    assert result.exit_code != 0
