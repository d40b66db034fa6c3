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
    assert "lancez d'abord `triage init-db`" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_line(tmp_path):
    result = _triage(
        ["stats"], tmp_path, TRIAGE_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/x"
    )
    assert result.returncode == 1
    assert "la base de données est inutilisable" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_setting_is_named(tmp_path):
    result = _triage(["stats"], tmp_path, TRIAGE_ESCALATION_DAYS="quinze")
    assert result.returncode == 1
    assert "TRIAGE_ESCALATION_DAYS" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_url_that_is_no_url_is_one_line(tmp_path):
    result = _triage(["stats"], tmp_path, TRIAGE_DATABASE_URL="notaurl")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    expected = "Error: réglage invalide : TRIAGE_DATABASE_URL: not a SQLAlchemy URL"
    assert lines[0].startswith(expected)


def test_a_mistyped_variable_is_named_once_with_the_closest_setting(tmp_path):
    result = _triage(["stats"], tmp_path, TRIAGE_ESCALATON_DAYS="20")
    warnings = [line for line in result.stderr.splitlines() if "TRIAGE_ESCALATON_DAYS" in line]
    assert len(warnings) == 1
    assert "WARNING" in warnings[0] and "did you mean TRIAGE_ESCALATION_DAYS?" in warnings[0]
    assert "Traceback" not in result.stderr


def test_the_known_variables_raise_no_warning(tmp_path):
    result = _triage(
        ["stats"], tmp_path, TRIAGE_TEST_DATABASE_URL="sqlite://", TRIAGE_ESCALATION_DAYS="20"
    )
    assert "unknown setting" not in result.stderr
