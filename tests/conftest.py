"""Fixtures: a fresh database per test (SQLite in tmp_path, or a PostgreSQL schema)."""

import os
import uuid

import pytest
import sqlalchemy as sa

from triage import create_app
from triage.config import get_settings
from triage.db import get_session, init_db

# Each area keeps its fixtures in a plugin module of its own.
pytest_plugins = [
    "tests.plugins.factories",
    "tests.plugins.itop",
    "tests.plugins.smtp",
    "tests.plugins.router",
    "tests.plugins.web",
]

PG_URL = os.environ.get("TRIAGE_TEST_DATABASE_URL")


@pytest.fixture
def database(tmp_path):
    """A database URL (and PostgreSQL schema) that belongs to this test alone."""
    if not PG_URL:
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'triage.db'}"}
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"DATABASE_URL": PG_URL, "DATABASE_SCHEMA": schema}
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def app_config(tmp_path, database):
    """The test settings; tests may change them before ``app`` is built.

    Once the app exists its Settings are frozen: a test changes them with
    ``triage.config.replace_settings(app, name=value)``, which returns the new Settings.
    """
    instance = tmp_path / "instance"
    instance.mkdir()
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        **database,
    }


@pytest.fixture
def app(app_config):
    """A Flask app on a fresh, migrated database."""
    app = create_app(app_config)
    with app.app_context():
        init_db()
    yield app
    from triage.db import get_engine

    get_engine(app).dispose()


@pytest.fixture
def settings(app):
    """The app's Settings as ``create_app`` built them (``replace_settings`` gives new ones)."""
    return get_settings(app)


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner with the app's commands."""
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session inside an app context."""
    with app.app_context():
        yield get_session()
