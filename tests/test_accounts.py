"""Account changes: an admin resets a password, changes a role or team, unlocks; a user
changes their own password. Through the pages (and the sign-in form that proves them)."""

from tests.plugins.web import PASSWORD, login
from triage.models import User
from triage.services import throttle


def fresh(session, user_id) -> User:
    session.expire_all()
    return session.get(User, user_id)


def test_an_admin_resets_a_password_and_the_user_signs_in_with_it(app, client_as, session, users):
    user = users["agent_drasi"]
    for _ in range(throttle.FREE_FAILURES + 1):  # the user tried and failed: throttled
        login(app.test_client(), "agent_drasi", "oublié")
    assert login(app.test_client(), "agent_drasi", PASSWORD).status_code == 429
    admin = client_as("admin")
    short = admin.post(
        f"/admin/users/{user.id}/password", data={"password": "court"}, follow_redirects=True
    )
    assert "mot de passe trop court" in short.get_data(as_text=True)
    done = admin.post(
        f"/admin/users/{user.id}/password",
        data={"password": "nouveau-secret"},
        follow_redirects=True,
    )
    assert "Nouveau mot de passe enregistré pour agent_drasi" in done.get_data(as_text=True)
    assert login(app.test_client(), "agent_drasi", PASSWORD).status_code == 401
    assert login(app.test_client(), "agent_drasi", "nouveau-secret").status_code == 302


def test_an_admin_changes_role_and_team_and_it_applies_at_once(client_as, session, users):
    user = users["agent_drasi"]
    agent = client_as("agent_drasi")
    assert agent.get("/?team=SI2C").status_code == 200
    admin = client_as("admin")
    refused = admin.post(
        f"/admin/users/{user.id}/role", data={"role": "agent", "team": ""}, follow_redirects=True
    )
    assert "un agent doit avoir une équipe" in refused.get_data(as_text=True)
    moved = admin.post(
        f"/admin/users/{user.id}/role",
        data={"role": "agent", "team": "SI2C"},
        follow_redirects=True,
    )
    assert "Compte agent_drasi : agent, équipe SI2C." in moved.get_data(as_text=True)
    assert agent.get("/").get_data(as_text=True).count('aria-current="page">\n    SI2C') == 1
    admin.post(f"/admin/users/{user.id}/role", data={"role": "admin", "team": ""})
    assert (fresh(session, user.id).role, fresh(session, user.id).team) == ("admin", None)
    assert agent.get("/admin").status_code == 200  # the same session, the new role


def test_the_last_admin_stays_an_admin(client_as, session, users):
    admin_id = users["admin"].id
    response = client_as("admin").post(
        f"/admin/users/{admin_id}/role", data={"role": "supervisor"}, follow_redirects=True
    )
    assert "dernier administrateur actif" in response.get_data(as_text=True)
    assert fresh(session, admin_id).role == "admin"


def test_an_admin_unlocks_a_throttled_login(app, client_as, users):
    for _ in range(throttle.FREE_FAILURES + 1):
        login(app.test_client(), "agent_si2c", "mauvais")
    assert login(app.test_client(), "agent_si2c").status_code == 429  # made to wait
    page = client_as("admin").get("/admin").get_data(as_text=True)
    assert "Débloquer agent_si2c" in page
    client_as("admin").post(f"/admin/users/{users['agent_si2c'].id}/unlock")
    assert login(app.test_client(), "agent_si2c").status_code == 302


def test_a_user_changes_their_own_password(app, client_as, users):
    client = client_as("agent_si2c")
    assert "Changer mon mot de passe" in client.get("/compte").get_data(as_text=True)
    wrong = client.post(
        "/compte", data={"current": "faux", "new": "autre-secret", "confirm": "autre-secret"}
    )
    assert wrong.status_code == 400 and "mot de passe actuel incorrect" in wrong.get_data(
        as_text=True
    )
    differ = client.post(
        "/compte", data={"current": PASSWORD, "new": "autre-secret", "confirm": "autre-secreT"}
    )
    assert differ.status_code == 400 and "diffèrent" in differ.get_data(as_text=True)
    done = client.post(
        "/compte",
        data={"current": PASSWORD, "new": "autre-secret", "confirm": "autre-secret"},
        follow_redirects=True,
    )
    assert "Votre mot de passe a été changé." in done.get_data(as_text=True)
    assert login(app.test_client(), "agent_si2c", "autre-secret").status_code == 302


def test_only_admins_change_accounts(client_as, users):
    target = users["agent_drasi"].id
    for login_name in ("agent_si2c", "superviseur"):
        client = client_as(login_name)
        for action, data in (
            ("role", {"role": "admin"}),
            ("password", {"password": "x" * 9}),
            ("unlock", {}),
        ):
            assert client.post(f"/admin/users/{target}/{action}", data=data).status_code == 403
