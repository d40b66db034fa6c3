"""The agent's desk: a user's iTop person (take a ticket)

Revision ID: 0004_desk
Revises: 0003
Create Date: 2026-12-02 04:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_desk'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('itop_person_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('itop_person_id')
