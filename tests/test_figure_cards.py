"""handlers/stats/cards.py and figure_text.py: the headline figures of a hand-built Figures in both
languages, the whole report of a hand-built week (tests/figure_data.py) on SQLite and PostgreSQL,
and Block Kit's limits however large the lists."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from handlers import ids
from handlers.stats.cards import headline_blocks, report_blocks
from handlers.stats.text import fmt_duration, parse_period_code
from handlers.words import period_label
from store.db import transaction
from store.figures import ActionCounts, Figures, Period, Rate, Scope, Targets, Trend, Won
from store.models import Customer
from store.nps import NpsStats
from store.sla import Calendar
from tests.block_text import block_texts
from tests.blockkit import check_blocks
from tests.figure_data import A1, M1, week_data

UTC = timezone.utc
SH = "Asia/Shanghai"
OCTOBER = Period.month(date(2026, 10, 5), SH)
WEEK = Period.week(date(2026, 11, 18), SH)      # Mon 16 - Sun 22 November 2026
NOW = datetime(2026, 11, 20, 4, tzinfo=UTC)     # Friday 12:00 in Shanghai
CAL = Calendar(tz=SH)


def _texts(blocks: list[dict]) -> list[str]:
    return block_texts(blocks)


def _october(**kw) -> Figures:
    values = dict(
        period=OCTOBER, previous_period=OCTOBER.previous(), owner_ids=None,
        new_leads=Trend(12, 10), interactions=Trend(30, 30),
        interactions_by_way={"phone": Trend(20, 25), "visit": Trend(10, 5), "email": Trend(0, 3)},
        logged_late=Trend(Rate(2, 30), Rate(1, 30)),
        actions=Trend(ActionCounts(20, 15, 3, 2), ActionCounts(18, 16, 2, 0)),
        completion_rate=Trend(Rate(15, 20), Rate(16, 18)), overdue_now=4,
        lead_to_nurturing=Trend(Rate(4, 10), Rate(0, 0)), nurturing_to_converted=Trend(Rate(1, 3), Rate(1, 3)),
        lead_to_converted=Trend(Rate(1, 10), Rate(2, 10)),
        days_in_stage={"lead": Trend(3.5, 4.0), "nurturing": Trend(12.0, None), "converted": Trend(None, None),
                       "mature": Trend(90.2, 90.2), "churned": Trend(None, 30.0)},
        sales_cycle_days=Trend(30.5, 28.0),
        deals_won=Trend({"CNY": Won(3, Decimal("120000.00"))}, {"CNY": Won(2, Decimal("100000.00")), "USD": Won(1, Decimal("5000.00"))}),
        repurchase_rate=Trend(Rate(1, 4), Rate(1, 4)), churn_rate=Trend(Rate(3, 20), Rate(1, 20)),
        high_value_churn_rate=Trend(Rate(0, 5), Rate(0, 5)), retention_rate=Trend(Rate(17, 20), Rate(19, 20)),
        nps=Trend(NpsStats(20, 12, 3, 5), NpsStats(0, 0, 0, 0)),
        sla_response=Trend(Rate(9, 10), Rate(0, 0)), sla_resolution=Trend(Rate(8, 10), Rate(1, 1)),
        median_first_response=Trend(timedelta(minutes=90, seconds=59), timedelta(seconds=40)),
        misses=["completion_rate", "churn_rate", "nps"],
    )
    return Figures(**{**values, **kw})


# -- headline figures -------------------------------------------------------------------------------

def test_headline_figures_in_chinese_with_changes_and_missed_targets():
    blocks = headline_blocks(_october(), "zh-CN", targets=Targets())
    assert len(blocks) == 5 and not check_blocks(blocks, surface="message")
    assert _texts(blocks) == [
        "*工作量与跟进*\n"
        "• 新线索：*12*　上期 10 ▲\n"
        "• 记录互动：*30*（电话 20 · 拜访 10）　上期 30 =\n"
        "• 超 24 小时补录：*6.7%*（2/30）　上期 3.3% ▲\n"
        "• 到期待办：*20*（按时完成 15 · 逾期完成 3 · 未完成 2）　上期 18 ▲\n"
        "• 跟进按时完成率：*75.0%*（15/20）　上期 88.9% ▼ ⚠️ 目标 ≥ 90%\n"
        "• 当前逾期待办：*4*",
        "*转化漏斗*\n"
        "• 线索→培育转化率：*40.0%*（4/10）\n"
        "• 培育→转化转化率：*33.3%*（1/3）　上期 33.3% =\n"
        "• 线索→转化转化率：*10.0%*（1/10）　上期 20.0% ▼\n"
        "• 线索期平均停留：*3.5 天*　上期 4.0 天 ▼\n"
        "• 培育期平均停留：*12.0 天*\n"
        "• 成熟期平均停留：*90.2 天*　上期 90.2 天 =\n"
        "• 流失期平均停留：*—*　上期 30.0 天\n"
        "• 平均成交周期：*30.5 天*　上期 28.0 天 ▲",
        "*成交与客户*\n"
        "• 赢单：*¥120,000.00（3 单）*　上期 ¥100,000.00（2 单） ▲\n"
        "• 赢单：*0*　上期 US$5,000.00（1 单） ▼\n"
        "• 复购率：*25.0%*（1/4）　上期 25.0% =\n"
        "• 流失率：*15.0%*（3/20）　上期 5.0% ▲ ⚠️ 目标 ≤ 10%\n"
        "• 高价值客户流失率：*0.0%*（0/5）　上期 0.0% =\n"
        "• 留存率：*85.0%*（17/20）　上期 95.0% ▼",
        "*服务与满意度*\n"
        "• NPS：*35.0*（20 份回复） ⚠️ 目标 ≥ 80\n"
        "• SLA 首次响应达标率：*90.0%*（9/10）\n"
        "• SLA 解决达标率：*80.0%*（8/10）　上期 100.0% ▼\n"
        "• 首次响应时间中位数：*1小时30分钟*　上期 40秒钟 ▲",
        "上期：2026年9月 · ⚠️ 未达标：跟进按时完成率、流失率、NPS",
    ]


def test_headline_figures_in_english():
    texts = _texts(headline_blocks(_october(), "en", targets=Targets()))
    assert texts[0].splitlines() == [
        "*Activity and follow-up*",
        "• New leads: *12* · prev. 10 ▲",
        "• Interactions logged: *30* (Phone 20 · Visit 10) · prev. 30 =",
        "• Logged over 24 h late: *6.7%* (2/30) · prev. 3.3% ▲",
        "• Next actions due: *20* (on time 15 · late 3 · not done 2) · prev. 18 ▲",
        "• Follow-up completion: *75.0%* (15/20) · prev. 88.9% ▼ ⚠️ target ≥ 90%",
        "• Overdue now: *4*",
    ]
    assert texts[2].splitlines()[1:3] == ["• Deals won: *CN¥120,000.00 (3)* · prev. CN¥100,000.00 (2) ▲",
                                          "• Deals won: *0* · prev. $5,000.00 (1) ▼"]
    assert texts[3].splitlines() == [
        "*Service and satisfaction*",
        "• NPS: *35.0* (responses: 20) ⚠️ target ≥ 80",
        "• SLA first response met: *90.0%* (9/10)",
        "• SLA resolution met: *80.0%* (8/10) · prev. 100.0% ▼",
        "• Median first response: *1 hour 30 minutes* · prev. 40 seconds ▲",
    ]
    assert texts[4] == "Previous period: September 2026 · ⚠️ Missed targets: Follow-up completion, Churn rate, NPS"


def test_without_targets_a_miss_is_only_marked_and_nothing_missed_says_nothing():
    texts = _texts(headline_blocks(_october(misses=["churn_rate"]), "en"))
    assert "• Churn rate: *15.0%* (3/20) · prev. 5.0% ▲ ⚠️ missed its target" in texts[2].splitlines()
    assert "• Follow-up completion: *75.0%* (15/20) · prev. 88.9% ▼" in texts[0].splitlines()
    texts = _texts(headline_blocks(_october(misses=[], deals_won=Trend({}, {})), "zh-CN"))
    assert texts[4] == "上期：2026年9月"
    assert "• 赢单：*0*　上期 0 =" in texts[2].splitlines()


@pytest.mark.parametrize("locale, labels", [
    # CLDR's patterns per locale: a month, an ISO week with its days as an interval, a day with its
    # weekday, and a span (thin spaces around the dash where CLDR puts them)
    ("zh-CN", ["2026年10月", "2026年第47周（11月16日至22日）", "2026年11月3日周二", "2026年11月1日\u2009–\u20093日",
               "2026年12月30日\u2009–\u20092027年1月2日"]),
    ("zh-TW", ["2026年10月", "2026年第47周（11月16日至22日）", "2026年11月3日週二", "2026年11月1日至3日", "2026年12月30日至2027年1月2日"]),
    ("en-US", ["October 2026", "Week 47, 2026 (Nov 16\u2009–\u200922)", "Tue, Nov 3, 2026", "Nov 1\u2009–\u20093, 2026",
               "Dec 30, 2026\u2009–\u2009Jan 2, 2027"]),
    ("en-GB", ["October 2026", "Week 47, 2026 (16\u2009–\u200922 Nov)", "Tue, 3 Nov 2026", "1\u2009–\u20093 Nov 2026",
               "30 Dec 2026\u2009–\u20092 Jan 2027"]),
])
def test_period_labels_in_the_readers_locale(locale, labels):
    spans = (Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)),
             Period(datetime(2026, 12, 30, tzinfo=UTC), datetime(2027, 1, 3, tzinfo=UTC)))
    assert [period_label(p, locale) for p in (OCTOBER, WEEK, Period.day(date(2026, 11, 3), SH), *spans)] == labels


def test_durations_and_period_codes():
    assert [fmt_duration(timedelta(seconds=s), "en") for s in (0, 59, 60, 3599, 3600, 86399, 86400 * 2 + 3600 * 5)] == [
        "0 seconds", "59 seconds", "1 minute", "59 minutes", "1 hour", "23 hours 59 minutes", "2 days 5 hours"]
    assert fmt_duration(timedelta(hours=26), "zh-CN") == "1天2小时"
    assert parse_period_code("2026-10", SH) == OCTOBER
    assert parse_period_code("2026-W47", SH) == WEEK == parse_period_code("2026w47", SH)
    assert parse_period_code("2026-11-03", "UTC") == Period(datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))
    assert [parse_period_code(x, SH) for x in ("2026-13", "2026-W54", "2026-02-30", "october", "")] == [None] * 5


# -- the whole report -------------------------------------------------------------------------------

def _report(db, scope: Scope, locale: str = "zh-CN", **kw):
    with transaction(db) as s:
        return report_blocks(session=s, period=kw.pop("period", WEEK), scope=scope, now=NOW, locale=locale, tz=SH,
                             targets=Targets(), calendar=CAL, title=kw.pop("title", "📊 全员"), **kw)


def _selects(blocks: list[dict]) -> list[tuple[str, str, list[str]]]:
    """The lists' sections that carry a card select: their first line, its placeholder and options."""
    out = []
    for b in blocks:
        select = b.get("accessory")
        if select is not None:
            assert (select["type"], select["action_id"]) == ("static_select", ids.CARD_PICKER)
            out.append((b["text"]["text"].splitlines()[0], select["placeholder"]["text"],
                        [o["text"]["text"] for o in select["options"]]))
    return out


