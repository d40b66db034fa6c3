"""Fixtures of the web app and API: users per role, tokens, signed-in clients, gunicorn."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from triage.models import User
from triage.services.users import create_token

PASSWORD = "mot-de-passe-1"
ROLES = {  # login -> (role, team)
    "agent_si2c": ("agent", "SI2C"),
    "agent_drasi": ("agent", "DRASI"),
    "superviseur": ("supervisor", None),
    "admin": ("admin", None),
}
ROOT = Path(__file__).resolve().parents[2]
ITOP_UI_URL = "https://itop.example.org/itop"  # the served app's links to iTop (never fetched)
PG_URL = os.environ.get("TRIAGE_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def shared_model_dir(request, tmp_path_factory):
    """A router model built once per session (the ticket page explains its decision); read
    only: tests that retrain use the router plugin's ``use_router`` copy instead."""
    try:
        return str(request.getfixturevalue("router_models"))
    except pytest.FixtureLookupError:  # the router's fixtures are not there
        return str(tmp_path_factory.mktemp("models"))


@pytest.fixture
def web_config(app_config, shared_model_dir):
    """The test settings with the shared model."""
    app_config["MODEL_DIR"] = shared_model_dir
    return app_config


@pytest.fixture(scope="session")
def password_hash():
    """PASSWORD hashed once (scrypt is slow on purpose; create_user has its own tests)."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD)


def add_users(session, password_hash: str) -> dict:
    """One user per role: agent_si2c, agent_drasi, superviseur, admin (password PASSWORD)."""
    made = {}
    for login, (role, team) in ROLES.items():
        made[login] = User(login=login, password_hash=password_hash, role=role, team=team)
        session.add(made[login])
    session.commit()
    for user in made.values():
        session.refresh(user)
    return made


@pytest.fixture
def users(session, password_hash):
    """One user per role: agent_si2c, agent_drasi, superviseur, admin (password PASSWORD)."""
    return add_users(session, password_hash)


@pytest.fixture
def tokens(session, users):
    """An API token per user login."""
    return {
        login: create_token(session=session, user=user, name="tests")
        for login, user in users.items()
    }


def login(client, user_login: str, password: str = PASSWORD):
    """Sign a test client in through the form."""
    return client.post("/login", data={"login": user_login, "password": password})


@pytest.fixture
def client_as(app, users):
    """``client_as("agent_si2c")``: a test client signed in as that user."""

    def make(user_login: str):
        client = app.test_client()
        response = login(client, user_login)
        assert response.status_code == 302, response.data
        return client

    return make


def free_port() -> int:
    """An ephemeral port on the loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A real gunicorn serving triage on a loopback port, on a database of its own."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.instance = tmp / "instance"
        self.instance.mkdir()
        self.schema = None
        self.settings = {"DATABASE_URL": f"sqlite:///{tmp / 'triage.db'}"}
        if PG_URL:
            self.schema = "t_" + uuid.uuid4().hex[:12]
            self._admin(f'CREATE SCHEMA "{self.schema}"')
            self.settings = {"DATABASE_URL": PG_URL, "DATABASE_SCHEMA": self.schema}
        self.process = None
        self.base_url = ""

    def _admin(self, sql: str) -> None:
        engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(sql))
        engine.dispose()

    def app(self, **extra):
        """A Flask app on the same database and instance (to seed and to check)."""
        from triage import create_app

        return create_app({"INSTANCE_PATH": str(self.instance), **self.settings, **extra})

    def start(self, model_dir: str) -> None:
        """Write instance/config.py (CSRF stays ON, links to iTop at ITOP_UI_URL) and start
        `gunicorn -w 2 wsgi:app`."""
        lines = [f"{key} = {value!r}" for key, value in self.settings.items()]
        lines.append(f"MODEL_DIR = {model_dir!r}")
        lines.append(f"ITOP_UI_URL = {ITOP_UI_URL!r}")
        (self.instance / "config.py").write_text("\n".join(lines) + "\n")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        env["TRIAGE_INSTANCE_PATH"] = str(self.instance)
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log = open(self.tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + (self.tmp / "gunicorn.log").read_text())
            try:
                if requests.get(self.base_url + "/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or booting slowly
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        """Stop gunicorn (the one we started, by its pid) and drop the schema."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
        if self.schema:
            self._admin(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


@pytest.fixture(scope="module")
def served(tmp_path_factory, shared_model_dir):
    """One gunicorn per test module, on a migrated database; seed it with ``served.app()``."""
    from triage.config_values import create_secret_key
    from triage.db import get_engine, init_db

    server = Served(tmp_path_factory.mktemp("served"))
    try:
        app = server.app()
        with app.app_context():
            init_db()
        get_engine(app).dispose()
        create_secret_key(server.instance)  # what `triage init-db` does for gunicorn
        server.start(shared_model_dir)
        yield server
    finally:
        server.stop()
