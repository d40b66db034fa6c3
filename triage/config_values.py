"""What settings are made of: readers of TRIAGE_* strings, value checks, the instance folder
and its secret key file (``triage.config`` builds the Settings from these)."""

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SECRET_KEY_FILE = "secret_key"


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


def parse_list(value: str) -> tuple[str, ...]:
    """Read a comma-separated list, dropping blanks."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def parse_str(value: str) -> str:
    """Keep a string as it is."""
    return value


@dataclass(frozen=True)
class Setting:
    """One row of the table: the key (variable without ``TRIAGE_``), its parser, its default."""

    key: str
    parse: Callable[[str], Any]
    default: Any


def coerce(setting: Setting, value: Any) -> Any:
    """A value of ``app.config`` as the type of its setting (None: the default)."""
    if value is None:
        return setting.default
    try:
        if isinstance(value, str):
            return setting.parse(value)
        return _convert(setting.parse, value)
    except ConfigError as exc:
        raise ConfigError(f"TRIAGE_{setting.key}: {exc}") from exc


def _convert(parse: Callable[[str], Any], value: Any) -> Any:
    """A non-string value checked (and widened: 2 -> 2.0, a list -> a tuple) for ``parse``."""
    if parse is parse_list and isinstance(value, list | tuple | set | frozenset):
        return tuple(str(item).strip() for item in value if str(item).strip())
    if parse is parse_bool and isinstance(value, bool | int) and value in (0, 1):
        return bool(value)
    if parse is parse_int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if parse is parse_float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ConfigError(f"not {_KINDS[parse]}: {value!r}")


_KINDS = {
    parse_list: "a list",
    parse_bool: "a boolean",
    parse_int: "an integer",
    parse_float: "a number",
    parse_str: "a string",
}


def instance_path_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The instance folder: TRIAGE_INSTANCE_PATH or ./instance, made absolute."""
    environ = os.environ if environ is None else environ
    return os.path.abspath(environ.get("TRIAGE_INSTANCE_PATH") or "instance")


def default_database_url(instance_path: str | os.PathLike) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return "sqlite:///" + os.path.join(instance_path, "triage.db")


def read_secret_key(instance_path: str | os.PathLike) -> str | None:
    """The key of instance/secret_key, None when the file is missing or empty."""
    try:
        return (Path(instance_path) / SECRET_KEY_FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


def create_secret_key(instance_path: str | os.PathLike) -> Path | None:
    """Write a new instance/secret_key unless there is one; its path when written now."""
    path = Path(instance_path) / SECRET_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes run this at once, the first key written wins for both
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path


def check_url_and_zone(database_url: str, zone: str) -> None:
    """Refuse a database URL or a time zone that cannot work (ConfigError)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(database_url)
    except ArgumentError as exc:  # the value is not echoed: it may hold a password
        raise ConfigError(
            "TRIAGE_DATABASE_URL: not a SQLAlchemy URL (dialect+driver://user:password"
            "@host/database, or sqlite:///path/to/triage.db)"
        ) from exc
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"TRIAGE_ITOP_TIMEZONE: unknown time zone {zone!r}") from exc
