"""Churn-risk pings and `/crm risk` through the real Bolt app and the fake Slack: a hand-built customer
turns red on the scheduler's pass, its customer-success owner (else its owner) gets one DM with the
score line, the three reasons, the last interactions, the open ticket and the NPS comment, in
zh-CN and en; each button (Snooze, Not at risk with its reason, Log interaction, Start win-back
plan) and the refusals; and `/crm risk` for a rep, a manager and an admin."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from handlers import ids
from handlers.blocks import fmt_datetime
from bot.alerts import alert_kinds
from bot.hooks import features_hooks
from handlers.context import Defaults, Profile
from handlers.delivery.jobs import tick
from handlers.health.messages import render_ping
from store.crm_models import Deal
from store.db import transaction
from store.payment_jobs import MoneyDays
from store.health import HealthWeights
from store.models import Customer, HealthScore, Interaction, NextAction, NpsResponse, Outbox, RiskResponse, Ticket
from store.users import set_manager, set_role
from tests.block_text import block_texts
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import button
from tests.record_flows import day, submit, typed

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)   # Monday 10:00 in Shanghai, Sunday 21:00 in New York: the daily pass
T1 = NOW + timedelta(hours=2)                    # the pass after the NPS answer and the ticket
TODAY = NOW.date()
OWNER, MATE, ADMIN = "U0OWNER006", "U0MATE0007", "U0ADMIN008"
W = HealthWeights(rfm_min_customers=2)            # two customers with won deals are enough for RFM here
ZH = Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN")
DEFAULTS = Defaults(kinds=alert_kinds(), hooks=features_hooks(), tz="Asia/Shanghai", locale="zh-CN")


def _texts(blocks: list[dict]) -> list[str]:
    return block_texts(blocks, actions=True)


def _picked(blocks: list[dict]) -> list[tuple[str, str]]:
    """The options of the select that opens a customer's card."""
    picker = next(b for b in blocks if b.get("block_id", "").endswith(ids.CARD_PICKER_BLOCK))["elements"][0]
    assert picker["action_id"] == ids.CARD_PICKER
    return [(o["value"], o["text"]["text"]) for o in picker["options"]]


def _add_customer(s, code, name, *, owner, cs=None, grade="B", last_days=30) -> Customer:
    created = NOW - 400 * timedelta(days=1)
    row = Customer(code=code, name=name, name_norm=name.casefold(), stage="mature", status="stable", grade=grade, owner_id=owner,
                   cs_owner_id=cs, created_by=owner, created_at=created, updated_at=created,
                   last_interaction_at=NOW - timedelta(days=last_days))
    s.add(row)
    s.flush()
    return row


def _met(s, cid, days_ago, way, summary):
    s.add(Interaction(customer_id=cid, occurred_on=TODAY - timedelta(days=days_ago), way=way, summary=summary, author_id=REP,
                      created_at=NOW - timedelta(days=days_ago)))


def _won(s, cid, signed_on, amount, renewal_on=None):
    s.add(Deal(customer_id=cid, title="d", amount=Decimal(amount), stage="won", owner_id=REP, created_by=REP,
               stage_changed_at=NOW - timedelta(days=300), signed_on=signed_on, renewal_on=renewal_on))


