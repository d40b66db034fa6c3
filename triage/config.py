"""Settings: the SETTINGS table (defaults) < instance/config.py < TRIAGE_* variables.

``create_app`` merges the three (and a test dict) into ``app.config``, each setting keyed
like its variable without the ``TRIAGE_`` prefix (``TRIAGE_ITOP_URL`` -> ``ITOP_URL``), then
builds ONE frozen :class:`Settings` from it, kept in ``app.extensions``
(:func:`get_settings`). Services, jobs, views, commands and mail functions take that object
(``settings=``); only Flask and its extensions read ``app.config``.
"""

import dataclasses
import difflib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from triage.config_values import (
    ConfigError,  # noqa: F401 - re-exported: callers import it from triage.config
    Setting,
    check_url_and_zone,
    coerce,
    default_database_url,
    instance_path_from_env,
    parse_bool,
    parse_float,
    parse_int,
    parse_list,
    parse_str,
)
from triage.models import Team

log = logging.getLogger(__name__)

ENV_PREFIX = "TRIAGE_"
# TRIAGE_* variables that are no setting of the app but are read elsewhere (tests, bench)
OTHER_VARIABLES = ("INSTANCE_PATH", "TEST_DATABASE_URL", "BENCH_DATABASE_URL")
_EXT = "triage_settings"


# The one place of the defaults; each row is an attribute of Settings (lower-case key).
SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", parse_str, None),
    Setting("SECRET_KEY", parse_str, None),
    Setting("ITOP_URL", parse_str, None),
    Setting("ITOP_USER", parse_str, None),
    Setting("ITOP_PASSWORD", parse_str, None),
    Setting("ITOP_TOKEN", parse_str, None),
    Setting("ITOP_SERVICE", parse_str, "Op@le"),
    Setting("ITOP_TIMEZONE", parse_str, "Europe/Paris"),
    Setting("ITOP_WRITEBACK", parse_bool, False),
    Setting("ITOP_TIMEOUT", parse_float, 30.0),
    Setting("ITOP_PAGE_SIZE", parse_int, 500),
    Setting("ITOP_RETRIES", parse_int, 3),
    Setting("ITOP_BACKOFF", parse_float, 0.5),
    Setting("ITOP_API_VERSION", parse_str, "1.4"),
    Setting("ITOP_SYNC_OVERLAP", parse_int, 60),
    Setting("ITOP_WRITE_BACKOFF", parse_float, 30.0),
    Setting("ITOP_WRITE_STALE_SECONDS", parse_float, 600.0),
    Setting("ITOP_VERIFY_TLS", parse_bool, True),
    Setting("ITOP_UI_URL", parse_str, None),
    Setting("TEAM_SI2C", parse_str, "SI2C"),
    Setting("TEAM_DRASI", parse_str, "DRASI"),
    Setting("TEAM_NATIONAL", parse_str, "Niveau national"),
    Setting("ESCALATION_DAYS", parse_int, 15),
    Setting("WARNING_DAYS", parse_int, 10),
    Setting("WORKING_DAYS", parse_bool, False),
    Setting("ALSACE_MOSELLE", parse_bool, False),
    Setting("ESCALATION_TO", parse_list, ()),
    Setting("WARNING_TO_SI2C", parse_list, ()),
    Setting("WARNING_TO_DRASI", parse_list, ()),
    Setting("SMTP_HOST", parse_str, "localhost"),
    Setting("SMTP_PORT", parse_int, 25),
    Setting("SMTP_USER", parse_str, None),
    Setting("SMTP_PASSWORD", parse_str, None),
    Setting("SMTP_STARTTLS", parse_bool, False),
    Setting("SMTP_TIMEOUT", parse_float, 30.0),
    Setting("SMTP_COMMAND_TIMEOUT", parse_float, 300.0),
    Setting("SMTP_DATA_TIMEOUT", parse_float, 600.0),
    Setting("SMTP_CA_FILE", parse_str, None),
    Setting("MAIL_FROM", parse_str, "triage@localhost"),
    Setting("POLL_SECONDS", parse_int, 120),
    Setting("AGE_CHECK_SECONDS", parse_int, 300),
    Setting("OUTBOX_SECONDS", parse_int, 60),
    Setting("WRITEBACK_SECONDS", parse_int, 60),
    Setting("SNAPSHOT_SECONDS", parse_int, 3600),
    Setting("RETRAIN_HOUR", parse_int, 3),
    Setting("OUTBOX_BACKOFF_SECONDS", parse_int, 60),
    Setting("OUTBOX_MAX_BACKOFF_SECONDS", parse_int, 3600),
    Setting("OUTBOX_FAILED_AFTER", parse_int, 5),
    Setting("OUTBOX_STALE_SECONDS", parse_int, 600),
    Setting("DATABASE_SCHEMA", parse_str, None),
    Setting("BASE_URL", parse_str, "http://127.0.0.1:5000"),
    Setting("ROUTER_THRESHOLD", parse_float, None),
    Setting("ROUTER_OVERRIDE_THRESHOLD", parse_float, None),
    Setting("RETRAIN_NIGHTLY", parse_bool, False),
    Setting("SESSION_COOKIE_SECURE", parse_bool, False),
    Setting("MAX_CONTENT_LENGTH", parse_int, 1_000_000),
    Setting("DIGEST_TO", parse_list, ()),
    Setting("DIGEST_DAY", parse_int, 1),
    Setting("DIGEST_HOUR", parse_int, 8),
    Setting("COMPLETENESS_REQUEST", parse_bool, False),
)

