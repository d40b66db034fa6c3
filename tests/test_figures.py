"""The dashboard's stored figures: exact closed counts after a sync, router figures refreshed
by the scheduler's job, a trend that ends on the table, the overdue tickets' former team."""

import datetime as dt

import pytest
from sqlmodel import select

from tests.plugins.factories import make_ticket
from triage.config import get_settings, replace_settings
from triage.models import DashboardFigure, RoutingDecision, utcnow
from triage.scheduler import dashboard_job
from triage.services import dashboard, figures
from triage.services.escalation import check_ages
from triage.services.ingest import run_poll
from triage.services.snapshots import take_snapshot
from triage.services.stats import backlog_for_app


def _table(session, app):
    return backlog_for_app(session=session, settings=get_settings(app))


def test_closed_counts_are_stored_and_follow_a_sync(itop_sandbox, itop_app, session):
    store, settings = itop_sandbox.store, get_settings(itop_app)
    run_poll(session=session, settings=settings)
    base = _table(session, itop_app)
    assert session.exec(select(DashboardFigure)).all()  # the closed counts, stored
    open_id = int(store.add_ticket(title="DRASI - accès refusé", team="DRASI")["id"])
    store.add_ticket(title="SI2C - budget", team="SI2C", status="closed")
    run_poll(session=session, settings=settings)
    first = _table(session, itop_app)
    assert first["all"]["total"] - base["all"]["total"] == 2
    assert first["open"]["total"] - base["open"]["total"] == 1
    store.add_ticket(title="SI2C - un autre", team="SI2C", status="resolved")
    store.update_ticket(open_id, status="resolved")
    run_poll(session=session, settings=settings)
    after = _table(session, itop_app)
    assert (after["all"]["total"], after["open"]["total"]) == (
        base["all"]["total"] + 3, base["open"]["total"])
    assert after["all"]["SI2C"] - base["all"]["SI2C"] == 2
    assert after["all"]["DRASI"] - base["all"]["DRASI"] == 1


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model before the app is built."""


def test_router_figures_wait_for_the_scheduler_job(session, app):
    settings = get_settings(app)
    ticket = make_ticket(title="SI2C - budget", prefix="SI2C", team="SI2C")
    session.add(ticket)
    session.commit()
    session.add(RoutingDecision(ticket_id=ticket.id, actor="router", source="prefix",
                                from_team="UNASSIGNED", to_team="SI2C",
                                at=utcnow() - dt.timedelta(hours=1)))
    session.commit()
    before = dashboard.dashboard(session=session, settings=settings)
    assert before["wrong_prefix"]["wrong"] == 0 and before["accuracy"]["compared"] == 0
    session.add(RoutingDecision(ticket_id=ticket.id, actor="paul", source="agent",
                                from_team="SI2C", to_team="DRASI", at=utcnow()))
    session.commit()
    stale = dashboard.dashboard(session=session, settings=settings)
    assert stale["wrong_prefix"]["wrong"] == 0  # stored: no history read per request
    assert stale["wrong_prefix"]["computed_at"] == before["wrong_prefix"]["computed_at"]
    assert dashboard_job(session=session, settings=settings)["figures"] == 3
    fresh = dashboard.dashboard(session=session, settings=settings)
    assert (fresh["wrong_prefix"]["with_prefix"], fresh["wrong_prefix"]["wrong"]) == (1, 1)
    assert (fresh["accuracy"]["compared"], fresh["accuracy"]["agreed"]) == (1, 0)
    assert fresh["accuracy"]["by_source"]["prefix"] == {"compared": 1, "agreed": 0}


def test_the_trend_ends_on_the_table_and_overdue_keep_their_team(app, session, client_as):
    settings = replace_settings(app, escalation_to=("national@example.org",))
    now = utcnow()
    session.add_all([
        make_ticket(team="DRASI", team_source="itop", created_at=now - dt.timedelta(days=20)),
        make_ticket(team="SI2C", team_source="itop", created_at=now - dt.timedelta(days=30)),
        make_ticket(team="DRASI", team_source="itop", created_at=now - dt.timedelta(days=2)),
    ])
    session.commit()
    take_snapshot(session=session, settings=settings, now=now)  # before the age check
    assert check_ages(session=session, settings=settings)["national"] == 2
    data = dashboard.dashboard(session=session, settings=settings)
    last = {team: values[-1] for team, values in data["trend"]["series"].items()}
    assert data["trend"]["days"][-1] == now.astimezone(settings.tz).date().isoformat()
    assert {team: last[team] for team in data["table"]["open"] if team != "total"} == {
        team: n for team, n in data["table"]["open"].items() if team != "total"}
    assert last["NATIONAL"] == 2 and last["DRASI"] == 1
    assert data["table"]["open_over_threshold"]["NATIONAL"] == 2  # where they are now
    held = data["overdue_held"]
    assert (held["total"], held["DRASI"], held["SI2C"], held["NATIONAL"]) == (2, 1, 1, 0)
    page = client_as("superviseur").get("/stats").get_data(as_text=True)
    assert 'data-key="held-DRASI">1<' in page
    assert 'data-key="open_over_threshold-NATIONAL">2<' in page


def test_refresh_recomputes_the_closed_counts(session, app):
    settings = get_settings(app)
    session.add(make_ticket(team="DRASI", status="closed"))
    session.commit()
    assert figures.closed_counts(session=session, service=settings.itop_service)["DRASI"] == 1
    figures.refresh(session=session, settings=settings)
    assert figures.closed_counts(session=session, service=settings.itop_service)["DRASI"] == 1