def _scenario(db, *, name, owner, cs, summaries, comments, description) -> Customer:
    """The customer G and a healthy H. G: grade B (cadence 14 days), last contact 30 days ago, NPS 8 sixty days ago,
    one won deal renewing in 20 days, an open next action; H: grade A, contacted 2 days ago, three won deals."""
    with transaction(db) as s:
        g = _add_customer(s, "C202611001", name, owner=owner, cs=cs)
        for (days_ago, way), summary in zip(((30, "visit"), (45, "phone"), (70, "meeting")), summaries):
            _met(s, g.id, days_ago, way, summary)
        s.add(NpsResponse(customer_id=g.id, score=8, comment=comments[0], source="slack", responded_at=NOW - timedelta(days=60),
                          created_at=NOW - timedelta(days=60)))
        _won(s, g.id, date(2025, 12, 1), 50000, renewal_on=TODAY + timedelta(days=20))
        # an open next action (due in 10 days): no follow-up from the cadence sweep, nothing overdue
        s.add(NextAction(customer_id=g.id, title="准备续约", due_at=NOW + timedelta(days=10), owner_id=owner, created_by=owner,
                         created_at=NOW - timedelta(days=30), updated_at=NOW - timedelta(days=30)))
        h = _add_customer(s, "C202611002", "H", owner=OWNER, grade="A", last_days=2)
        _met(s, h.id, 2, "visit", "h")
        for signed in (date(2026, 3, 1), date(2026, 6, 1), date(2026, 10, 1)):
            _won(s, h.id, signed, 100000)
    return g


def _turn_red(db, g: Customer, comment: str, description: str) -> None:
    with transaction(db) as s:
        s.add(NpsResponse(customer_id=g.id, score=3, comment=comment, source="slack", responded_at=T1 - timedelta(hours=1),
                          created_at=T1 - timedelta(hours=1)))
        s.add(Ticket(code="T202611001", customer_id=g.id, priority="P1", type="complaint", description=description, status="new",
                     created_by=REP, created_at=T1 - timedelta(minutes=30), updated_at=T1 - timedelta(minutes=30),
                     sla_business=False, response_minutes=120, resolution_minutes=1440))


def _tick(bolt, db, now):
    # renewal=14: G's renewal in 20 days stays out of the renewal reminders (CRM_MONEY_DAYS), whose next action
    # would otherwise fall overdue between the two passes and change the scores worked out below
    return tick(client=bolt.client, db=db, defaults=replace(bolt.defaults, health=W, money=MoneyDays(renewal=14)), now=now)


# The scores, by hand (weights: recency 25, nps 20, tickets 15, rfm 15, interactions 10, actions 10, renewal 5).
# RFM over G and H (NTILE(5) of two rows gives 1 and 2):
#   R by last sign date G 2025-12-01, H 2026-10-01 -> G 1, H 2; F by deals G 1, H 3 -> G 1, H 2; M G 50,000, H 300,000 -> G 1, H 2
#   G 1-1-1 (R1, FM 1): lost, 0 points; H 2-2-2: hibernating, 15
# G at 10:00 (daily): recency 30 days against 14 (zero at 42): 100*(42-30)/28 = 42.9 -> 43; NPS only 8: 80; no tickets: 100;
#   interactions none in the last 30 days (30 days ago is not within), 3 in the 90 before: 0; no overdue actions: 100;
#   renewal in 20 days: 100*20/60 = 33.3 -> 33; RFM 0
#   25*43 + 20*80 + 15*100 + 15*0 + 10*0 + 10*100 + 5*33 = 1075+1600+1500+0+0+1000+165 = 5340 -> 53.4 -> 53 yellow
# G at 12:00, after NPS 3 at 11:00 and a P1 ticket at 11:30: NPS 10*3 + 5*(3-8) = 5; tickets 100 - 10 = 90 (30 minutes of a
#   2-hour reply: no breach): 1075 + 100 + 1350 + 0 + 0 + 1000 + 165 = 3690 -> 36.9 -> 37 red; 53 - 37 = 16 >= 15
#   what it cost: NPS 20*95 = 1900, RFM 15*100 = 1500, recency 25*57 = 1425 (interactions 1000, renewal 335, tickets 150)
# H: no NPS and no won deal with a renewal date (both left out): 25*100 + 15*100 + 10*100 + 10*100 + 15*15 = 6225 over 75
#   = 83 green, never pinged


