"""Scale: partial indexes on open tickets, folded search text (trigram index), dashboard figures,
the outbox by creation time

Revision ID: 0007_scale
Revises: 0006_committee
Create Date: 2026-12-02 04:30:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import triage.models

revision = "0007_scale"
down_revision = '0006_committee'
branch_labels = None
depends_on = None

OLD_INDEXES = (
    ("ix_ticket_open_team_created", ["is_open", "team", "created_at"]),
    ("ix_ticket_service_created", ["service", "created_at"]),
    ("ix_ticket_service_team_open", ["service", "team", "is_open", "created_at"]),
)
BATCH = 2000


def _partial_indexes() -> list[sa.Index]:
    indexes = [
        i for i in triage.models.Ticket.__table__.indexes
        if i.dialect_options["postgresql"]["where"] is not None and not i.info.get("postgresql_only")
    ]
    return sorted(indexes, key=lambda i: i.name)  # a set: one order for every database


def _backfill(bind) -> None:
    """Fill search_text of the tickets already there, in batches."""
    ticket = sa.table(
        "ticket", *(sa.column(n) for n in ("id", "ref", "title", "organization", "caller",
                                            "description", "search_text"))
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(ticket).where(ticket.c.id > last).order_by(ticket.c.id).limit(BATCH)
        ).mappings().all()
        if not rows:
            return
        bind.execute(
            ticket.update().where(ticket.c.id == sa.bindparam("b_id"))
            .values(search_text=sa.bindparam("b_text")),
            [{"b_id": r["id"], "b_text": triage.models.ticket_search_text(dict(r))} for r in rows],
        )
        last = rows[-1]["id"]


def _trigram_index(bind) -> None:
    """PostgreSQL: the trigram index of search_text (pg_trgm, a trusted extension)."""
    bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    schema = bind.execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one()
    ops = f'"{schema}".gin_trgm_ops'
    op.execute(f"CREATE INDEX ix_ticket_search_trgm ON ticket USING gin (search_text {ops})")
    op.execute(
        f"CREATE INDEX ix_ticket_open_search_trgm ON ticket USING gin (search_text {ops}) "
        "WHERE is_open AND gone IS NULL"
    )


def upgrade() -> None:
    op.create_table(
        "dashboardfigure",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("computed_at", triage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        for name, _ in OLD_INDEXES:
            batch_op.drop_index(name)
    bind = op.get_bind()
    _backfill(bind)
    for index in _partial_indexes():
        options = index.dialect_options
        op.create_index(
            index.name, "ticket", [c.name for c in index.columns],
            postgresql_where=options["postgresql"]["where"],
            sqlite_where=options["sqlite"]["where"],
        )
    if bind.dialect.name == "postgresql":
        _trigram_index(bind)
    op.create_index("ix_outboxmessage_created_at", "outboxmessage", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outboxmessage_created_at", table_name="outboxmessage")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_ticket_search_trgm", table_name="ticket")
        op.drop_index("ix_ticket_open_search_trgm", table_name="ticket")
    for index in _partial_indexes():
        op.drop_index(index.name, table_name="ticket")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        for name, columns in OLD_INDEXES:
            batch_op.create_index(name, columns, unique=False)
        batch_op.drop_column("search_text")
    op.drop_table("dashboardfigure")
