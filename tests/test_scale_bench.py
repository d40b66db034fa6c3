"""Smoke test of bench/scale_bench.py: 300 tickets on SQLite, every stage, the JSON keys.

A benchmark, not a test of speed: no figure is checked, only that each stage ran.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ("queue_p99_ms", "ticket_p99_ms", "stats_p99_ms", "dashboard_p99_ms",
            "age_check_ms", "queue_rps", "healthz_rps")


@pytest.mark.timeout(600)  # two subprocesses importing scikit-learn: slow on a busy machine
def test_scale_bench_smoke(tmp_path, router_models):
    """The loader, gunicorn, the HTTP timings, the age check: one JSON object at the end."""
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    command = [
        sys.executable, str(ROOT / "bench" / "scale_bench.py"), "--tickets", "300",
        "--database-url", url, "--model-dir", str(router_models), "--samples", "2",
        "--min-samples", "2", "--warmup", "1", "--load-seconds", "1", "--starve-seconds", "0.5",
        "--dashboards", "2", "--due", "20", "--load-rounds", "1",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    for key in CONTRACT:
        assert key in figures, key
    assert figures["data_tickets"] == 300
    assert figures["data_open"] == 9  # 3 %
    assert figures["age_check_candidates"] == 0  # every overdue ticket escalated already
    assert figures["age_check_due_escalated"] == 20
    assert figures["queue_page_status"] == 200 and figures["ticket_page_status"] == 200
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from scalebench import load

        from triage.db import make_engine

        engine = make_engine(url)
        assert load.reusable(engine, 300) is not None  # --reuse would skip the loading
        assert load.reusable(engine, 301) is None
        engine.dispose()
    finally:
        sys.path.remove(str(ROOT / "bench"))