@pytest.fixture
def team(db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    remember(MATE, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    remember(ADMIN, "America/New_York", "en-US")
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=MATE, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role="manager")
        set_role(session=s, user_id=ADMIN, role="admin")


def _red_ping(bolt, fake, db, **scenario):
    g = _scenario(db, **scenario)
    first = _tick(bolt, db, NOW)
    assert (first.health_computed, first.risk_queued, first.sent) == (2, 0, 0)
    _turn_red(db, g, scenario["comments"][1], scenario["description"])
    second = _tick(bolt, db, T1)
    assert (second.health_computed, second.risk_queued, second.sent) == (1, 1, 1)
    with transaction(db) as s:
        scores = [(r.score, r.band, r.rfm_cell, r.segment) for r in s.exec(select(HealthScore).order_by(HealthScore.id))]
        row = s.exec(select(Outbox).where(Outbox.kind == "churn_risk")).one()
    assert scores == [(53, "yellow", "1-1-1", "lost"), (83, "green", "2-2-2", "hibernating"), (37, "red", "1-1-1", "lost")]
    return g, row, fake.wait_for("chat.postMessage")[0]


ZH_SCENARIO = dict(name="星河科技", owner=OWNER, cs=REP, summaries=("拜访张总，谈续约", "电话：发票问题", "季度回顾会议"),
                   comments=("还不错", "交付太慢，客服<不回>消息"), description="打印机又坏了")


def test_a_customer_turning_red_pings_its_success_owner_once_in_chinese(bolt, fake, db, team):
    g, row, dm = _red_ping(bolt, fake, db, **ZH_SCENARIO)
    assert (row.subject, row.recipient, row.due_key) == (f"customer:{g.id}", REP, T1.isoformat())
    assert dm.params["channel"] == REP and dm.params["text"] == "流失风险：星河科技 健康分 37"
    assert dm.params["blocks"][0]["type"] == "header"  # its own message, never an item of a bundle
    assert _texts(dm.params["blocks"]) == [
        "📉 流失风险",
        "⚠️ *流失风险*：*星河科技*（C202611001）\n健康分 53 → *37*（🔴 危险），一周内下降 16 分并转为红色",
        f"客户成功：<@{REP}> · 负责人：<@{OWNER}>",
        "*主要原因*\n• NPS 从 8 分降到 3 分\n• RFM 1-1-1：已流失客户\n• 已 30 天未联系（跟进周期 14 天，上次 2026年10月17日）",
        "*最近的互动*\n• 2026年10月17日 拜访：拜访张总，谈续约\n• 2026年10月2日 电话：电话：发票问题\n• 2026年9月7日 会议：季度回顾会议",
        "*未结工单（1）*\n• `T202611001` P1 · 新建 · 打印机又坏了\n"
        "　⏱ 首次响应：2026年11月16日周一 13:30 到期，还剩 1小时30分钟\n"
        "　⏱ 解决：2026年11月17日周二 11:30 到期，还剩 23小时30分钟",
        "*最近一次 NPS：* 3 分（贬损者），2026年11月16日\n> 交付太慢，客服&lt;不回&gt;消息",
        "打开客户卡片…",
        "🎯 启动挽回计划 | 📝 记录互动 | 💤 暂缓 7 天 | ✅ 没有风险",
    ]
    assert _picked(dm.params["blocks"]) == [(str(g.id), "星河科技 (C202611001)")]
    actions = dm.params["blocks"][-1]
    assert actions["block_id"] == f"{row.id}.{ids.RISK_ACTIONS_BLOCK}"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (a, f"{g.id}:{row.id}") for a in (ids.RISK_WINBACK, ids.RISK_LOG, ids.RISK_SNOOZE, ids.RISK_NOT_AT_RISK)]
    # later passes: the same change is not pinged again
    assert _tick(bolt, db, T1 + timedelta(minutes=1)).risk_queued == 0
    with transaction(db) as s:
        assert len(s.exec(select(Outbox).where(Outbox.kind == "churn_risk")).all()) == 1


