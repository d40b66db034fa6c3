"""Commands that neither route nor train start without scikit-learn (lazy imports).

Each command runs in a fresh interpreter (the console script's ``main``), which then says
which heavy libraries it imported: a check of what is loaded, not a timing.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sklearn", "scipy", "numpy", "joblib")
PROBE = """
import json, sys
from triage.__main__ import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "loaded": [m for m in HEAVY if m in sys.modules]}))
""".replace("HEAVY", repr(HEAVY))


def _run(env: dict, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120,
        cwd=ROOT, env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def env(tmp_path, itop_sandbox):
    """The console script's environment: a fresh instance folder, the iTop sandbox."""
    instance = tmp_path / "instance"
    instance.mkdir()
    values = {
        "PATH": "/usr/bin:/bin",
        "TRIAGE_INSTANCE_PATH": str(instance),
        "TRIAGE_DATABASE_URL": f"sqlite:///{instance / 'triage.db'}",
        "TRIAGE_SECRET_KEY": "startup-test",
        "TRIAGE_ITOP_URL": itop_sandbox.url,
        "TRIAGE_ITOP_USER": "admin",
        "TRIAGE_ITOP_PASSWORD": "admin",
    }
    assert _run(values, "init-db")["code"] in (0, None)
    return values


def test_stats_and_an_empty_poll_import_no_scikit_learn(env, shared_model_dir):
    stats = _run(env, "stats", "--json")
    assert stats["code"] in (0, None) and stats["loaded"] == []
    env["TRIAGE_MODEL_DIR"] = str(shared_model_dir)
    first = _run(env, "poll")  # new tickets: the router is loaded, as it must be
    assert first["code"] in (0, None) and "sklearn" in first["loaded"]
    empty = _run(env, "poll")  # nothing new: nothing to route
    assert empty["code"] in (0, None) and empty["loaded"] == []
