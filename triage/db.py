"""Engine, one session per request/command/job, and schema upgrades (Alembic)."""

import importlib.util
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlmodel import Session, create_engine

from triage.config import get_settings

log = logging.getLogger(__name__)


_SQLITE_NAMED = sqlite_dialect(paramstyle="named")  # placeholders sa.text reads (":name")
_PLACEHOLDER = re.compile(r"(?<![:\w]):(\w+)")


def sqlite_indexed_by(dialect: sa.Dialect, statement, index: str):
    """``statement`` (a SELECT on ``ticket``) pinned to ``index`` on SQLite (``INDEXED BY``);
    unchanged elsewhere. Its values stay bound parameters, with their types (a search's text
    is never written into the SQL).

    SQLite's planner, without statistics, breaks a tie between two usable indexes by their
    order in the schema, which an ``ALTER TABLE`` may change: it can take the index of every
    ticket where the one of open tickets reads thirty times fewer rows.
    """
    if dialect.name != "sqlite":
        return statement
    compiled = statement.compile(dialect=_SQLITE_NAMED,
                                 compile_kwargs={"render_postcompile": True})
    values = compiled.params
    # the parameters renamed apart (the text may be a subquery of a statement with its own),
    # each with its column's type; an IN list's expanded values have theirs read from them
    typed = {key: bind.type for key, bind in compiled.binds.items()}
    binds = [sa.bindparam(f"pin_{key}", value, type_=typed.get(key))
             for key, value in values.items()]
    sql = _PLACEHOLDER.sub(
        lambda m: f":pin_{m.group(1)}" if m.group(1) in values else m.group(0),
        compiled.string,
    )
    pinned = sa.text(sql.replace("FROM ticket", f"FROM ticket INDEXED BY {index}", 1))
    return pinned.bindparams(*binds).columns(*statement.selected_columns)


def _migrations_dir() -> Path:
    """The Alembic scripts: the installed ``migrations`` package, else the source checkout's."""
    source = Path(__file__).resolve().parent.parent / "migrations"
    if (source / "env.py").is_file():
        return source  # a checkout (editable install, tests): the files being edited
    spec = importlib.util.find_spec("migrations")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / "env.py").is_file() and (Path(location) / "versions").is_dir():
            return Path(location)
    return source  # not installed: Alembic says so when init-db runs


MIGRATIONS_DIR = _migrations_dir()
_EXT = "triage_db"
# What a database that does not answer raises (refused, unreachable, file unreadable, pool
# exhausted): requests get 503 with Retry-After (triage.api.errors), not 500.
DATABASE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
RETRY_AFTER_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 10  # an unreachable PostgreSQL host fails fast instead of hanging


def make_engine(url: str, schema: str | None = None) -> sa.Engine:
    """Build an engine; ``schema`` pins PostgreSQL's search_path (tests use one per test)."""
    kwargs: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # Flask serves requests on threads; each session stays in its own thread anyway.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
        if schema:
            kwargs["connect_args"]["options"] = f"-csearch_path={schema}"
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets the scheduler write while the web app reads; foreign keys on."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_engine(app: Flask | None = None) -> sa.Engine:
    """The application's engine, created on first use."""
    app = app or current_app
    engine = app.extensions.get(_EXT)
    if engine is None:
        settings = get_settings(app)
        engine = make_engine(settings.database_url, settings.database_schema)
        app.extensions[_EXT] = engine
    return engine


def reset_engine(app: Flask | None = None) -> None:
    """Dispose of the app's engine and forget it: the next use builds one from the settings."""
    app = app or current_app
    engine = app.extensions.pop(_EXT, None)
    if engine is not None:
        engine.dispose()


def get_session() -> Session:
    """The session of the current request, command or job (opened on first use)."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the session at the end of the app context."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session of its own, for code outside a request (threads, scripts)."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


def alembic_config(engine: sa.Engine):
    """Alembic's configuration, pointing at the packaged migrations."""
    from alembic.config import Config as AlembicConfig  # only init-db needs Alembic

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def init_db(app: Flask | None = None) -> str:
    """Create or upgrade the schema to the newest revision; safe to run again."""
    from alembic import command

    engine = get_engine(app)
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    log.info("database schema at revision %s", version)
    return version


def check_db() -> None:
    """Raise when the database does not answer."""
    with get_engine().connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def init_app(app: Flask) -> None:
    """Wire the database into the app (no connection is opened here)."""
    app.teardown_appcontext(close_session)