EN_SCENARIO = dict(name="Galaxy Tech", owner=REP_EN, cs=None, summaries=("Renewal visit", "Invoice call", "Quarterly review"),
                   comments=("Fine", "Delivery too slow"), description="Printer broken again")


def test_without_a_success_owner_the_owner_gets_it_in_english_in_his_zone(bolt, fake, db, team):
    g, row, dm = _red_ping(bolt, fake, db, **EN_SCENARIO)
    assert (row.recipient, dm.params["channel"], dm.params["text"]) == (REP_EN, REP_EN, "Churn risk: Galaxy Tech, health 37")
    # New York is UTC-5: 12:00 in Shanghai is Sunday 23:00 there; the ticket opened at 22:30
    assert _texts(dm.params["blocks"]) == [
        "📉 Churn risk",
        "⚠️ *Churn risk*: *Galaxy Tech* (C202611001)\nHealth 53 → *37* (🔴 red), −16 within a week, turned red",
        f"Customer success: none · Owner: <@{REP_EN}>",
        "*Why*\n• NPS fell from 8 to 3\n• RFM 1-1-1: lost\n• no contact for 30 days (cadence 14 days, last on Oct 16, 2026)",
        "*Last interactions*\n• Oct 17, 2026 Visit: Renewal visit\n• Oct 2, 2026 Phone: Invoice call\n• Sep 7, 2026 Meeting: Quarterly review",
        "*Open tickets (1)*\n• `T202611001` P1 · new · Printer broken again\n"
        "    ⏱ First response: due Mon, Nov 16, 2026, 12:30\u202fAM, 1 h 30 min left\n"
        "    ⏱ Resolution: due Mon, Nov 16, 2026, 10:30\u202fPM, 23 h 30 min left",
        "*Latest NPS:* 3 (detractor), Nov 15, 2026\n> Delivery too slow",
        "Open a customer's card…",
        "🎯 Start win-back plan | 📝 Log interaction | 💤 Snooze 7 days | ✅ Not at risk",
    ]
    channel, ts = dm.response["channel"], dm.response["ts"]
    bolt.interact(button(user=REP_EN, action_id=ids.RISK_SNOOZE, value=f"{g.id}:{row.id}", channel=channel, ts=ts, message=dm.params))
    update = fake.wait_for("chat.update")[0].params
    snoozed = _answers(db, g.id)[0]
    assert (snoozed.kind, snoozed.by, snoozed.score, snoozed.until - snoozed.at) == ("snooze", REP_EN, 37, timedelta(days=7))
    en = Profile(user_id=REP_EN, tz="America/New_York", locale="en-US")
    assert _texts(update["blocks"])[-1] == f"💤 <@{REP_EN}> snoozed this until {fmt_datetime(snoozed.until, en)}"


def _same_ping(update: dict, dm) -> bool:
    """A redraw shows the same ping: header, head, people, last interactions, NPS, card link. (The reasons and the tickets'
    time left are drawn as of the click, after the test's fixed clock.)"""
    before, after = _texts(dm.params["blocks"]), _texts(update["blocks"])
    return len(before) == len(after) and all(before[n] == after[n] for n in (0, 1, 2, 4, 6, 7))


def _answers(db, cid) -> list[RiskResponse]:
    with transaction(db) as s:
        return list(s.exec(select(RiskResponse).where(RiskResponse.customer_id == cid).order_by(RiskResponse.id)))


def _click(bolt, dm, user, action_id, value):
    return bolt.interact(button(user=user, action_id=action_id, value=value, channel=dm.response["channel"], ts=dm.response["ts"],
                                message=dm.params))


