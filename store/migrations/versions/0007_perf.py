"""outbox claim token; an index for the due sweep

Revision ID: 0007_perf
Revises: 0006
Create Date: 2026-12-06 22:45:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_perf'
down_revision = '0007_lang'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.create_index('ix_next_action_status_announce', ['status', 'announce_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.drop_index('ix_next_action_status_announce')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claim_token')
