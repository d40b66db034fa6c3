"""Rebuild revision 0001 from triage/models.py (development only, before the first release)."""

import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from triage.db import MIGRATIONS_DIR, alembic_config

target = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
print(f"rebuilt {target}")