def test_snooze_and_refusals(bolt, fake, db, team):
    g, row, dm = _red_ping(bolt, fake, db, **ZH_SCENARIO)
    value = f"{g.id}:{row.id}"
    _click(bolt, dm, REP_EN, ids.RISK_SNOOZE, value)        # not theirs: told who can, in their language
    refused = fake.wait_for("chat.postEphemeral")[0].params
    assert (refused["user"], refused["text"]) == (REP_EN, f"Only the customer-success owner <@{REP}>, the owner <@{OWNER}>, "
                                                          "their managers and admins can act on this churn-risk alert.")
    _click(bolt, dm, MATE, ids.RISK_NOT_AT_RISK, value)     # a teammate may read the customer, not answer for it
    assert fake.wait_for("chat.postEphemeral", count=2)[1].params["text"] == (
        f"只有客户成功负责人 <@{REP}>、客户负责人 <@{OWNER}>、他们的经理和管理员可以处理这条流失风险提醒。")
    assert _answers(db, g.id) == [] and fake.calls_to("views.open") == []

    _click(bolt, dm, REP, ids.RISK_SNOOZE, value)
    update = fake.wait_for("chat.update")[0].params
    (snoozed,) = _answers(db, g.id)
    assert (snoozed.kind, snoozed.by, snoozed.score, snoozed.until - snoozed.at) == ("snooze", REP, 37, timedelta(days=7))
    assert (update["channel"], update["ts"]) == (dm.response["channel"], dm.response["ts"])
    assert _same_ping(update, dm)                           # the same ping, the buttons replaced by who snoozed it
    assert _texts(update["blocks"])[-1] == f"💤 <@{REP}> 已将提醒暂缓到 {fmt_datetime(snoozed.until, ZH)}"
    assert not any(e["action_id"].startswith("risk_") for b in update["blocks"] if b["type"] == "actions" for e in b["elements"])


def test_not_at_risk_asks_why_and_keeps_the_answer(bolt, fake, db, team):
    g, row, dm = _red_ping(bolt, fake, db, **ZH_SCENARIO)
    _click(bolt, dm, BOSS, ids.RISK_NOT_AT_RISK, f"{g.id}:{row.id}")   # the success owner's manager
    view = fake.wait_for("views.open")[0].response["view"]
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (ids.RISK_REASON_VIEW, "没有流失风险", "保存")
    assert view["blocks"][0]["text"]["text"] == "*星河科技*（C202611001） · 健康分 37"
    reason = next(b for b in view["blocks"] if b.get("block_id") == ids.RISK_REASON_BLOCK)
    assert (reason["label"]["text"], reason["element"]["max_length"]) == ("为什么认为没有流失风险？", 500)

    def values(text):
        return {ids.RISK_REASON_BLOCK: {ids.RISK_REASON: typed(text)}}

    status, body, _ = submit(bolt, user=BOSS, view=view, values=values("   "))
    assert (status, json.loads(body)) == (200, {"response_action": "errors", "errors": {ids.RISK_REASON_BLOCK: "这一项必填。"}})
    status, body, _ = submit(bolt, user=REP_EN, view=view, values=values("fine"))   # refused on the modal too
    assert json.loads(body)["errors"][ids.RISK_REASON_BLOCK].startswith("Only the customer-success owner")
    assert _answers(db, g.id) == []

    assert submit(bolt, user=BOSS, view=view, values=values("  客户刚续约三年，<预算>已批  "))[:2] == (200, b"")
    (fine,) = _answers(db, g.id)
    assert (fine.kind, fine.by, fine.score, fine.reason, fine.until) == ("not_at_risk", BOSS, 37, "客户刚续约三年，<预算>已批", None)
    update = fake.wait_for("chat.update")[0].params
    boss = Profile(user_id=BOSS, tz="Asia/Shanghai", locale="zh-CN")
    assert _texts(update["blocks"])[-1] == f"✅ <@{BOSS}> 于 {fmt_datetime(fine.at, boss)} 标记为没有流失风险：客户刚续约三年，&lt;预算&gt;已批"
    assert _same_ping(update, dm)


