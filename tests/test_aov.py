"""Average order value growth (客单价增长率) per value tier and rep, worked out by hand, in `/crm stats`
(signed requests, zh-CN and en) and `python -m bot report` (a process), against CRM_TARGETS'
aov_growth_high (default 12).

`/crm stats 2026-12` in Shanghai ends at 2027-01-01 00:00: this year is 2026 (365 days), the year before 2025.
    H1 high, REP   2025: 100,000 and 200,000     2026: 168,000
    H2 high, MATE  2025: 100,000 and 100,000     2026: 110,000
    M  medium, REP 2025: 50,000                  2026: 40,000 and 50,000
    a deal won in 2024 counts in neither year
high:   2025 (300,000 + 200,000) / 4 = 125,000.00; 2026 (168,000 + 110,000) / 2 = 139,000.00;
        growth 14,000 / 125,000 = +11.2 % < 12: missed
medium: 50,000.00 -> 45,000.00: -10.0 %
REP:    (100,000 + 200,000 + 50,000) / 3 = 116,666.67 -> (168,000 + 40,000 + 50,000) / 3 = 86,000.00:
        (86,000 - 116,666.666...) / 116,666.666... = -26.3 %
MATE:   100,000.00 -> 110,000.00: +10.0 %
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from store.aov import aov_growth
from store.customers import create_customer
from store.crm_models import Deal
from store.db import transaction
from store.models import Customer
from store.users import set_manager, set_role
from tests.block_text import block_texts
from tests.conftest import BOSS, REP, remember_user
from tests.test_cli import run

SH = ZoneInfo("Asia/Shanghai")
MATE = "U0MATE0004"
END = datetime(2027, 1, 1, tzinfo=SH)


def _data(factory) -> None:
    for user in (REP, MATE, BOSS):
        remember_user(factory, user, "Asia/Shanghai", "zh-CN")
    with transaction(factory) as s:
        for rep in (REP, MATE):
            set_manager(session=s, user_id=rep, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role="manager")
        for name, owner, tier, deals in (
            ("H1", REP, "high", (("100000", 2025, 3), ("200000", 2025, 9), ("168000", 2026, 6), ("999999", 2024, 12))),
            ("H2", MATE, "high", (("100000", 2025, 1), ("100000", 2025, 12), ("110000", 2026, 12))),
            ("M", REP, "medium", (("50000", 2025, 5), ("40000", 2026, 2), ("50000", 2026, 11))),
        ):
            made = create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=datetime(2024, 1, 1, tzinfo=SH))
            row = s.get(Customer, made.id)
            row.value_tier, row.value_tier_source, row.stage, row.status = tier, "manual", "mature", "active"
            s.add(row)
            for amount, year, month in deals:  # won deals as store/deals.py leaves them
                at = datetime(year, month, 15, 10, 0, tzinfo=SH)
                s.add(Deal(customer_id=made.id, title="合同", amount=Decimal(amount), currency="CNY", stage="won", owner_id=owner,
                           created_by=owner, stage_changed_at=at, closed_at=at, created_at=at, updated_at=at,
                           contract_no="HT", signed_on=at.date()))


def test_the_figures_by_hand(db):
    _data(db)
    with transaction(db) as s:
        found = aov_growth(session=s, end=END, owner_ids=None)
    high, medium = found.by_tier[("high", "CNY")], found.by_tier[("medium", "CNY")]
    assert (high.previous, high.value, round(high.growth, 1)) == (Decimal("125000.00"), Decimal("139000.00"), Decimal("11.2"))
    assert high.below(12) and not high.below(11.2)
    assert (medium.previous, medium.value, round(medium.growth, 1)) == (Decimal("50000.00"), Decimal("45000.00"), Decimal("-10.0"))
    rep = found.by_rep[(REP, "CNY")]
    assert (rep.previous, rep.value, round(rep.growth, 1)) == (Decimal("116666.67"), Decimal("86000.00"), Decimal("-26.3"))
    assert list(found.by_tier) == [("high", "CNY"), ("medium", "CNY")]


def _aov(bolt, fake, user: str, text: str) -> list[str]:
    fake.reset()
    bolt.command(text, user=user)
    blocks = fake.wait_for("response_url:cmd")[0].params["blocks"]
    return next(x for x in block_texts(blocks) if x.startswith("*📈")).splitlines()


def test_growth_in_stats_for_a_manager_in_chinese_and_a_rep_in_english(bolt, fake, db):
    _data(db)
    bolt.now = datetime(2027, 1, 2, 10, 0, tzinfo=SH)
    assert _aov(bolt, fake, BOSS, "stats 2026-12") == [
        "*📈 客单价增长率*（近 12 个月 / 前 12 个月，按价值分层和负责人）",
        "• 高价值：¥139,000.00 / ¥125,000.00（+11.2%） ⚠️ 目标 ≥ 12%",
        "• 中价值：¥45,000.00 / ¥50,000.00（-10.0%）",
        f"• <@{MATE}>：¥110,000.00 / ¥100,000.00（+10.0%）",
        f"• <@{REP}>：¥86,000.00 / ¥116,666.67（-26.3%）",
    ]
    assert _aov(bolt, fake, REP, "stats 2026-12")[1:] == [  # a rep: their own deals, by tier
        "• 高价值：¥168,000.00 / ¥150,000.00（+12.0%）",  # 168,000 / ((100,000 + 200,000) / 2) - 1 = +12.0 %: met
        "• 中价值：¥45,000.00 / ¥50,000.00（-10.0%）",
    ]
    remember_user(db, MATE, "Asia/Shanghai", "en-US")  # (Slack does not know MATE: the stored locale holds)
    assert _aov(bolt, fake, MATE, "stats 2026-12") == [
        "*📈 Average order value growth* (last 12 months / the 12 before, by value tier and rep)",
        "• High value: CN¥110,000.00 / CN¥100,000.00 (+10.0%) ⚠️ target ≥ 12%",
    ]


def test_growth_rows_in_the_report_and_the_target_from_crm_targets(empty_database, tmp_path):
    env = {"DATABASE_URL": empty_database.url}
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    _data(empty_database.factory)
    done = run(["report", "--period", "2026-12", "--now", "2027-01-02T10:00:00+08:00", "--lang", "en"],
               env={**env, "CRM_TARGETS": "aov_growth_high=11"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout.encode("utf-8")[3:].decode("utf-8"), newline="")))
    start = rows.index(["average order value", "currency", "last 12 months", "12 months before", "growth (%)", "target", "missed"])
    assert rows[start + 1:] == [["high", "CNY", "139000.00", "125000.00", "11.2", "≥ 11%", "no"],
                                ["medium", "CNY", "45000.00", "50000.00", "-10.0", "", ""],
                                [MATE, "CNY", "110000.00", "100000.00", "10.0", "", ""],
                                [REP, "CNY", "86000.00", "116666.67", "-26.3", "", ""]]
