"""next actions keep the kind a rule made them as; admin_change records /crm admin sla

Revision ID: 0007_lang
Revises: 0006
Create Date: 2026-12-06 22:50:00

A rule's action used to store both languages in its title ("首次联系新线索 / First contact with the
new lead"). It now stores its kind (rendered per reader) and the zh-CN label as the title. Rows of
the old shape get their kind and that title back; a title a person typed is left as typed.
admin_change keeps who changed which team setting from Slack (SLA targets), from what, to what.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import store.types


revision = '0007_lang'
down_revision = '0007_winback'
branch_labels = None
depends_on = None

# The rules' titles as revision 0006 wrote them, kind -> (zh-CN, en); frozen here, not imported.
OLD_TITLES = {
    'first_contact': ('首次联系新线索', 'First contact with the new lead'),
    'needs_research': ('完成需求调研', "Research the customer's needs"),
    'signing': ('推进签约', 'Get the contract signed'),
    'satisfaction_check': ('交付后满意度回访', 'Satisfaction check after delivery'),
    'quarterly_review': ('季度客户回顾', 'Quarterly customer review'),
    'win_back': ('流失客户挽回', 'Win the customer back'),
    'cadence': ('定期跟进', 'Follow-up is due'),
    'retention_price': ('挽留客户：价格调整', 'Keep the customer: price offer'),
    'retention_service_upgrade': ('挽留客户：服务升级', 'Keep the customer: service upgrade'),
    'retention_specific_fix': ('挽留客户：解决具体问题', 'Keep the customer: fix the specific problem'),
}


def upgrade() -> None:
    op.create_table('admin_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('setting', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('old', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('new', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('admin_change', schema=None) as batch_op:
        batch_op.create_index('ix_admin_change_at', ['at'], unique=False)
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    action = sa.table('next_action', sa.column('title', sa.String), sa.column('kind', sa.String))
    for kind, (zh, en) in OLD_TITLES.items():
        op.execute(action.update().where(action.c.title == f"{zh} / {en}").values(kind=kind, title=zh))


def downgrade() -> None:
    action = sa.table('next_action', sa.column('title', sa.String), sa.column('kind', sa.String))
    for kind, (zh, en) in OLD_TITLES.items():
        op.execute(action.update().where(action.c.kind == kind).values(title=f"{zh} / {en}"))
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('admin_change', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_change_at')
    op.drop_table('admin_change')
