"""next actions keep the data their title is made of (params), so an instalment's and a renewal's
action reads in one language

Revision ID: 0008_moneywords
Revises: 0007_tags
Create Date: 2026-12-07 02:00:00

Revision 0007_money stored these actions' titles in both languages, the money written by hand:
"回款：ERP 一期 第 1 期 30,000.00 CNY / Payment due: ERP 一期, instalment 1, 30,000.00 CNY",
"续约提醒：ERP 一期（2027-02-01 到期续约）/ Renewal: ERP 一期 renews 2027-02-01". They now store
their kind and params (deal, seq, amount, currency / deal, day), rendered per reader, and a zh-CN
title. A row of the old shape that parses gets its params and that title; one that does not
(a title cut at 500 characters, an edited one) is left as it is and still reads as stored.
"""
import re
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '0008_moneywords'
down_revision = '0007_tags'
branch_labels = None
depends_on = None

# The two shapes as 0007_money wrote them; frozen here, not imported.
OLD_PAYMENT = re.compile(r"回款：(?P<deal>.+) 第 (?P<seq>\d+) 期 (?P<amount>\d{1,3}(?:,\d{3})*\.\d{2}) (?P<currency>[A-Z]{3}) / "
                         r"Payment due: (?P=deal), instalment (?P=seq), (?P=amount) (?P=currency)")
OLD_RENEWAL = re.compile(r"续约提醒：(?P<deal>.+)（(?P<day>\d{4}-\d{2}-\d{2}) 到期续约）/ Renewal: (?P=deal) renews (?P=day)")


def _payment(m: re.Match) -> tuple[dict, str]:
    params = {"deal": m["deal"], "seq": int(m["seq"]), "amount": m["amount"].replace(",", ""), "currency": m["currency"]}
    return params, f"回款：{m['deal']} 第 {m['seq']} 期"


def _renewal(m: re.Match) -> tuple[dict, str]:
    return {"deal": m["deal"], "day": m["day"]}, f"续约提醒：{m['deal']}（{m['day']} 到期续约）"


SHAPES = {'payment_due': (OLD_PAYMENT, _payment), 'renewal': (OLD_RENEWAL, _renewal)}


def _table():
    return sa.table('next_action', sa.column('id', sa.Integer), sa.column('title', sa.String), sa.column('kind', sa.String),
                    sa.column('params', sa.JSON(none_as_null=True)))


def upgrade() -> None:
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('params', sa.JSON(none_as_null=True), nullable=True))
    action = _table()
    conn = op.get_bind()
    for kind, (shape, convert) in SHAPES.items():
        for row_id, title in conn.execute(sa.select(action.c.id, action.c.title).where(action.c.kind == kind)).all():
            found = shape.fullmatch(title or "")
            if found is None:
                continue
            params, new_title = convert(found)
            conn.execute(action.update().where(action.c.id == row_id).values(params=params, title=new_title))


def _old_title(kind: str, p: dict) -> str:
    if kind == 'payment_due':
        amount = f"{Decimal(p['amount']):,.2f} {p['currency']}"
        return f"回款：{p['deal']} 第 {p['seq']} 期 {amount} / Payment due: {p['deal']}, instalment {p['seq']}, {amount}"
    return f"续约提醒：{p['deal']}（{p['day']} 到期续约）/ Renewal: {p['deal']} renews {p['day']}"


def downgrade() -> None:
    action = _table()
    conn = op.get_bind()
    rows = conn.execute(sa.select(action.c.id, action.c.kind, action.c.params)
                        .where(action.c.kind.in_(tuple(SHAPES)), action.c.params.is_not(None))).all()
    for row_id, kind, params in rows:
        conn.execute(action.update().where(action.c.id == row_id).values(title=_old_title(kind, params)[:500]))
    with op.batch_alter_table('next_action', schema=None) as batch_op:
        batch_op.drop_column('params')
