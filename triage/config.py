"""Settings: defaults, then instance/config.py, then TRIAGE_* environment variables.

Every setting of ``interfaces.md`` is a key of ``app.config`` named like its variable
without the ``TRIAGE_`` prefix (``TRIAGE_ITOP_URL`` -> ``app.config["ITOP_URL"]``).
"""

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "TRIAGE_"


class ConfigError(ValueError):
    """A setting has a value that cannot be used."""


def parse_bool(value: str) -> bool:
    """Read a boolean written as 1/0, true/false, yes/no, on/off."""
    text = value.strip().lower()
    if text in {"1", "true", "yes", "on", "oui"}:
        return True
    if text in {"0", "false", "no", "off", "non", ""}:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def parse_int(value: str) -> int:
    """Read an integer."""
    try:
        return int(value.strip())
    except ValueError as exc:
        raise ConfigError(f"not an integer: {value!r}") from exc


def parse_float(value: str) -> float:
    """Read a decimal number."""
    try:
        return float(value.strip())
    except ValueError as exc:
        raise ConfigError(f"not a number: {value!r}") from exc


def parse_list(value: str) -> list[str]:
    """Read a comma-separated list, dropping blanks."""
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_str(value: str) -> str:
    """Keep a string as it is."""
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its key, its parser and its default."""

    key: str
    parse: Callable[[str], Any]
    default: Any
    doc: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", parse_str, None, "SQLAlchemy URL; default: SQLite in the instance"),
    Setting("SECRET_KEY", parse_str, None, "Flask secret key; default: generated once"),
    Setting("ITOP_URL", parse_str, None, "iTop base URL"),
    Setting("ITOP_USER", parse_str, None, "iTop REST login"),
    Setting("ITOP_PASSWORD", parse_str, None, "iTop REST password"),
    Setting("ITOP_TOKEN", parse_str, None, "iTop application token"),
    Setting("ITOP_SERVICE", parse_str, "Op@le", "iTop service whose tickets are triaged"),
    Setting("ITOP_TIMEZONE", parse_str, "Europe/Paris", "time zone of iTop's dates"),
    Setting("ITOP_WRITEBACK", parse_bool, False, "write decisions back to iTop"),
    Setting("ITOP_TIMEOUT", parse_float, 30.0, "seconds before an iTop call is abandoned"),
    Setting("ITOP_PAGE_SIZE", parse_int, 500, "tickets asked per core/get page"),
    Setting("ITOP_RETRIES", parse_int, 3, "retries of an iTop call (connection errors, 5xx)"),
    Setting("ITOP_BACKOFF", parse_float, 0.5, "backoff factor (s) between iTop retries"),
    Setting("ITOP_API_VERSION", parse_str, "1.4", "iTop REST API version (1.4: paging)"),
    Setting("ITOP_SYNC_OVERLAP", parse_int, 60, "seconds of each sync window read again"),
    Setting("ITOP_WRITE_BACKOFF", parse_float, 30.0, "first delay (s) before a write retry"),
    Setting("ITOP_WRITE_STALE_SECONDS", parse_float, 600.0, "write-back claim taken back after"),
    Setting("ITOP_VERIFY_TLS", parse_bool, True, "verify iTop's TLS certificate"),
    Setting("ITOP_UI_URL", parse_str, None, "iTop URL for links to tickets; default ITOP_URL"),
    Setting("TEAM_SI2C", parse_str, "SI2C", "iTop team name of the SI2C queue"),
    Setting("TEAM_DRASI", parse_str, "DRASI", "iTop team name of the DRASI queue"),
    Setting("TEAM_NATIONAL", parse_str, "Niveau national", "iTop team name of the national queue"),
    Setting("ESCALATION_DAYS", parse_int, 15, "age (days) past which an open ticket is overdue"),
    Setting("WARNING_DAYS", parse_int, 10, "age (days) at which the owning team is warned"),
    Setting("WORKING_DAYS", parse_bool, False, "count French working days instead of days"),
    Setting("ALSACE_MOSELLE", parse_bool, False, "add Alsace-Moselle public holidays"),
    Setting("ESCALATION_TO", parse_list, [], "national level address(es)"),
    Setting("WARNING_TO_SI2C", parse_list, [], "address(es) warned for the SI2C queue"),
    Setting("WARNING_TO_DRASI", parse_list, [], "address(es) warned for the DRASI queue"),
    Setting("SMTP_HOST", parse_str, "localhost", "mail server"),
    Setting("SMTP_PORT", parse_int, 25, "mail server port"),
    Setting("SMTP_USER", parse_str, None, "mail server login"),
    Setting("SMTP_PASSWORD", parse_str, None, "mail server password"),
    Setting("SMTP_STARTTLS", parse_bool, False, "use STARTTLS"),
    Setting("SMTP_TIMEOUT", parse_float, 30.0, "seconds before an SMTP call is abandoned"),
    Setting("SMTP_CA_FILE", parse_str, None, "CA bundle to verify the mail server (STARTTLS)"),
    Setting("MAIL_FROM", parse_str, "triage@localhost", "sender address"),
    Setting("POLL_SECONDS", parse_int, 120, "poll interval of the scheduler"),
    Setting("AGE_CHECK_SECONDS", parse_int, 300, "interval of the scheduler's age check"),
    Setting("OUTBOX_SECONDS", parse_int, 60, "interval of the scheduler's e-mail sender"),
    Setting("WRITEBACK_SECONDS", parse_int, 60, "interval of the iTop write-back retries"),
    Setting("SNAPSHOT_SECONDS", parse_int, 3600, "refresh interval of today's backlog snapshot"),
    Setting("RETRAIN_HOUR", parse_int, 3, "local hour of the nightly retraining"),
    Setting("OUTBOX_BACKOFF_SECONDS", parse_int, 60, "first retry delay of a failed e-mail"),
    Setting("OUTBOX_MAX_BACKOFF_SECONDS", parse_int, 3600, "longest retry delay of an e-mail"),
    Setting("OUTBOX_FAILED_AFTER", parse_int, 5, "attempts after which an e-mail shows failed"),
    Setting("OUTBOX_STALE_SECONDS", parse_int, 600, "a claim older than this is taken back"),
    Setting("DATABASE_SCHEMA", parse_str, None, "PostgreSQL schema (search_path) to use"),
    Setting("BASE_URL", parse_str, "http://127.0.0.1:5000", "public URL of triage, for links"),
    Setting("ROUTER_THRESHOLD", parse_float, None, "model probability to route; default: card"),
    Setting("ROUTER_OVERRIDE_THRESHOLD", parse_float, None, "probability to override a prefix"),
    Setting("RETRAIN_NIGHTLY", parse_bool, False, "retrain the router every night"),
    Setting("SESSION_COOKIE_SECURE", parse_bool, False, "send the session cookie over HTTPS only"),
)

DEFAULTS: dict[str, Any] = {s.key: s.default for s in SETTINGS}


def instance_path_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The instance folder: TRIAGE_INSTANCE_PATH or ./instance, made absolute."""
    environ = os.environ if environ is None else environ
    return os.path.abspath(environ.get(ENV_PREFIX + "INSTANCE_PATH") or "instance")


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given as TRIAGE_* variables, parsed to their types."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(ENV_PREFIX + setting.key)
        if raw is None:
            continue
        try:
            values[setting.key] = setting.parse(raw)
        except ConfigError as exc:
            raise ConfigError(f"{ENV_PREFIX}{setting.key}: {exc}") from exc
    return values


def default_database_url(instance_path: str) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return "sqlite:///" + os.path.join(instance_path, "triage.db")


def load_or_create_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it once (atomically) when missing."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two workers start at once, the first key written wins for both.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def team_names(config: Mapping[str, Any]) -> dict[str, str]:
    """Map triage queues to iTop team names."""
    return {
        "SI2C": config["TEAM_SI2C"],
        "DRASI": config["TEAM_DRASI"],
        "NATIONAL": config["TEAM_NATIONAL"],
    }