def test_log_interaction_opens_the_log_modal_for_the_customer(bolt, fake, db, team):
    g, row, dm = _red_ping(bolt, fake, db, **ZH_SCENARIO)
    _click(bolt, dm, REP, ids.RISK_LOG, f"{g.id}:{row.id}")
    view = fake.wait_for("views.open")[0].params["view"]
    picker = next(b for b in view["blocks"] if b.get("block_id") == ids.LOG_CUSTOMER_BLOCK)["element"]
    assert (view["callback_id"], picker["initial_option"]["value"]) == (ids.LOG_VIEW, f"c:{g.id}")
    assert picker["initial_option"]["text"]["text"] == "星河科技 · C202611001"


def test_start_win_back_plan_creates_the_actions_and_redraws_the_ping(bolt, fake, db, team):
    g, row, dm = _red_ping(bolt, fake, db, **ZH_SCENARIO)
    _click(bolt, dm, REP, ids.RISK_WINBACK, f"{g.id}:{row.id}")
    view = fake.wait_for("views.open")[0].response["view"]
    assert view["callback_id"] == ids.RETENTION_VIEW
    assert json.loads(view["private_metadata"])["source"] == {"channel": dm.response["channel"], "ts": dm.response["ts"],
                                                              "outbox": row.id}
    week = datetime.now(ZH.zone).date() + timedelta(days=7)
    boxes = [{"text": {"type": "plain_text", "text": a}, "value": a} for a in ("price", "specific_fix")]
    values = {ids.WINBACK_OWNER_BLOCK: {ids.WINBACK_OWNER: {"type": "users_select", "selected_user": REP}},
              ids.WINBACK_ACTIONS_BLOCK: {ids.WINBACK_ACTIONS: {"type": "checkboxes", "selected_options": boxes}},
              ids.WINBACK_DEADLINE_BLOCK: {ids.WINBACK_DEADLINE: day(week)},
              ids.WINBACK_NOTE_BLOCK: {ids.WINBACK_NOTE: typed("先解决打印机问题")}}
    assert submit(bolt, user=REP, view=view, values=values)[:2] == (200, b"")
    (plan,) = _answers(db, g.id)
    assert (plan.kind, plan.by, plan.score, plan.reason) == ("winback", REP, 37, "先解决打印机问题")
    with transaction(db) as s:
        made = s.exec(select(NextAction).where(NextAction.customer_id == g.id, NextAction.origin.like("retention:%"))
                      .order_by(NextAction.origin)).all()
    assert [(a.origin, a.owner_id, a.status) for a in made] == [("retention:price", REP, "open"), ("retention:specific_fix", REP, "open")]
    update = fake.wait_for("chat.update")[0].params
    assert (update["channel"], update["ts"]) == (dm.response["channel"], dm.response["ts"])
    assert _texts(update["blocks"])[-1] == f"🎯 <@{REP}> 于 {fmt_datetime(plan.at, ZH)} 启动了挽回计划"
    assert _same_ping(update, dm)


def test_a_ping_no_longer_sent_once_the_customer_recovered_or_was_answered(bolt, fake, db, team):
    g, row, _ = _red_ping(bolt, fake, db, **ZH_SCENARIO)
    with transaction(db) as s:
        assert render_ping(s, row, ZH, T1, DEFAULTS) is not None
        s.add(RiskResponse(customer_id=g.id, kind="snooze", by=REP, at=T1, until=T1 + timedelta(days=7), score=37))
        s.flush()
        assert render_ping(s, row, ZH, T1 + timedelta(minutes=1), DEFAULTS) is None       # snoozed since it was queued
        assert render_ping(s, row, ZH, T1 + timedelta(days=7), DEFAULTS) is not None     # the snooze is over
        customer = s.get(Customer, g.id)
        customer.health_score, customer.health_band = 45, "yellow"
        s.add(customer)
        s.flush()
        assert render_ping(s, row, ZH, T1 + timedelta(days=7), DEFAULTS) is None         # recovered: neither red nor that low