def test_the_report_of_a_week_for_everyone(db):
    with transaction(db) as s:
        week_data(s, date(2026, 11, 16))
    fallback, blocks = _report(db, Scope.everyone())
    assert not check_blocks(blocks, surface="message")
    texts = _texts(blocks)
    assert texts[:2] == ["📊 全员", "统计周期：2026年第47周（11月16日至22日）"]
    # first the figures that missed their target, then the one that moved most (0 -> 120,000.00)
    assert texts[2].splitlines() == ["*本期要点*", "• 跟进按时完成率：*50.0%*（1/2） ⚠️ 目标 ≥ 90%",
                                     "• NPS：*-100.0*（1 份回复） ⚠️ 目标 ≥ 80", "• 赢单：*¥120,000.00（1 单）*　上期 0 ▲"]
    assert texts[3].splitlines()[1:] == [
        "• 新线索：*0*　上期 0 =",
        "• 记录互动：*1*（拜访 1）　上期 0 ▲",
        "• 超 24 小时补录：*0.0%*（0/1）",
        "• 到期待办：*2*（按时完成 1 · 逾期完成 0 · 未完成 1）　上期 0 ▲",
        "• 跟进按时完成率：*50.0%*（1/2） ⚠️ 目标 ≥ 90%",  # no previous rate: no "上期 —"
        "• 当前逾期待办：*1*",
    ]
    # no funnel section: every funnel figure is unknown in both weeks; the unknown high-value churn is left out
    assert texts[4].splitlines() == [
        "*成交与客户*",
        "• 赢单：*¥120,000.00（1 单）*　上期 0 ▲",
        "• 复购率：*0.0%*（0/1）",
        "• 流失率：*0.0%*（0/3）　上期 0.0% =",
        "• 留存率：*100.0%*（3/3）　上期 100.0% =",
    ]
    assert texts[5].splitlines() == ["*服务与满意度*", "• NPS：*-100.0*（1 份回复） ⚠️ 目标 ≥ 80",
                                     "• SLA 首次响应达标率：*0.0%*（0/1）", "• SLA 解决达标率：*0.0%*（0/1）"]
    assert "—" not in "\n".join(texts[2:6])
    assert texts[6] == "上期：2026年第46周（11月9日至15日） · ⚠️ 未达标：跟进按时完成率、NPS"
    # every known user with something to show: M1 (nothing) is left out
    assert texts[7:] == [
        "*各人明细*（记录互动 · 超 24 小时补录 · 当前逾期 · 按时完成/到期）\n"
        "• <@U0A1000001>：记录互动 1 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 1/1（逾期完成 0）\n"
        "• <@U0A2000002>：记录互动 0 · 超 24 小时补录 0 · 当前逾期 1 · 按时完成 0/1（逾期完成 0）",
        "*超出跟进周期未联系的客户*（1）\n• *星河科技* `C000001` · A 类 · <@U0A1000001> · 2026年11月1日 起未联系（19 天）",
        "*商机变动*（1）\n• 年度合同 · *星河科技* `C000001` · 商务谈判 → 赢单 · ¥120,000.00 · <@U0A1000001>",
        "*SLA 超时工单*（1）\n• `T1` P1 · *云帆&lt;物流&gt;* `C000002` · 首次响应超时、解决超时 · 处理人 <@U0A2000002>",
        "*贬损者（NPS 0-6 分）*（1）\n• *蓝海* `C000003` · 4 分：“响应慢” · <@U0A1000001>",
        "*风险客户*（2）\n• 🔴 *云帆&lt;物流&gt;* `C000002` · 健康分 35 · <@U0A2000002>\n"
        "• 🟡 *蓝海* `C000003` · 健康分 55 · <@U0A1000001>",
        # the one deal won within two years (120,000, this year), its customer without a tier: no year before to compare
        "*📈 客单价增长率*（近 12 个月 / 前 12 个月，按价值分层和负责人）\n• 未分层：¥120,000.00（前 12 个月没有赢单，无从比较）\n"  # the week's deal has no payment schedule: no receivables section
        "• <@U0A1000001>：¥120,000.00（前 12 个月没有赢单，无从比较）",
    ]
    # beside each list, a select of the customers it names that opens their cards
    assert _selects(blocks) == [
        ("*超出跟进周期未联系的客户*（1）", "打开客户卡片…", ["星河科技 (C000001)"]),
        ("*商机变动*（1）", "打开客户卡片…", ["星河科技 (C000001)"]),
        ("*SLA 超时工单*（1）", "打开客户卡片…", ["云帆<物流> (C000002)"]),
        ("*贬损者（NPS 0-6 分）*（1）", "打开客户卡片…", ["蓝海 (C000003)"]),
        ("*风险客户*（2）", "打开客户卡片…", ["云帆<物流> (C000002)", "蓝海 (C000003)"]),
    ]
    assert fallback == ("📊 全员\n新线索：0　上期 0 =\n记录互动：1（拜访 1）　上期 0 ▲\n"
                        "跟进按时完成率：50.0%（1/2） ⚠️ 目标 ≥ 90%\n⚠️ 未达标：跟进按时完成率、NPS")


