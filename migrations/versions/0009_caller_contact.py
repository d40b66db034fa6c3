"""The caller's e-mail and phone (their iTop Person) kept on the ticket

Revision ID: 0009_caller_contact
Revises: 0008_exchanges
Create Date: 2026-12-02 13:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009_caller_contact'
down_revision = '0008_exchanges'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs with a constant default: no rewrite of the table on either database
    op.add_column('ticket', sa.Column('caller_email', sqlmodel.sql.sqltypes.AutoString(length=255),
                                      nullable=False, server_default=''))
    op.add_column('ticket', sa.Column('caller_phone', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('caller_phone')
        batch_op.drop_column('caller_email')