# -- /crm risk -------------------------------------------------------------------------------------------

def _part(name, weight, points, code, params):
    return {"name": name, "weight": weight, "points": points, "code": code, "params": params}


def _scored(s, code, name, *, owner, score, band, cs=None, cell=None, segment=None, nps=(3, 8), open_tickets=2):
    """A customer with a stored score whose reasons are NPS, tickets and interactions (none depends on the day)."""
    c = _add_customer(s, code, name, owner=owner, cs=cs)
    at = NOW
    components = [_part("recency", 25, 100, "recency_ok", {"days": 1, "cadence_days": 14, "since": "2026-11-15"}),
                  _part("nps", 20, 5, "nps_down", {"score": nps[0], "previous": nps[1]}),
                  _part("tickets", 15, 100 - 10 * open_tickets, "tickets", {"open": open_tickets, "breaches": 0, "days": 90}),
                  _part("interactions", 10, 0, "interactions_down", {"count": 0, "usual": 2.0, "days": 30}),
                  _part("rfm", 15, None, "rfm_none", {}) if cell is None else _part("rfm", 15, 100, "rfm", {"cell": cell, "segment": segment})]
    s.add(HealthScore(customer_id=c.id, computed_at=at, score=score, band=band, components=components, rfm_cell=cell, segment=segment))
    c.health_score, c.health_band, c.health_at = score, band, at
    s.add(c)
    return c


@pytest.fixture
def risky(db, team):
    """A (REP's, red 20), B (MATE's with REP as success owner, yellow 45), C (MATE's, yellow 60), D (REP_EN's, red 30),
    E (REP's, green), and 22 yellow customers of someone outside every team (50-71)."""
    with transaction(db) as s:
        _scored(s, "C1", "甲公司", owner=REP, score=20, band="red", cell="5-5-5", segment="champions")
        _scored(s, "C2", "乙公司", owner=MATE, cs=REP, score=45, band="yellow", nps=(4, 9), open_tickets=1)
        _scored(s, "C3", "丙公司", owner=MATE, score=60, band="yellow")
        _scored(s, "C4", "Delta", owner=REP_EN, score=30, band="red")
        _scored(s, "C5", "戊公司", owner=REP, score=80, band="green")
        for n in range(22):
            _scored(s, f"X{n:02d}", f"Other {n:02d}", owner="U0OTHER009", score=50 + n, band="yellow")


PICK_ZH = "打开客户卡片…"
A_LINE = ("🔴 危险 *甲公司*（C1） · 健康分 *20*（2026年11月16日 评分）· RFM 5-5-5（重要价值客户）\n"
          "NPS 从 8 分降到 3 分；近 30 天互动 0 次，低于平时的 2.0 次；2 个未结工单，近 90 天 0 次 SLA 超时")
B_LINE = ("🟡 关注 *乙公司*（C2） · 健康分 *45*（2026年11月16日 评分）· RFM —\n"
          "NPS 从 9 分降到 4 分；近 30 天互动 0 次，低于平时的 2.0 次；1 个未结工单，近 90 天 0 次 SLA 超时")
C_LINE = ("🟡 关注 *丙公司*（C3） · 健康分 *60*（2026年11月16日 评分）· RFM —\n"
          "NPS 从 8 分降到 3 分；近 30 天互动 0 次，低于平时的 2.0 次；2 个未结工单，近 90 天 0 次 SLA 超时")
# costs: NPS 20*95 = 1900, interactions 10*100 = 1000, tickets 15*20 = 300 (15*10 = 150 for B); RFM 100 or left out


def _risk(bolt, fake, user, text, n):
    bolt.command(f"risk {text}".strip(), user=user)
    return fake.wait_for("response_url:cmd", count=n)[n - 1].params


