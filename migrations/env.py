"""Alembic environment: runs on the connection triage hands over (see triage.db.init_db)."""

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import triage.models  # noqa: F401  (registers the tables)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run on the given connection, or open one from the URL (alembic CLI)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.begin() as conn:
        _run(conn)


def _include(dialect: str):
    """Leave out, on other databases, what exists only on PostgreSQL (the trigram index)."""

    def include_object(obj, _name, _type, _reflected, _compare_to) -> bool:
        info = getattr(obj, "info", {}) or {}
        return dialect == "postgresql" or not info.get("postgresql_only")

    return include_object


def _run(connection) -> None:
    context.configure(
        include_object=_include(connection.dialect.name),
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
