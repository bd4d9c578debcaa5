"""drop ix_next_action_announce_at: ix_next_action_status_announce serves every query on announce_at

Revision ID: 0010_start14
Revises: 0009_follow_up
Create Date: 2026-12-07 05:45:00

Every read of announce_at also asks for a pending status (the scheduler's sweep, to_announce), which
the (status, announce_at) index of 0007_perf serves; the index on announce_at alone was one more
entry to write for each action the sweep claims, and each one created or moved.
"""
from alembic import op


revision = '0010_start14'
down_revision = '0009_follow_up'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.drop_index('ix_next_action_announce_at')


def downgrade() -> None:
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.create_index('ix_next_action_announce_at', ['announce_at'], unique=False)