def test_a_reps_report_in_english_keeps_to_their_customers(db):
    with transaction(db) as s:
        week_data(s, date(2026, 11, 16))
    _, blocks = _report(db, Scope.rep(A1), locale="en", title="📊 王小明")
    texts = _texts(blocks)
    assert texts[2].splitlines() == ["*At a glance*", "• NPS: *-100.0* (responses: 1) ⚠️ target ≥ 80",
                                     "• Deals won: *CN¥120,000.00 (1)* · prev. 0 ▲",
                                     "• Interactions logged: *1* (Visit 1) · prev. 0 ▲"]
    assert texts[3].splitlines()[2:7] == [
        "• Interactions logged: *1* (Visit 1) · prev. 0 ▲",
        "• Logged over 24 h late: *0.0%* (0/1)",
        "• Next actions due: *1* (on time 1 · late 0 · not done 0) · prev. 0 ▲",
        "• Follow-up completion: *100.0%* (1/1)",
        "• Overdue now: *0*",
    ]
    assert texts[7:] == [
        "*Per rep* (logged · over 24 h late · overdue now · done on time/due)\n"
        "• <@U0A1000001>: logged 1 · over 24 h late 0 · overdue now 0 · done on time 1/1 (late 0)",
        "*Customers with no interaction beyond their cadence* (1)\n"
        "• *星河科技* `C000001` · Grade A · <@U0A1000001> · untouched since Nov 1, 2026 (19 days)",
        "*Deals that moved* (1)\n• 年度合同 · *星河科技* `C000001` · Negotiation → Won · CN¥120,000.00 · <@U0A1000001>",
        "*Detractors (NPS 0-6)* (1)\n• *蓝海* `C000003` · scored 4: “响应慢” · <@U0A1000001>",
        "*Customers at risk* (1)\n• 🟡 *蓝海* `C000003` · health 55 · <@U0A1000001>",
        "No SLA breaches.",  # the empty list is one line, not a heading and "None"
        "*📈 Average order value growth* (last 12 months / the 12 before, by value tier and rep)\n• No tier: CN¥120,000.00 (no deal won in the 12 months before: nothing to compare)",
    ]
    assert [(head, options) for head, _, options in _selects(blocks)] == [
        ("*Customers with no interaction beyond their cadence* (1)", ["星河科技 (C000001)"]),
        ("*Deals that moved* (1)", ["星河科技 (C000001)"]),
        ("*Detractors (NPS 0-6)* (1)", ["蓝海 (C000003)"]),
        ("*Customers at risk* (1)", ["蓝海 (C000003)"])]
    assert {placeholder for _, placeholder, _ in _selects(blocks)} == {"Open a customer's card…"}


