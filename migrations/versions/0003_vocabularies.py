"""Vocabularies kept by the database: CHECK constraints on teams, sources, roles, levels, statuses

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 04:30:00
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# frozen here (tests/test_vocabularies.py compares them with triage.models): a later change
# of a vocabulary needs its own migration
CHECKS = {
    "ticket": [
        ("ck_ticket_team", "team IN ('SI2C', 'DRASI', 'NATIONAL', 'UNASSIGNED')"),
        ("ck_ticket_team_source", "team_source IS NULL OR team_source IN ('itop', 'prefix', "
         "'model', 'prefix+model', 'agent', 'escalation')"),
        ("ck_ticket_gone", "gone IS NULL OR gone IN ('left_service', 'deleted')"),
    ],
    "routingdecision": [
        ("ck_routingdecision_source", "source IN ('itop', 'prefix', 'model', 'prefix+model', "
         "'agent', 'escalation')"),
        ("ck_routingdecision_from_team",
         "from_team IS NULL OR from_team IN ('SI2C', 'DRASI', 'NATIONAL', 'UNASSIGNED')"),
        ("ck_routingdecision_to_team", "to_team IN ('SI2C', 'DRASI', 'NATIONAL', 'UNASSIGNED')"),
    ],
    "user": [
        ("ck_user_role", "role IN ('agent', 'supervisor', 'admin')"),
        ("ck_user_team", "team IS NULL OR team IN ('SI2C', 'DRASI', 'NATIONAL')"),
    ],
    "escalation": [
        ("ck_escalation_level", "level IN ('warning', 'national')"),
        ("ck_escalation_team", "team IN ('SI2C', 'DRASI', 'NATIONAL', 'UNASSIGNED')"),
        ("ck_escalation_rule", "rule IN ('calendar', 'working')"),
    ],
    "outboxmessage": [
        ("ck_outboxmessage_status", "status IN ('pending', 'sending', 'sent', 'failed', "
         "'refused', 'uncertain')"),
    ],
    "itopwrite": [
        ("ck_itopwrite_status", "status IN ('pending', 'sending', 'done', 'failed', 'refused', "
         "'uncertain', 'superseded')"),
        ("ck_itopwrite_kind", "kind IN ('update', 'create')"),
        ("ck_itopwrite_team", "team IS NULL OR team IN ('SI2C', 'DRASI', 'NATIONAL', 'UNASSIGNED')"),
    ],
    "backlogsnapshot": [
        ("ck_backlogsnapshot_team", "team IN ('SI2C', 'DRASI', 'NATIONAL', 'UNASSIGNED')"),
    ],
    "retrainrequest": [
        ("ck_retrainrequest_status", "status IN ('pending', 'running', 'done', 'failed')"),
    ],
}


def upgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, condition in checks:
                batch.create_check_constraint(name, condition)


def downgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, _condition in checks:
                batch.drop_constraint(name, type_="check")
