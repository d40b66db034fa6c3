"""``/healthz`` when parts are down: the database, the sync state, the scheduler's jobs."""

import datetime as dt
import os

import pytest
import sqlalchemy as sa
from flask import has_app_context

from triage.config import replace_settings
from triage.db import close_session, get_engine, reset_engine
from triage.models import JobRun, SyncState, utcnow

PG_URL = os.environ.get("TRIAGE_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


@pytest.fixture
def stop_database(app, tmp_path):
    """``stop_database()``: from now on the app's database does not answer (PostgreSQL: a
    port that refuses; SQLite: a file in a folder that does not exist). Returns the words of
    the driver's error that must not reach an anonymous caller."""

    def stop() -> list[str]:
        if PG_URL:
            url = sa.make_url(PG_URL).set(host="127.0.0.1", port=9)  # discard: refused
            replace_settings(app, database_url=url.render_as_string(hide_password=False))
            words = ["127.0.0.1", "9", "psycopg"]
        else:
            path = tmp_path / "missing" / "x.db"
            replace_settings(app, database_url=f"sqlite:///{path}", database_schema=None)
            words = [str(path), "unable to open", "sqlite"]
        reset_engine(app)  # the next request builds an engine on the unreachable database
        if has_app_context():  # the ``session`` fixture's context serves the requests too
            close_session()
        return words

    return stop


def test_a_database_that_does_not_answer_is_503_without_detail(client, stop_database):
    assert client.get("/healthz").status_code == 200
    secret_words = stop_database()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert (body["status"], body["database"], body["error"]) == (
        "error", "down", "database_unavailable"
    )
    assert "detail" not in body
    text = response.get_data(as_text=True)
    leaked = [w for w in secret_words if w != "9" and w.lower() in text.lower()]
    assert not leaked and ':9"' not in text


def test_an_admin_session_sees_the_drivers_error(client_as, stop_database):
    admin = client_as("admin")
    agent = client_as("agent_si2c")
    secret_words = stop_database()

    detail = admin.get("/healthz").get_json()["detail"]

    assert any(word.lower() in detail.lower() for word in secret_words[:1] + secret_words[2:])
    assert "detail" not in agent.get("/healthz").get_json()


def test_the_api_answers_503_with_retry_after(client, tokens, stop_database):
    stop_database()
    response = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"] == "database_unavailable"
    assert set(response.get_json()) == {"error", "message"}


def test_the_pages_show_a_french_503(client_as, client, stop_database):
    agent = client_as("agent_si2c")
    stop_database()
    for response in (agent.get("/"), client.post("/login", data={"login": "a", "password": "b"})):
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        page = response.get_data(as_text=True)
        assert "La base de données ne répond pas" in page and 'lang="fr"' in page
        assert "Traceback" not in page and "OperationalError" not in page


def test_stale_and_failing_jobs_are_flagged(client, session):
    now = utcnow()
    session.add_all(
        [
            JobRun(job_id="outbox", interval_seconds=60, runs=9, last_run_at=now,
                   last_success_at=now),
            # last run 10 intervals ago: the scheduler is not running it any more
            JobRun(job_id="poll", interval_seconds=120, runs=3,
                   last_run_at=now - dt.timedelta(minutes=20),
                   last_success_at=now - dt.timedelta(minutes=20)),
            # runs on time but fails since its last success
            JobRun(job_id="age_check", interval_seconds=300, runs=4, last_run_at=now,
                   last_success_at=now - dt.timedelta(minutes=10), last_error_at=now,
                   last_error="SMTPServerDisconnected: Connection unexpectedly closed"),
        ]
    )
    session.commit()

    response = client.get("/healthz")

    assert response.status_code == 200  # the database answers: health is up, jobs say more
    jobs = {job["job_id"]: job for job in response.get_json()["jobs"]}
    assert (jobs["outbox"]["ok"], jobs["outbox"]["stale"], jobs["outbox"]["failing"]) == (
        True, False, False
    )
    assert jobs["poll"]["stale"] and not jobs["poll"]["failing"] and not jobs["poll"]["ok"]
    assert jobs["age_check"]["failing"] and not jobs["age_check"]["stale"]
    assert not jobs["age_check"]["ok"]
    assert jobs["age_check"]["last_error"].startswith("SMTPServerDisconnected")


def test_a_job_table_that_cannot_be_read_is_reported_not_raised(app, client, session):
    session.add(SyncState(name="itop", last_run_at=utcnow(), last_success_at=utcnow()))
    session.commit()
    session.close()
    with get_engine(app).begin() as connection:
        connection.execute(sa.text("DROP TABLE jobrun"))

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.get_json()
    assert body["jobs"] == {"error": "job status unavailable"}
    assert body["sync"]["lag_seconds"] is not None  # the rest still answers


def test_a_sync_state_that_cannot_be_read_is_null(app, client, session):
    session.add(JobRun(job_id="poll", interval_seconds=120, runs=1, last_run_at=utcnow()))
    session.commit()
    session.close()
    with get_engine(app).begin() as connection:
        connection.execute(sa.text("DROP TABLE syncstate"))

    body = client.get("/healthz").get_json()

    assert body["status"] == "ok" and body["sync"] is None
    assert [job["job_id"] for job in body["jobs"]] == ["poll"]
