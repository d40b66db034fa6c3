"""Autogenerate an Alembic revision from triage/models.py (``make migration MSG=...``)."""

import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from triage.db import alembic_config

with tempfile.TemporaryDirectory() as tmp:
    engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        command.revision(cfg, message=" ".join(sys.argv[1:]) or "change", autogenerate=True)