DEFAULTS: dict[str, Any] = {s.key: s.default for s in SETTINGS}
DEFAULT_TZ = ZoneInfo(DEFAULTS["ITOP_TIMEZONE"])


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the app, typed; built once by ``create_app`` (``from_mapping``).

    Secrets are left out of ``repr`` so a logged Settings leaks none.
    """

    database_url: str  #: SQLAlchemy URL; default: SQLite ``triage.db`` in the instance folder
    secret_key: str | None = field(repr=False)  #: Flask's key; else instance/secret_key
    itop_url: str | None  #: iTop base URL (the connector posts to <url>/webservices/rest.php)
    itop_user: str | None  #: iTop REST login (auth_user)
    itop_password: str | None = field(repr=False)  #: iTop REST password (auth_pwd)
    itop_token: str | None = field(repr=False)  #: iTop application token, instead of a login
    itop_service: str  #: the iTop service whose tickets are triaged; others are ignored
    itop_timezone: str  #: time zone of iTop's dates (an IANA name; ``tz`` is its ZoneInfo)
    itop_writeback: bool  #: write routing, requalification and escalation back to iTop
    itop_timeout: float  #: seconds before one iTop call is abandoned
    itop_page_size: int  #: tickets asked per core/get page
    itop_retries: int  #: retries of an iTop call (connection errors, 5xx)
    itop_backoff: float  #: backoff factor (s) between iTop retries
    itop_api_version: str  #: iTop REST API version (1.4 brings paging)
    itop_sync_overlap: int  #: seconds of each sync window read again by the next poll
    itop_write_backoff: float  #: first delay (s) before a write-back retry
    itop_write_stale_seconds: float  #: a write-back claim older than this is taken back
    itop_verify_tls: bool  #: verify iTop's TLS certificate
    itop_ui_url: str | None  #: iTop URL for links to tickets (default: itop_url)
    team_si2c: str  #: iTop team name of the SI2C queue
    team_drasi: str  #: iTop team name of the DRASI queue
    team_national: str  #: iTop team name of the national queue
    escalation_days: int  #: an open ticket older than this (days) is overdue
    warning_days: int  #: age (days) at which the owning team is warned
    working_days: bool  #: count French working days instead of calendar days
    alsace_moselle: bool  #: add the Alsace-Moselle public holidays
    escalation_to: tuple[str, ...]  #: national level address(es)
    warning_to_si2c: tuple[str, ...]  #: address(es) warned for the SI2C queue
    warning_to_drasi: tuple[str, ...]  #: address(es) warned for the DRASI queue
    smtp_host: str  #: mail server
    smtp_port: int  #: mail server port
    smtp_user: str | None  #: mail server login
    smtp_password: str | None = field(repr=False)  #: mail server password
    smtp_starttls: bool  #: use STARTTLS (the server's certificate is verified)
    smtp_timeout: float  #: seconds to connect to the mail server and read its greeting
    smtp_command_timeout: float  #: seconds for each SMTP command's reply (RFC 5321: 5 min)
    smtp_data_timeout: float  #: seconds for the reply to the end of DATA (RFC 5321: 10 min)
    smtp_ca_file: str | None  #: CA bundle to verify the mail server (default: system CAs)
    mail_from: str  #: sender address
    poll_seconds: int  #: interval of the scheduler's iTop sync
    age_check_seconds: int  #: interval of the scheduler's age check
    outbox_seconds: int  #: interval of the scheduler's e-mail sender
    writeback_seconds: int  #: interval of the iTop write-back retries
    snapshot_seconds: int  #: refresh interval of today's backlog snapshot
    retrain_hour: int  #: local hour of the nightly retraining
    outbox_backoff_seconds: int  #: first retry delay of a failed e-mail
    outbox_max_backoff_seconds: int  #: longest retry delay of an e-mail
    outbox_failed_after: int  #: attempts after which an e-mail shows as failed (still retried)
    outbox_stale_seconds: int  #: a sending claim older than this is taken back
    database_schema: str | None  #: PostgreSQL schema (search_path) to use
    base_url: str  #: public URL of triage, for links in e-mails
    router_threshold: float | None  #: model probability to route alone (default: the card's)
    router_override_threshold: float | None  #: probability to override a typed prefix
    retrain_nightly: bool  #: the scheduler retrains the router every night
    session_cookie_secure: bool  #: send the session cookie over HTTPS only
    max_content_length: int  #: largest request body (bytes) read; a larger one gets 413
    digest_to: tuple[str, ...]  #: supervisors who get the weekly digest (none: no digest)
    digest_day: int  #: ISO weekday of the digest (1 Monday ... 7 Sunday)
    digest_hour: int  #: local hour from which the week's digest is sent
    completeness_request: bool  #: ask new requests' authors in iTop for what they lack
    # not in the table: where things are, and how the app runs
    instance_path: Path  #: the instance folder (TRIAGE_INSTANCE_PATH, default ./instance)
    model_dir: Path  #: saved router models (MODEL_DIR, default <instance>/models)
    testing: bool  #: Flask's TESTING
    router_corpus_files: tuple[str, ...] | None  #: corpus files instead of the shipped ones

    def __post_init__(self) -> None:
        """Refuse a database URL or a time zone that cannot work."""
        check_url_and_zone(self.database_url, self.itop_timezone)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> "Settings":
        """The Settings of a merged mapping (``app.config``): the table's defaults fill the
        gaps, strings are parsed (instance/config.py may write ``"15"``), types are checked."""
        values = {s.key.lower(): coerce(s, mapping.get(s.key)) for s in SETTINGS}
        instance = Path(os.path.abspath(mapping.get("INSTANCE_PATH") or instance_path_from_env()))
        values["database_url"] = values["database_url"] or default_database_url(instance)
        corpus = mapping.get("ROUTER_CORPUS_FILES")
        return cls(
            **values,
            instance_path=instance,
            model_dir=Path(mapping.get("MODEL_DIR") or instance / "models"),
            testing=bool(mapping.get("TESTING")),
            router_corpus_files=tuple(str(c) for c in corpus) if corpus else None,
        )

    @property
    def tz(self) -> ZoneInfo:
        """iTop's time zone (the dates of iTop, local days, the scheduler's clock)."""
        return ZoneInfo(self.itop_timezone)

    @property
    def team_names(self) -> dict[Team, str]:
        """The iTop team name of each queue that has one (UNASSIGNED has none)."""
        return {
            Team.SI2C: self.team_si2c,
            Team.DRASI: self.team_drasi,
            Team.NATIONAL: self.team_national,
        }

    def itop_team_of_queue(self, queue: str) -> str | None:
        """The iTop team name configured for a queue (None for UNASSIGNED)."""
        return self.team_names.get(queue)

    def queue_of_itop_team(self, itop_team: str | None) -> Team | None:
        """The queue whose iTop team name is ``itop_team``, ignoring case (None: unknown)."""
        wanted = (itop_team or "").strip().casefold()
        for queue, name in self.team_names.items():
            if wanted and name.strip().casefold() == wanted:
                return queue
        return None

    def warning_to(self, team: str) -> tuple[str, ...]:
        """The addresses warned for a team's queue (none for the others)."""
        return {Team.SI2C: self.warning_to_si2c, Team.DRASI: self.warning_to_drasi}.get(team, ())

    @property
    def itop_ui_base(self) -> str:
        """iTop's URL for links to tickets, without a trailing slash ("" when unknown)."""
        return (self.itop_ui_url or self.itop_url or "").rstrip("/")

    def itop_ticket_url(self, itop_id: int) -> str | None:
        """The ticket's page in iTop's UI (None when iTop's URL is unknown)."""
        if not self.itop_ui_base:
            return None
        return f"{self.itop_ui_base}/pages/UI.php?operation=details&class=UserRequest&id={itop_id}"


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given as TRIAGE_* variables, parsed to their types."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(ENV_PREFIX + setting.key)
        if raw is not None:
            values[setting.key] = coerce(setting, raw)
    return values


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per TRIAGE_* variable that triage does not know, naming the closest one."""
    environ = os.environ if environ is None else environ
    known = [ENV_PREFIX + key for key in (*DEFAULTS, *OTHER_VARIABLES)]
    lines = []
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f": did you mean {close[0]}?" if close else ""
            lines.append(f"unknown setting {name} ignored{hint}")
    return lines


def init_app(app: Flask) -> Settings:
    """Build the app's Settings once from ``app.config`` (and warn of unknown variables)."""
    for line in unknown_variables():
        log.warning(line)
    settings = Settings.from_mapping(app.config)
    app.extensions[_EXT] = settings
    return settings


def get_settings(app: Flask | None = None) -> Settings:
    """The Settings of ``app`` (default: the current app), as ``create_app`` built them."""
    return (app or current_app).extensions[_EXT]


def replace_settings(app: Flask, **changes: Any) -> Settings:
    """Give ``app`` a copy of its Settings with ``changes`` (tests, the demo); returns it.

    Tests use it once the app exists (before: the ``app_config`` fixture). The matching
    ``app.config`` keys follow, so Flask sees a new ``secret_key`` or ``testing``. An engine
    made already keeps its database (the demo drops it to move to another one)."""
    settings = dataclasses.replace(get_settings(app), **changes)
    app.extensions[_EXT] = settings
    for name, value in changes.items():
        app.config[name.upper()] = value
    return settings
