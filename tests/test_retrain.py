"""Retraining on request: the admin page's button records it, the scheduler's job runs it."""

import datetime as dt
import re

import pytest

from triage.db import session_scope
from triage.models import RetrainRequest, utcnow
from triage.scheduler import job_specs, run_job
from triage.services.retrain import (
    RetrainAlreadyRequested,
    process_retrain_request,
    request_retrain,
    retrain_status,
)
from triage.services.training import current_card


def text(response) -> str:
    return response.get_data(as_text=True)


def _row(app) -> RetrainRequest | None:
    with session_scope(app) as own:
        return own.get(RetrainRequest, "router")


def test_button_records_a_request_that_the_scheduler_job_trains(
    use_router, app, client_as, settings
):
    before = current_card(settings=settings)["version"]
    client = client_as("admin")
    response = client.post("/admin/retrain")
    assert response.status_code == 302
    row = _row(app)
    assert (row.status, row.requested_by) == ("pending", "admin")
    page = text(client.get("/admin"))
    assert re.search(r"Réentraînement demandé le \d\d/\d\d/\d{4} \d\d:\d\d .* par admin", page)
    assert "Réentraîner</button>" not in page  # one request at a time
    assert 'id="scheduler-silent"' in page  # no scheduler has run here: the request waits
    again = text(client.post("/admin/retrain", follow_redirects=True))
    assert "déjà demandé (par admin" in again

    spec = next(s for s in job_specs(settings) if s.job_id == "retrain_request")
    run_job(app, spec)  # what the scheduler process does within the minute

    row = _row(app)
    assert row.status == "done" and row.error is None and row.finished_at is not None
    card = current_card(settings=settings)
    assert card["version"] != before and card["version"] in row.outcome
    page = text(client.get("/admin"))
    assert "terminé le" in page and card["version"] in page
    assert "Réentraîner</button>" in page  # a new request may be made
    page = text(client.post("/admin/retrain", follow_redirects=True))
    assert "Réentraînement demandé le" in page
    assert 'id="scheduler-silent"' not in page  # the job ran a moment ago
    with session_scope(app) as own:
        from triage.models import JobRun

        assert own.get(JobRun, "retrain_request").last_outcome == row.outcome


def test_job_without_request_does_nothing(session, settings):
    assert process_retrain_request(session=session, settings=settings) == "aucune demande"
    assert retrain_status(session=session) is None


def test_failed_training_is_shown_and_a_new_request_allowed(session, client_as, settings):
    request_retrain(session=session, actor="admin")
    with pytest.raises(RetrainAlreadyRequested):
        request_retrain(session=session, actor="autre")

    def broken(**_kwargs):
        raise RuntimeError("corpus illisible")

    with pytest.raises(RuntimeError):
        process_retrain_request(session=session, settings=settings, train=broken)
    row = retrain_status(session=session)
    assert row.status == "failed" and "corpus illisible" in row.error
    page = text(client_as("admin").get("/admin"))
    assert "Le dernier réentraînement a échoué" in page and "corpus illisible" in page
    assert request_retrain(session=session, actor="admin").status == "pending"


def test_a_run_cut_short_does_not_block_for_ever(session, settings):
    request_retrain(session=session, actor="admin")
    row = retrain_status(session=session)
    row.status, row.started_at = "running", utcnow() - dt.timedelta(hours=2)
    session.add(row)
    session.commit()
    assert request_retrain(session=session, actor="admin2").requested_by == "admin2"
    outcome = process_retrain_request(
        session=session,
        settings=settings,
        train=lambda **_: {"version": "v-test", "data": {"tickets": 3}},
    )
    assert (
        outcome == "modèle v-test, 3 tickets" and retrain_status(session=session).status == "done"
    )
