"""The tables' versions: the web workers' kept queue counts know another process changed
the tickets

Revision ID: 0010_data_version
Revises: 0009_caller_contact
Create Date: 2026-12-03 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010_data_version'
down_revision = '0009_caller_contact'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'dataversion',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('dataversion')
