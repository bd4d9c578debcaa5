"""interaction outcomes, computed behaviour tags and their passes, monthly summaries

Revision ID: 0007_tags
Revises: 0006
Create Date: 2026-12-06 22:50:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.types


revision = '0007_tags'
down_revision = '0007_money'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))

    op.create_table('computed_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('since', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'code', name='uq_computed_tag')
    )
    with op.batch_alter_table('computed_tag', schema=None) as batch_op:
        batch_op.create_index('ix_computed_tag_code', ['code', 'removed_at'], unique=False)

    op.create_table('tag_pass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('due_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.Column('created_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subject', 'due_key', name='uq_tag_pass')
    )

    op.create_table('monthly_summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('success_case', sa.Text(), nullable=False),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.Column('submitted_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rep_id', 'month', name='uq_monthly_summary')
    )
    with op.batch_alter_table('monthly_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monthly_summary_month'), ['month'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('monthly_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monthly_summary_month'))
    op.drop_table('monthly_summary')
    op.drop_table('tag_pass')
    with op.batch_alter_table('computed_tag', schema=None) as batch_op:
        batch_op.drop_index('ix_computed_tag_code')
    op.drop_table('computed_tag')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_column('outcome')
