"""The backlog table: SQL aggregation, CLI and API."""

import datetime as dt
import json

from tests.plugins.factories import make_ticket, seed_backlog
from triage.models import utcnow

SEED = {
    "all": {"total": 211, "NATIONAL": 27, "SI2C": 73, "DRASI": 111, "UNASSIGNED": 0},
    "open": {"total": 60, "NATIONAL": 12, "SI2C": 3, "DRASI": 45, "UNASSIGNED": 0},
    "open_over_threshold": {"total": 28, "NATIONAL": 2, "SI2C": 0, "DRASI": 26, "UNASSIGNED": 0},
}


def _load_seed(session):
    session.add_all(seed_backlog(utcnow()))
    # other services never count
    session.add(make_ticket(service="Messagerie", team="DRASI", status="new",
                            created_at=utcnow() - dt.timedelta(days=40)))
    session.commit()


def test_stats_json_reproduces_the_seed_table(runner, session):
    _load_seed(session)
    result = runner.invoke(args=["stats", "--json"])
    assert result.exit_code == 0, result.output
    table = json.loads(result.output)
    for key, row in SEED.items():
        assert table[key] == row
    assert table["threshold_days"] == 15
    assert table["since"] is None
    assert dt.datetime.fromisoformat(table["as_of"]).utcoffset() is not None


def test_stats_table_is_laid_out_like_the_seed(runner, session):
    _load_seed(session)
    result = runner.invoke(args=["stats"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Remontées au national" in lines[0]
    open_line = next(line for line in lines if line.startswith("Demandes en cours "))
    assert [int(x) for x in open_line.split("|")[1:]] == [60, 12, 3, 45, 0]
    over = next(line for line in lines if "plus de 15 j" in line)
    assert [int(x) for x in over.split("|")[1:]] == [28, 2, 0, 26, 0]


def test_stats_since_keeps_recent_tickets(runner, session):
    _load_seed(session)
    since = (utcnow() - dt.timedelta(days=10)).date().isoformat()
    result = runner.invoke(args=["stats", "--json", "--since", since])
    table = json.loads(result.output)
    assert table["since"] == since
    assert table["all"]["total"] == 32  # 10 national + 3 SI2C + 19 DRASI created < 10 days ago
    assert table["open_over_threshold"]["total"] == 0


def test_stats_rejects_a_malformed_day(runner):
    result = runner.invoke(args=["stats", "--since", "19/01/2026"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output or "19/01/2026" in result.output
