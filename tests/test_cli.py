"""The installed command: failures of the database or the settings are one clear line."""

import os
import subprocess
import sys


def _triage(args, tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    environ.update(TRIAGE_INSTANCE_PATH=str(tmp_path / "instance"), **env)
    return subprocess.run(
        [sys.executable, "-m", "triage.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


def test_a_database_without_schema_says_to_run_init_db(tmp_path):
    result = _triage(["stats"], tmp_path)
    assert result.returncode == 1
    assert "run `triage init-db` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_line(tmp_path):
    result = _triage(
        ["stats"], tmp_path, TRIAGE_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/x"
    )
    assert result.returncode == 1
    assert "the database cannot be used" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_setting_is_named(tmp_path):
    result = _triage(["stats"], tmp_path, TRIAGE_ESCALATION_DAYS="quinze")
    assert result.returncode == 1
    assert "TRIAGE_ESCALATION_DAYS" in result.stderr
    assert "Traceback" not in result.stderr
