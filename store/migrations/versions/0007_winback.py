"""win-back in progress: next_action.close_reason, and no failure that did not happen

Revision ID: 0007_winback
Revises: 0006

Adds next_action.close_reason (why the bot closed an action: "churned"). Until now a recoverable
customer was marked 挽回失败 (win_back_failed) while its plan was still open; that status becomes
挽回中 (winning_back) on the customer, and in its history (the stage change and the audited status
that entered churned with a recoverable case, and the change that left that status), unless a
plan of that case was closed as failed. Rows of customers that really failed are not touched.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_winback'
down_revision = '0007_figures'
branch_labels = None
depends_on = None

FAILED, IN_PROGRESS = "win_back_failed", "winning_back"


def upgrade() -> None:
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('close_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    bind = op.get_bind()
    # entries into churned that recorded a failure: the case made at that instant was recoverable
    # and no plan of it was closed as failed
    entries = bind.execute(sa.text(
        "SELECT s.id, s.customer_id, s.at FROM stage_change s JOIN churn_case c"
        " ON c.customer_id = s.customer_id AND c.at = s.at AND c.recoverable = :yes"
        " WHERE s.to_stage = 'churned' AND s.to_status = :failed AND (s.from_stage IS NULL OR s.from_stage <> 'churned')"
        " AND NOT EXISTS (SELECT 1 FROM winback_plan p WHERE p.churn_case_id = c.id AND p.outcome = :failed)"
    ), {"yes": True, "failed": FAILED}).all()
    for change_id, customer_id, at in entries:
        bind.execute(sa.text("UPDATE stage_change SET to_status = :new WHERE id = :id"), {"new": IN_PROGRESS, "id": change_id})
        bind.execute(sa.text('UPDATE audit_entry SET "new" = :new WHERE customer_id = :c AND at = :at AND field = \'status\''
                             ' AND entity = \'customer\' AND "new" = :failed'),
                     {"new": IN_PROGRESS, "c": customer_id, "at": at, "failed": FAILED})
        following = bind.execute(sa.text(
            "SELECT id, at, from_status FROM stage_change WHERE customer_id = :c AND (at > :at OR (at = :at AND id > :id))"
            " ORDER BY at, id LIMIT 1"), {"c": customer_id, "at": at, "id": change_id}).first()
        if following is not None and following.from_status == FAILED:
            bind.execute(sa.text("UPDATE stage_change SET from_status = :new WHERE id = :id"), {"new": IN_PROGRESS, "id": following.id})
            bind.execute(sa.text('UPDATE audit_entry SET "old" = :new WHERE customer_id = :c AND at = :at AND field = \'status\''
                                 ' AND entity = \'customer\' AND "old" = :failed'),
                         {"new": IN_PROGRESS, "c": customer_id, "at": following.at, "failed": FAILED})
        elif following is None:
            bind.execute(sa.text("UPDATE customer SET status = :new WHERE id = :c AND stage = 'churned' AND status = :failed"),
                         {"new": IN_PROGRESS, "c": customer_id, "failed": FAILED})


def downgrade() -> None:
    bind = op.get_bind()
    for table, column in (("customer", "status"), ("stage_change", "to_status"), ("stage_change", "from_status")):
        bind.execute(sa.text(f"UPDATE {table} SET {column} = :failed WHERE {column} = :new"), {"failed": FAILED, "new": IN_PROGRESS})
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.drop_column('close_reason')