@pytest.mark.parametrize("locale, glance, nothing", [
    ("en", "*At a glance*\nEvery figure is as it was in the previous period; no target missed.",
     "No customer beyond their cadence, no deal moved, no SLA breaches, no detractors, no customer at risk."),
    ("zh-CN", "*本期要点*\n各项指标与上期持平，没有未达标的指标。",
     "没有超出跟进周期未联系的客户，没有商机变动，没有 SLA 超时工单，没有贬损者，没有风险客户。"),
])
def test_a_team_report_lists_every_report_even_with_nothing_to_show(db, locale, glance, nothing):
    with transaction(db) as s:
        week_data(s, date(2026, 11, 16))
    fallback, blocks = _report(db, Scope.team(A1), locale=locale)  # A1 manages nobody: an empty team
    texts = _texts(blocks)
    assert "*Per rep*" not in "\n".join(texts) and "*各人明细*" not in "\n".join(texts)
    # a quiet week: no funnel or service section, no empty list, no dash
    assert texts[2] == glance and texts[-1] == nothing and len(texts) == 7 and not _selects(blocks)
    assert "—" not in "\n".join(texts) and "—" not in fallback
    _, blocks = _report(db, Scope.team(M1), locale="en")
    assert _texts(blocks)[7].splitlines()[1:] == [
        "• <@U0A1000001>: logged 1 · over 24 h late 0 · overdue now 0 · done on time 1/1 (late 0)",
        "• <@U0A2000002>: logged 0 · over 24 h late 0 · overdue now 1 · done on time 0/1 (late 0)"]


