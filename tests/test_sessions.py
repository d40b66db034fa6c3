"""Sign-in throttling by (login, address) shared by all workers; sessions that really end."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.plugins.web import PASSWORD
from triage import create_app
from triage.db import get_engine
from triage.models import LoginThrottle, utcnow
from triage.services import throttle

ATTACKER = "192.0.2.66"
USER_DESK = "198.51.100.7"


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


def sign_in(client, login, password=PASSWORD, address=USER_DESK):
    """The login form, sent from ``address``."""
    return client.post(
        "/login",
        data={"login": login, "password": password},
        environ_overrides={"REMOTE_ADDR": address},
    )


def expire_waits(app):
    """Time passes: every wait is over (the counters stay)."""
    with get_engine(app).begin() as connection:
        connection.execute(
            sa.update(LoginThrottle).values(blocked_until=utcnow() - dt.timedelta(seconds=1))
        )


def test_wrong_passwords_from_one_address_never_keep_the_user_out(client, app, users):
    answers = [sign_in(client, "agent_drasi", "faux", ATTACKER) for _ in range(30)]

    assert [r.status_code for r in answers[: throttle.FREE_FAILURES]] == [401] * 3
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert "Trop de tentatives" in answers[-1].get_data(as_text=True)
    # the attacker's address waits even with the right password...
    assert sign_in(app.test_client(), "agent_drasi", PASSWORD, ATTACKER).status_code == 429
    # ...the real user, from her desk, is not refused
    assert sign_in(app.test_client(), "agent_drasi", PASSWORD, USER_DESK).status_code == 302


def test_the_delays_grow_with_each_failure(client, app, users):
    waits = []
    for _ in range(4):
        response = sign_in(client, "agent_si2c", "faux", ATTACKER)
        while response.status_code == 401:
            response = sign_in(client, "agent_si2c", "faux", ATTACKER)
        assert response.status_code == 429
        waits.append(int(response.headers["Retry-After"]))
        expire_waits(app)
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0], waits
    assert throttle.delay_after(1000, throttle.FREE_FAILURES) == throttle.MAX_DELAY


def test_failures_are_counted_across_workers(app_config, users):
    """Two apps on one database stand for two gunicorn workers: their counts add up."""
    workers = [create_app(app_config).test_client() for _ in range(2)]
    for n in range(throttle.FREE_FAILURES):
        assert sign_in(workers[n % 2], "superviseur", "faux", ATTACKER).status_code == 401
    assert sign_in(workers[1], "superviseur", "faux", ATTACKER).status_code == 401
    assert sign_in(workers[0], "superviseur", PASSWORD, ATTACKER).status_code == 429


def test_an_address_guessing_many_logins_waits(client, app, users):
    for n in range(throttle.ADDRESS_FREE_FAILURES + 1):
        sign_in(client, f"inconnu{n}", "faux", ATTACKER)
    assert sign_in(client, "admin", PASSWORD, ATTACKER).status_code == 429
    assert sign_in(app.test_client(), "admin", PASSWORD, USER_DESK).status_code == 302


def test_an_admin_unlocks_an_account_on_the_admin_page(client, app, client_as, users):
    for _ in range(throttle.FREE_FAILURES + 1):
        sign_in(client, "agent_drasi", "faux", ATTACKER)
    admin = client_as("admin")
    assert "connexion ralentie" in admin.get("/admin").get_data(as_text=True)

    response = admin.post(f"/admin/users/{users['agent_drasi'].id}/unlock")

    assert response.status_code == 302
    assert "connexion ralentie" not in admin.get("/admin").get_data(as_text=True)
    assert sign_in(app.test_client(), "agent_drasi", PASSWORD, ATTACKER).status_code == 302


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_logout_no_longer_works(app, client_as):
    agent = client_as("agent_si2c")
    other_tab = client_as("agent_si2c")  # the same user signed in elsewhere
    thief = copy_of(app, agent)
    assert thief.get("/").status_code == 200
    assert thief.get("/api/v1/stats").status_code == 200

    agent.post("/logout")

    assert thief.get("/").status_code == 302
    assert thief.get("/api/v1/stats").status_code == 401
    assert other_tab.get("/").status_code == 302  # every session of that user ends
    assert client_as("agent_si2c").get("/").status_code == 200  # signing in again works


def test_a_password_change_ends_every_session_of_that_user(app, client_as, users):
    agent = client_as("agent_drasi")
    thief = copy_of(app, agent)
    bystander = client_as("agent_si2c")
    admin = client_as("admin")

    response = admin.post(
        f"/admin/users/{users['agent_drasi'].id}/password", data={"password": "nouveau-secret-2"}
    )

    assert response.status_code == 302
    assert agent.get("/").status_code == 302 and thief.get("/").status_code == 302
    assert bystander.get("/").status_code == 200 and admin.get("/admin").status_code == 200
    assert sign_in(app.test_client(), "agent_drasi", PASSWORD).status_code == 401
    assert sign_in(app.test_client(), "agent_drasi", "nouveau-secret-2").status_code == 302
