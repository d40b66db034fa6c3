"""Settings: one typed object built once, its helpers, and a create_app without side effects."""

import dataclasses
import logging
import typing

import pytest

from triage import create_app
from triage.config import (
    DEFAULTS,
    SETTINGS,
    ConfigError,
    Settings,
    from_environ,
    get_settings,
    replace_settings,
    unknown_variables,
)
from triage.config_values import create_secret_key, read_secret_key
from triage.models import Team


def test_every_row_of_the_table_is_a_typed_attribute():
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    hints = typing.get_type_hints(Settings)
    for setting in SETTINGS:
        name = setting.key.lower()
        assert name in fields, name
        if setting.default is not None:
            kind = typing.get_origin(hints[name]) or hints[name]
            assert isinstance(setting.default, kind), name
    extra = set(fields) - {s.key.lower() for s in SETTINGS}
    assert extra == {"instance_path", "model_dir", "testing", "router_corpus_files"}


def test_defaults_fill_the_gaps_and_strings_are_parsed(tmp_path):
    settings = Settings.from_mapping(
        {"INSTANCE_PATH": str(tmp_path), "ESCALATION_DAYS": "20", "ESCALATION_TO": "a@x, b@x"}
    )
    assert settings.escalation_days == 20 and settings.escalation_to == ("a@x", "b@x")
    assert settings.warning_days == DEFAULTS["WARNING_DAYS"]
    assert settings.database_url == f"sqlite:///{tmp_path / 'triage.db'}"
    assert settings.model_dir == tmp_path / "models"
    assert str(settings.tz) == DEFAULTS["ITOP_TIMEZONE"]
    widened = Settings.from_mapping({"ITOP_TIMEOUT": 2, "WARNING_TO_SI2C": ["s@x"]})
    assert widened.itop_timeout == 2.0 and widened.warning_to_si2c == ("s@x",)


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("ESCALATION_DAYS", "quinze", "TRIAGE_ESCALATION_DAYS: not an integer"),
        ("ESCALATION_DAYS", 1.5, "TRIAGE_ESCALATION_DAYS: not an integer"),
        ("ITOP_WRITEBACK", "peut-être", "TRIAGE_ITOP_WRITEBACK: not a boolean"),
        ("ITOP_SERVICE", 3, "TRIAGE_ITOP_SERVICE: not a string"),
        ("ITOP_TIMEZONE", "Europe/Pariss", "TRIAGE_ITOP_TIMEZONE: unknown time zone"),
        ("DATABASE_URL", "notaurl", "TRIAGE_DATABASE_URL: not a SQLAlchemy URL"),
    ],
)
def test_a_value_that_cannot_work_is_refused_with_its_variable(key, value, says):
    with pytest.raises(ConfigError, match=says):
        Settings.from_mapping({key: value})


def test_team_names_both_ways_and_warning_addresses():
    settings = Settings.from_mapping(
        {"TEAM_NATIONAL": "Niveau National ", "WARNING_TO_DRASI": "d@x"}
    )
    assert settings.itop_team_of_queue("DRASI") == "DRASI"
    assert settings.itop_team_of_queue(Team.UNASSIGNED) is None
    assert settings.queue_of_itop_team("niveau national") is Team.NATIONAL
    assert settings.queue_of_itop_team("") is None and settings.queue_of_itop_team("Autre") is None
    assert settings.warning_to("DRASI") == ("d@x",) and settings.warning_to("SI2C") == ()
    assert settings.warning_to(Team.NATIONAL) == ()


def test_secrets_stay_out_of_the_repr():
    text = repr(Settings.from_mapping({"ITOP_PASSWORD": "pw-1", "SECRET_KEY": "key-1"}))
    assert "pw-1" not in text and "key-1" not in text


