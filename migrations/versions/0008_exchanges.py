"""The last exchanges with the requester (iTop's public log) kept on the ticket

Revision ID: 0008_exchanges
Revises: 0007_scale
Create Date: 2026-12-02 06:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_exchanges'
down_revision = '0007_scale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN on both databases (SQLite needs no table rebuild for it)
    op.add_column('ticket', sa.Column('exchanges', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('exchanges')
