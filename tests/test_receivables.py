"""Receivables in `/crm stats` (signed requests), the managers' monthly digest (the scheduler's tick,
with the month's renewals) and `python -m bot report` (a process), on hand-built schedules whose
figures are worked out below.

The data (Shanghai days), team of BOSS = REP, MATE (CNY) and REP_EN (USD):
    REP     ERP 一期 100,000 CNY, 30/60/10 from 2026-11-25 every 30 days: 30,000 due 11-25,
            60,000 due 12-25, 10,000 due 2027-01-24; received 20,000 on 11-28 and 10,000 on 12-02
            (the first paid on 12-02); renews 2027-01-15
    MATE    云帆 50,000 CNY, 50/50 from 12-10 every 20 days: 25,000 due 12-10 and 12-30; nothing received;
            renews 2027-02-10
    REP_EN  Galaxy 10,000 USD by hand: 4,000 due 12-05, 6,000 due 12-28; received 1,500 on 12-06
December 2026:
    CNY due 60,000 + 25,000 + 25,000 = 110,000.00 (3); collected 10,000.00 (1 payment)
    USD due 4,000 + 6,000 = 10,000.00 (2); collected 1,500.00 (1)
Overdue on 2026-12-20: CNY MATE's 25,000 due 12-10 (1); USD 4,000 - 1,500 = 2,500.00 (1).
Overdue on 2027-01-01: CNY 60,000 + 25,000 + 25,000 = 110,000.00 (3); USD 2,500 + 6,000 = 8,500.00 (2).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from store.db import transaction
from store.deals import WonTerms, create_deal, move_deal
from store.digests import subscribe
from store.payments import plan_by_hand, plan_from_terms, record_receipt, set_schedule
from store.permissions import Viewer
from store.users import set_manager, set_role
from tests.block_text import block_texts
from tests.conftest import BOSS, REP, REP_EN, remember_user
from tests.record_flows import customer
from tests.test_cli import run
from tests.test_payment_jobs import _tick

MATE = "U0MATE0004"
SH = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
DEC_20 = datetime(2026, 12, 20, 10, 0, tzinfo=SH)


def _deal(db, owner, name, *, amount, currency="CNY", renewal=None, terms=None, first=None, every=30, hand=None,
          receipts=()) -> str:
    made = customer(db, name, owner=owner, stage="nurturing")
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    me = Viewer(id=owner)
    with transaction(db) as s:
        deal = create_deal(session=s, viewer=me, customer_id=made.id, title="ERP 一期", amount=amount, currency=currency,
                           stage="negotiation", now=at)
        move_deal(session=s, viewer=me, deal_id=deal.id, stage="won", now=at,
                  won=WonTerms(contract_no="HT-1", signed_on=date(2026, 11, 20), renewal_on=renewal))
        planned = plan_by_hand(total=deal.amount, currency=currency, text=hand) if hand else plan_from_terms(total=deal.amount, terms=terms, first=first,
                                                                                                 every_days=every)
        made_rows = set_schedule(session=s, viewer=me, deal_id=deal.id, now=at, planned=planned)
        for seq, value, on in receipts:
            record_receipt(session=s, viewer=me, instalment_id=made_rows[seq - 1].id, amount=value, received_on=on, today=on,
                           now=datetime.combine(on, datetime.min.time(), tzinfo=UTC))
    return made.code


def _data(db, remember) -> dict[str, str]:
    for user, tz, loc in ((REP, "Asia/Shanghai", "zh-CN"), (MATE, "Asia/Shanghai", "zh-CN"), (BOSS, "Asia/Shanghai", "zh-CN"),
                          (REP_EN, "Asia/Shanghai", "en-US")):
        remember(user, tz, loc)
    with transaction(db) as s:
        for rep in (REP, MATE, REP_EN):
            set_manager(session=s, user_id=rep, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role="manager")
    return {
        "galaxy": _deal(db, REP, "星河科技", amount="100000", terms="30/60/10", first=date(2026, 11, 25), renewal=date(2027, 1, 15),
                        receipts=((1, "20000", date(2026, 11, 28)), (1, "10000", date(2026, 12, 2)))),
        "yunfan": _deal(db, MATE, "云帆", amount="50000", terms="50/50", first=date(2026, 12, 10), every=20, renewal=date(2027, 2, 10)),
        "galaxy_en": _deal(db, REP_EN, "Galaxy Tech", amount="10000", currency="USD", hand="4000 2026-12-05\n6000 2026-12-28",
                           receipts=((1, "1500", date(2026, 12, 6)),)),
    }


def _stats(bolt, fake, user: str, text: str) -> str:
    fake.reset()
    bolt.command(text, user=user)
    blocks = fake.wait_for("response_url:cmd")[0].params["blocks"]
    return next(x for x in block_texts(blocks) if x.startswith("*💰"))


def test_receivables_in_stats_for_a_team_in_chinese_and_a_rep_in_english(bolt, fake, db, remember):
    _data(db, remember)
    bolt.now = DEC_20.astimezone(UTC)
    assert _stats(bolt, fake, BOSS, "stats 2026-12").splitlines() == [
        "*💰 回款*（本期应收 · 本期回款 · 当前逾期）",
        "• 应收 ¥110,000.00（3 期）· 回款 ¥10,000.00（1 笔）· 逾期 ¥25,000.00（1 期）",
        "• 应收 US$10,000.00（2 期）· 回款 US$1,500.00（1 笔）· 逾期 US$2,500.00（1 期）",
        f"• <@{MATE}>：应收 ¥50,000.00（2 期）· 回款 ¥0.00（0 笔）· 逾期 ¥25,000.00（1 期）",
        f"• <@{REP}>：应收 ¥60,000.00（1 期）· 回款 ¥10,000.00（1 笔）· 逾期 ¥0.00（0 期）",
        f"• <@{REP_EN}>：应收 US$10,000.00（2 期）· 回款 US$1,500.00（1 笔）· 逾期 US$2,500.00（1 期）",
    ]
    assert _stats(bolt, fake, REP_EN, "stats 2026-12").splitlines() == [
        "*💰 Receivables* (due this period · collected · overdue now)",
        "• due $10,000.00 (2) · collected $1,500.00 (1) · overdue $2,500.00 (1)",  # en-US writes US dollars $
    ]
    # November: REP's 30,000 due 11-25, 20,000 collected on 11-28; overdue is as of now
    assert _stats(bolt, fake, REP, "stats 2026-11").splitlines()[1:] == [
        "• 应收 ¥30,000.00（1 期）· 回款 ¥20,000.00（1 笔）· 逾期 ¥0.00（0 期）"]


def test_the_monthly_digest_has_receivables_and_the_months_renewals(bolt, fake, db, remember):
    codes = _data(db, remember)
    with transaction(db) as s:
        subscribe(session=s, channel_id="C0SALES001", cadence="monthly", team_of=BOSS, at_time="09:00", tz="Asia/Shanghai",
                  locale="zh-CN", by=BOSS, now=DEC_20.astimezone(UTC))
    fake.reset()
    _tick(bolt, datetime(2027, 1, 1, 9, 0, tzinfo=SH))
    [post] = [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "C0SALES001"]
    texts = block_texts(post["blocks"])
    money = next(x for x in texts if x.startswith("*💰"))
    assert money.splitlines()[1:3] == ["• 应收 ¥110,000.00（3 期）· 回款 ¥10,000.00（1 笔）· 逾期 ¥110,000.00（3 期）",
                                       "• 应收 US$10,000.00（2 期）· 回款 US$1,500.00（1 笔）· 逾期 US$8,500.00（2 期）"]
    renewals = next(x for x in texts if x.startswith("*🔁"))
    assert renewals.splitlines() == ["*🔁 2027年1月续约*（1 个）",
                                     f"• *星河科技* `{codes['galaxy']}` · ERP 一期 · ¥100,000.00 · 2027年1月15日 续约 · <@{REP}>"]


def test_receivables_in_the_report_csv(empty_database, tmp_path):
    env = {"DATABASE_URL": empty_database.url}
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    _data(empty_database.factory, lambda user, tz, loc: remember_user(empty_database.factory, user, tz, loc))
    done = run(["report", "--period", "2026-12", "--team", BOSS, "--now", "2026-12-20T10:00:00+08:00"], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout.encode("utf-8")[3:].decode("utf-8"), newline="")))
    start = rows.index(["回款", "币种", "本期应收", "应收期数", "本期回款", "回款笔数", "当前逾期", "逾期期数"])
    end = rows.index([], start)  # the average order value follows (tests/test_aov.py)
    assert rows[start + 1:end] == [["合计", "CNY", "110000.00", "3", "10000.00", "1", "25000.00", "1"],
                                ["合计", "USD", "10000.00", "2", "1500.00", "1", "2500.00", "1"],
                                [MATE, "CNY", "50000.00", "2", "0.00", "0", "25000.00", "1"],
                                [REP, "CNY", "60000.00", "1", "10000.00", "1", "0.00", "0"],
                                [REP_EN, "USD", "10000.00", "2", "1500.00", "1", "2500.00", "1"]]
