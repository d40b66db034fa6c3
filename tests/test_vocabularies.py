"""The database keeps the vocabularies: CHECK constraints from the migrations, as the models say.

Also the ``alembic check`` of the suite: the migrated schema equals the models.
"""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from triage.db import get_engine
from triage.models import Ticket, utcnow

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
MIGRATION = VERSIONS / "0003_vocabularies.py"


def _model_checks() -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for table in SQLModel.metadata.sorted_tables:
        for constraint in table.constraints:
            named = str(constraint.name).startswith("ck_")
            if isinstance(constraint, sa.CheckConstraint) and named:
                found.setdefault(table.name, set()).add((constraint.name, str(constraint.sqltext)))
    return found


def _migration_checks() -> dict[str, set[tuple[str, str]]]:
    spec = importlib.util.spec_from_file_location("vocabularies_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {table: set(checks) for table, checks in module.CHECKS.items()}


def test_migration_freezes_the_models_vocabularies():
    """A vocabulary changed in the models without a migration is caught here."""
    assert _migration_checks() == _model_checks()


def test_migrated_schema_equals_the_models(app):
    """``alembic check``: nothing for autogenerate to add, drop or alter."""
    with get_engine(app).connect() as connection:
        dialect = connection.dialect.name

        def include(obj, _name, _type, _reflected, _compare_to) -> bool:  # as migrations/env.py
            return dialect == "postgresql" or not obj.info.get("postgresql_only")

        opts = {"compare_type": True, "include_object": include}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, SQLModel.metadata) == []


@pytest.mark.parametrize(("column", "value"), [("team", "SI2D"), ("team_source", "robot"),
                                               ("gone", "lost")])
def test_database_refuses_a_value_out_of_its_vocabulary(app, column, value):
    """Written past the services (raw SQL), a bad value is still refused by the database."""
    row = {"itop_id": 1, "ref": "R-000001", "title": "t", "description": "",
           "description_html": "", "status": "new", "is_open": True, "organization": "",
           "caller": "", "agent": "", "service": "Op@le", "servicesubcategory": "",
           "priority": "", "urgency": "", "origin": "", "itop_team": "", "team": "SI2C",
           "team_source": "prefix", "needs_review": False, "requalify_suggested": False,
           "created_at": utcnow(), "updated_at": utcnow(), "last_seen_at": utcnow()}
    engine = get_engine(app)
    with engine.begin() as connection:
        connection.execute(sa.insert(Ticket.__table__).values(**row))  # a good row goes in
    row.update(itop_id=2, ref="R-000002", **{column: value})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.insert(Ticket.__table__).values(**row))


def test_every_vocabulary_outlives_the_later_migrations(app):
    """Later migrations rebuild tables on SQLite (batch mode): the CHECK constraints stay."""
    with get_engine(app).connect() as connection:
        inspector = sa.inspect(connection)
        found = {table: {c["name"] for c in inspector.get_check_constraints(table)}
                 for table in _model_checks()}
    assert found == {table: {name for name, _ in checks}
                     for table, checks in _model_checks().items()}