def _crowd(db, n: int) -> None:
    """n graded-C customers of A1, untouched for 60 days, red, with long names."""
    with transaction(db) as s:
        week_data(s, date(2026, 11, 16))
        long_ago = NOW - timedelta(days=60)
        s.add_all(Customer(id=100 + i, code=f"C9{i:05d}", name=f"{'超长名称' * 20}{i}", name_norm=f"n{i}", owner_id=A1,
                           created_by=A1, created_at=long_ago, updated_at=long_ago, stage="mature", status="stable", grade="C",
                           last_interaction_at=long_ago, health_score=10, health_band="red", health_at=long_ago)
                  for i in range(n))


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_500_stale_customers_stay_within_50_blocks_and_3000_characters(db, locale):
    _crowd(db, 500)
    fallback, blocks = _report(db, Scope.everyone(), locale=locale, title="📊 " + "很长的标题" * 40)
    assert len(blocks) <= 50 and not check_blocks(blocks, surface="message")
    assert len(fallback) <= 3000 and len(blocks[0]["text"]["text"]) == 150
    texts = _texts(blocks)
    stale = next(x for x in texts if x.startswith(("*超出跟进周期", "*Customers with no interaction"))).splitlines()
    risky = next(x for x in texts if x.startswith(("*风险客户", "*Customers at risk"))).splitlines()
    more = {"zh-CN": "……还有 {} 条", "en": "… and {} more"}[locale]
    # 501 stale (星河科技 and the 500), the first 10 shown; 502 at risk (the 500 at 10 points first)
    assert stale[0].endswith("（501）" if locale == "zh-CN" else "(501)") and len(stale) == 12 and stale[-1] == more.format(491)
    assert stale[1].startswith("• *超长名称超长名称") and len(stale[1]) < 400
    assert risky[0].endswith("（502）" if locale == "zh-CN" else "(502)") and len(risky) == 12 and risky[-1] == more.format(492)


def test_a_smaller_block_budget_cuts_the_report_and_says_so(db):
    _crowd(db, 20)
    _, blocks = _report(db, Scope.everyone(), locale="en", max_blocks=8)
    assert len(blocks) == 8 and _texts(blocks)[-1] == "… more than fits here; the rest is left out."
    assert blocks[0]["type"] == "header" and blocks[2]["text"]["text"].startswith("*At a glance*")
    assert blocks[3]["text"]["text"].startswith("*Activity and follow-up*")
