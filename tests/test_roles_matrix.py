"""Every route x every role (anonymous, agent, supervisor, admin, bad token): the status each gets.

The agent is agent_si2c. Tickets: R-SI2C (its queue), R-DRASI (another queue), R-NEW
(unassigned). A route the matrix does not list fails the coverage test at the bottom.
"""

import pytest
import sqlalchemy as sa
from sqlmodel import select

from triage.models import ApiToken, Ticket, User

ANON, AGENT, SUP, ADMIN, BAD = "anonymous", "agent", "supervisor", "admin", "bad token"
ROLE_LOGINS = {AGENT: "agent_si2c", SUP: "superviseur", ADMIN: "admin"}
LOGIN = "→login"  # a page redirects anonymous visitors to /login

# (method, path, body, {role: status}); API statuses are JSON, pages HTML
MATRIX = [
    ("GET", "/healthz", None, {ANON: 200, BAD: 200, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/login", None, {ANON: 200, BAD: 200, AGENT: 302, SUP: 302, ADMIN: 302}),
    (
        "POST",
        "/login",
        {"login": "x", "password": "y"},
        {ANON: 401, BAD: 401, AGENT: 401, SUP: 401, ADMIN: 401},
    ),
    ("GET", "/assets/style.css", None, {ANON: 200, BAD: 200, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/logout", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("POST", "/logout", {}, {ANON: LOGIN, BAD: LOGIN, AGENT: 302, SUP: 302, ADMIN: 302}),
    ("GET", "/", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/?team=TRIAGE", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/tickets/R-DRASI", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/tickets/R-NOPE", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 404, SUP: 404, ADMIN: 404}),
    (
        "POST",
        "/tickets/R-SI2C/requalify",
        {"team": "DRASI"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 302, SUP: 302, ADMIN: 302},
    ),
    (
        "POST",
        "/tickets/R-DRASI/requalify",
        {"team": "SI2C"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 302, ADMIN: 302},
    ),
    (
        "POST",
        "/tickets/R-NEW/requalify",
        {"team": "SI2C"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 302, SUP: 302, ADMIN: 302},
    ),
    ("POST", "/tickets/R-DRASI/take", {}, {ANON: LOGIN, BAD: LOGIN, AGENT: 302, SUP: 302}),
    ("POST", "/tickets/R-DRASI/undo", {}, {ANON: LOGIN, BAD: LOGIN, AGENT: 302, SUP: 302}),
    (
        "POST",
        "/requalify",
        {"refs": "R-NEW", "team": "SI2C"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 302, SUP: 302, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/users/{agent_drasi}/itop-person",
        {"itop_person_id": "7"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    ("GET", "/live/queue", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/live/stats", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/compte", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    (
        "POST",
        "/compte",
        {"current": "faux", "new": "autre-secret", "confirm": "autre-secret"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 400, SUP: 400, ADMIN: 400},
    ),
    (
        "POST",
        "/admin/users/{agent_drasi}/role",
        {"role": "agent", "team": "DRASI"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/users/{agent_drasi}/password",
        {"password": "nouveau-secret"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/users/{agent_drasi}/unlock",
        {},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    ("GET", "/stats", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/stats.csv", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/admin", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 200}),
    (
        "POST",
        "/admin/users",
        {"login": "nouveau", "password": "motdepasse", "role": "supervisor"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/users/{agent_drasi}/active",
        {"active": "0"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/users/{agent_drasi}/unlock",
        {},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/users/{agent_drasi}/password",
        {"password": "autre-mot-de-passe"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/tokens",
        {"user_id": "{agent_drasi}", "name": "x"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 200},
    ),
    (
        "POST",
        "/admin/tokens/{token}/revoke",
        {},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    ("POST", "/admin/retrain", {}, {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403}),
    (
        "POST",
        "/admin/queue/mail/retry",
        {},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    (
        "POST",
        "/admin/queue/itop/1/settle",
        {"arrived": "1"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    # the committee's pages (no school in this world: its page is a 404)
    ("GET", "/etablissements", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    (
        "GET",
        "/etablissements.csv",
        None,
        {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200},
    ),
    (
        "GET",
        "/etablissements/0801745T",
        None,
        {ANON: LOGIN, BAD: LOGIN, AGENT: 404, SUP: 404, ADMIN: 404},
    ),
    (
        "POST",
        "/etablissements/0801745T/suivi",
        {"suivi": "1", "note": "x"},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 404, ADMIN: 404},
    ),
    (
        "POST",
        "/admin/etablissements",
        {},
        {ANON: LOGIN, BAD: LOGIN, AGENT: 403, SUP: 403, ADMIN: 302},
    ),
    ("GET", "/rapport", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/demandes/saisir", None, {ANON: LOGIN, BAD: LOGIN, AGENT: 200, SUP: 200, ADMIN: 200}),
    (
        "POST",
        "/demandes/saisir",
        {"title": "x"},  # write-back off: refused, nothing queued
        {ANON: LOGIN, BAD: LOGIN, AGENT: 400, SUP: 400, ADMIN: 400},
    ),
    ("GET", "/api/v1/openapi.json", None, {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200}),
    ("GET", "/api/v1/tickets", None, {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200}),
    (
        "GET",
        "/api/v1/tickets/R-DRASI",
        None,
        {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200},
    ),
    (
        "POST",
        "/api/v1/tickets/R-SI2C/requalify",
        {"team": "DRASI"},
        {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200},
    ),
    (
        "POST",
        "/api/v1/tickets/R-DRASI/requalify",
        {"team": "SI2C"},
        {ANON: 401, BAD: 401, AGENT: 403, SUP: 200, ADMIN: 200},
    ),
    (
        "POST",
        "/api/v1/tickets/R-NEW/requalify",
        {"team": "DRASI"},
        {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200},
    ),
    (
        "POST",
        "/api/v1/tickets/R-DRASI/take",
        {},
        {ANON: 401, BAD: 401, AGENT: 403, SUP: 200, ADMIN: 200},
    ),
    (
        "POST",
        "/api/v1/tickets/R-DRASI/undo",
        {},
        {ANON: 401, BAD: 401, AGENT: 409, SUP: 409, ADMIN: 409},
    ),
    (
        "POST",
        "/api/v1/tickets/requalify",
        {"refs": ["R-NEW"], "team": "SI2C"},
        {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200},
    ),
    ("GET", "/api/v1/stats", None, {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200}),
    (
        "POST",
        "/api/v1/classify",
        {"title": "DRASI accès", "description": "mot de passe"},
        {ANON: 401, BAD: 401, AGENT: 200, SUP: 200, ADMIN: 200},
    ),
]


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


@pytest.fixture
def world(session, users, tokens, ticket_factory):
    """The three tickets and the ids the paths need."""
    for ref, team in TICKETS.items():
        ticket_factory(ref=ref, team=team)
    token = session.exec(select(ApiToken).where(ApiToken.user_id == users["agent_drasi"].id)).one()
    return {"agent_drasi": users["agent_drasi"].id, "token": token.id}


TICKETS = {"R-SI2C": "SI2C", "R-DRASI": "DRASI", "R-NEW": "UNASSIGNED"}


def _reset(session) -> None:
    """Undo what the previous route did: tickets back in place, accounts and tokens usable."""
    for ref, team in TICKETS.items():
        session.execute(sa.update(Ticket).where(Ticket.ref == ref).values(team=team))
    session.execute(sa.update(User).values(active=True))
    session.execute(sa.update(ApiToken).values(revoked_at=None))
    session.execute(sa.delete(User).where(User.login == "nouveau"))
    session.commit()


def _fill(value, world):
    """A body value with the world's ids in it (lists as they are)."""
    return value.format(**world) if isinstance(value, str) else value


def _call(app, client, role, tokens, method, path, body):
    headers = {}
    if role in ROLE_LOGINS and path.startswith("/api/"):
        headers["Authorization"] = f"Bearer {tokens[ROLE_LOGINS[role]]}"
        client = app.test_client()
    elif role == BAD:
        headers["Authorization"] = "Bearer trg_not-a-real-token"
    kwargs = {"json": body} if path.startswith("/api/") else {"data": body}
    return client.open(path, method=method, headers=headers, **kwargs)


def _verdict(response, path, expected) -> str | None:
    """None when the response is what the matrix says, else what went wrong."""
    if expected == LOGIN:
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/login?next="):
            return None
        return f"expected a redirect to /login, got {response.status_code} {location}"
    if response.status_code != expected:
        return f"expected {expected}, got {response.status_code}"
    if path.startswith(("/api/", "/healthz")):
        if not response.is_json:
            return "not JSON"
        if expected >= 400 and set(response.get_json()) != {"error", "message"}:
            return f"error shape {response.get_json()}"
    return None


@pytest.mark.parametrize("role", [ANON, BAD, AGENT, SUP, ADMIN])
def test_every_route_for_role(app, session, world, tokens, client_as, role):
    """Walk every route of the matrix as this role; report every mismatch at once."""
    client = client_as(ROLE_LOGINS[role]) if role in ROLE_LOGINS else app.test_client()
    failures = []
    for method, path, body, statuses in MATRIX:
        if role not in statuses:
            continue
        _reset(session)
        path = path.format(**world)
        body = {k: _fill(v, world) for k, v in body.items()} if body is not None else None
        response = _call(app, client, role, tokens, method, path, body)
        problem = _verdict(response, path, statuses[role])
        if problem:
            failures.append(f"{method} {path} as {role}: {problem}")
        if path == "/logout" and method == "POST" and role in ROLE_LOGINS:
            client = client_as(ROLE_LOGINS[role])  # signed out: sign in again
    assert not failures, "\n".join(failures)


def test_api_by_session_works_too(client_as, world):
    client = client_as("agent_si2c")
    assert client.get("/api/v1/tickets").status_code == 200
    assert (
        client.post("/api/v1/tickets/R-DRASI/requalify", json={"team": "SI2C"}).status_code == 403
    )


def test_every_route_is_in_the_matrix(app):
    listed = {(m, p.split("?")[0]) for m, p, _, _ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.rule.startswith("/api/v1/_"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            concrete = (
                rule.rule.replace("<ref>", "R-DRASI")
                .replace("<path:filename>", "style.css")
                .replace("<int:user_id>", "{agent_drasi}")
                .replace("<int:token_id>", "{token}")
                .replace("<kind>", "mail" if "retry" in rule.rule else "itop")
                .replace("<int:row_id>", "1")
                .replace("<uai>", "0801745T")
            )
            if concrete == "/tickets/R-DRASI/requalify" or concrete.endswith("R-DRASI/requalify"):
                assert (method, concrete) in listed or (
                    method,
                    concrete.replace("R-DRASI", "R-SI2C"),
                ) in listed
                continue
            assert (method, concrete) in listed, f"{method} {rule.rule} is not in the matrix"