def test_crm_risk_for_a_rep_lists_owned_and_success_managed_customers(bolt, fake, db, risky):
    reply = _risk(bolt, fake, REP, "", 1)
    assert reply["response_type"] == "ephemeral" and reply["text"] == "*你的风险客户：2 个*（健康分从低到高）"
    assert _texts(reply["blocks"]) == ["*你的风险客户：2 个*（健康分从低到高）", A_LINE, B_LINE, PICK_ZH]
    assert [name for _, name in _picked(reply["blocks"])] == ["甲公司 (C1)", "乙公司 (C2)"]
    assert _texts(_risk(bolt, fake, REP, f"<@{MATE}|mate>", 2)["blocks"]) == [
        f"*<@{MATE}> 的风险客户：2 个*（健康分从低到高）", B_LINE, C_LINE, PICK_ZH]
    assert _texts(_risk(bolt, fake, REP, "team", 3)["blocks"]) == ["*团队的风险客户：3 个*（健康分从低到高）", A_LINE, B_LINE, C_LINE,
                                                                   PICK_ZH]
    assert _risk(bolt, fake, REP, "all", 4)["text"] == "只有管理员可以用 `/crm risk all` 查看全部客户。"
    assert _risk(bolt, fake, REP, f"<@{REP_EN}|alice>", 5)["text"] == f"你不能查看 <@{REP_EN}> 的客户。"
    assert _risk(bolt, fake, REP, "everything", 6)["text"] == "用法：`/crm risk`、`/crm risk team`、`/crm risk @同事` 或 `/crm risk all`。"
    bolt.command("风险", user=MATE)  # the alias
    assert _texts(fake.wait_for("response_url:cmd", count=7)[6].params["blocks"])[0] == "*你的风险客户：2 个*（健康分从低到高）"


def test_crm_risk_for_a_manager_lists_the_team(bolt, fake, db, risky):
    reply = _risk(bolt, fake, BOSS, "", 1)
    assert _texts(reply["blocks"]) == ["*团队的风险客户：3 个*（健康分从低到高）", A_LINE, B_LINE, C_LINE, PICK_ZH]


def test_crm_risk_for_an_admin_lists_everyone_twenty_at_a_time_in_english(bolt, fake, db, risky):
    reply = _risk(bolt, fake, ADMIN, "", 1)
    texts = _texts(reply["blocks"])
    assert len(reply["blocks"]) == 23 and texts[0] == "*All customers at risk: 26* (lowest score first)"
    assert texts[1] == ("🔴 red *甲公司* (C1) · health *20* (scored Nov 15, 2026) · RFM 5-5-5 (champions)\n"
                        "NPS fell from 8 to 3; 0 interactions in 30 days, down from the usual 2.0; 2 open tickets, 0 SLA breaches in 90 days")
    # lowest score first, then by id: A 20, Delta 30, B 45, Other 00-09 (50-59), C and Other 10 (60: C's id is lower), ...
    names = [t.split("*")[1] for t in texts[1:21]]
    assert names == ["甲公司", "Delta", "乙公司", *[f"Other {n:02d}" for n in range(10)], "丙公司", *[f"Other {n:02d}" for n in range(10, 16)]]
    assert texts[21:] == ["…and 6 more not listed.", "Open a customer's card…"]
    assert [name for _, name in _picked(reply["blocks"])] == [n + c for n, c in zip(names, [
        " (C1)", " (C4)", " (C2)", *[f" (X{n:02d})" for n in range(10)], " (C3)", *[f" (X{n:02d})" for n in range(10, 16)]])]
    assert _texts(_risk(bolt, fake, ADMIN, "all", 2)["blocks"])[0] == "*All customers at risk: 26* (lowest score first)"


def test_crm_risk_with_nothing_at_risk(bolt, fake, db, team):
    assert _risk(bolt, fake, REP, "", 1)["text"] == "*你的风险客户：0 个*（健康分从低到高）\n没有黄色或红色的客户。🎉"
