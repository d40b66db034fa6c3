"""``/healthz`` when parts are down: the database, the sync state, the scheduler's jobs."""

import datetime as dt

import sqlalchemy as sa

from triage.config import replace_settings
from triage.db import get_engine, reset_engine
from triage.models import JobRun, SyncState, utcnow


def test_a_database_that_does_not_answer_is_503(app, client, tmp_path):
    assert client.get("/healthz").status_code == 200
    replace_settings(app, database_url=f"sqlite:///{tmp_path / 'missing' / 'x.db'}",
                     database_schema=None)
    reset_engine(app)  # the next request builds an engine on the unreachable database

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"], body["error"]) == (
        "error", "down", "database_unavailable"
    )
    assert "unable to open database file" in body["message"]


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
