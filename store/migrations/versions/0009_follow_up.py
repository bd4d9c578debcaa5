"""an imported next action without 备注 keeps a kind (follow_up), so it reads in one language

Revision ID: 0009_follow_up
Revises: 0008_moneywords
Create Date: 2026-12-07 03:10:00

The CSV import titled a 下次跟进时间 without 备注 "跟进 / Follow up", both languages in one title. It
now stores the kind `follow_up` (store/vocab.py "auto_action") and the zh-CN title 跟进; each reader
sees 跟进 or Follow up. Rows of the old title that no one gave a kind get the new shape.
"""
from alembic import op


revision = '0009_follow_up'
down_revision = '0008_moneywords'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE next_action SET kind = 'follow_up', title = '跟进' WHERE title = '跟进 / Follow up' AND kind IS NULL")


def downgrade() -> None:
    op.execute("UPDATE next_action SET kind = NULL, title = '跟进 / Follow up' WHERE kind = 'follow_up'")