def test_the_app_builds_its_settings_once_and_tests_replace_them(app, app_config):
    settings = get_settings(app)
    assert settings is get_settings(app)
    assert settings.database_url == app_config["DATABASE_URL"] and settings.testing
    with app.app_context():
        assert get_settings() is settings
    changed = replace_settings(app, escalation_days=3, secret_key="autre")
    assert get_settings(app) is changed and changed.escalation_days == 3
    assert settings.escalation_days == DEFAULTS["ESCALATION_DAYS"]  # frozen: never changed
    assert app.secret_key == "autre"  # Flask's own key follows


def test_environment_parsing_and_unknown_variables():
    env = {
        "TRIAGE_ESCALATION_DAYS": "12",
        "TRIAGE_ESCALATON_DAYS": "20",
        "TRIAGE_INSTANCE_PATH": "/srv/x",
        "TRIAGE_TEST_DATABASE_URL": "postgresql+psycopg://x/y",
        "TRIAGE_ZZZ": "1",
        "OTHER": "1",
    }
    assert from_environ(env) == {"ESCALATION_DAYS": 12}
    assert unknown_variables(env) == [
        "unknown setting TRIAGE_ESCALATON_DAYS ignored: did you mean TRIAGE_ESCALATION_DAYS?",
        "unknown setting TRIAGE_ZZZ ignored",
    ]


def test_a_mistyped_variable_is_named_at_app_start(app_config, monkeypatch, caplog):
    monkeypatch.setenv("TRIAGE_WARNNG_DAYS", "5")
    with caplog.at_level(logging.WARNING, logger="triage.config"):
        create_app(app_config)
    lines = [r.getMessage() for r in caplog.records if "TRIAGE_WARNNG_DAYS" in r.getMessage()]
    assert lines == [
        "unknown setting TRIAGE_WARNNG_DAYS ignored: did you mean TRIAGE_WARNING_DAYS?"
    ]


def test_create_app_writes_nothing_and_leaves_logging_alone(tmp_path, database):
    instance = tmp_path / "fresh"
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    app = create_app({"INSTANCE_PATH": str(instance), **database})
    assert not instance.exists()
    assert root.handlers == handlers and root.level == level
    assert app.secret_key is None and get_settings(app).secret_key is None


def test_the_secret_key_is_created_once_and_read_back(tmp_path):
    assert read_secret_key(tmp_path) is None
    path = create_secret_key(tmp_path)
    key = read_secret_key(tmp_path)
    assert path == tmp_path / "secret_key" and key and len(key) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    assert create_secret_key(tmp_path) is None and read_secret_key(tmp_path) == key
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).secret_key == key


@pytest.fixture
def keyless(use_router):
    """An app with no secret key at all (no variable, no instance/secret_key yet)."""
    config = {k: v for k, v in use_router.items() if k != "SECRET_KEY"}
    return create_app(config)


def test_without_a_secret_key_the_web_app_says_what_to_do(keyless):
    client = keyless.test_client()
    page = client.get("/login")
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "triage init-db" in text and "TRIAGE_SECRET_KEY" in text and "clé secrète" in text
    assert client.get("/assets/style.css").status_code == 200
    for path in ("/api/v1/tickets", "/healthz"):
        answer = client.get(path)
        assert answer.status_code == 503
        assert answer.get_json()["error"] == "secret_key_missing"
        assert "triage init-db" in answer.get_json()["message"]


def test_init_db_creates_the_secret_key_and_the_commands_work_without_one(keyless):
    runner = keyless.test_cli_runner()
    assert runner.invoke(args=["stats", "--json"]).exit_code != 0  # no schema yet, but no key
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Clé secrète écrite dans" in result.output
    key = read_secret_key(keyless.instance_path)
    assert key and create_app({"INSTANCE_PATH": keyless.instance_path}).secret_key == key
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0 and "Clé secrète écrite" not in again.output
    assert read_secret_key(keyless.instance_path) == key
    stats = runner.invoke(args=["stats", "--json"])
    assert stats.exit_code == 0, stats.output
