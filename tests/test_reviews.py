"""The monthly maintenance summary (store/reviews.py, handlers/reviews/) on SQLite and PostgreSQL:
the scheduler queues one DM per rep on the first working day of a month from 09:00 in the team's
zone, with the draft of the month hand-computed below; the button opens the modal, the modal saves
(refusing what it cannot take); the manager's monthly digest lists who submitted and who has not.
Signed requests into the real Bolt app, the fake Slack recording what the bot sends; zh-CN and en."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers import ids
from handlers.delivery.jobs import tick
from store.crm_models import Deal
from store.db import transaction
from store.digests import subscribe
from store.migrate import upgrade
from store.models import Customer, Interaction, MonthlySummary, NextAction, Ticket
from store.reviews import first_working_day
from store.sla import Calendar
from store.users import set_manager, set_role
from tests.bolt_server import payload
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import block, view_submission

SH, UTC = ZoneInfo("Asia/Shanghai"), timezone.utc
SEND = datetime(2026, 12, 1, 9, 0, tzinfo=SH)     # Tuesday 1 December 2026, 09:00: the first working day
SALES = "C0SALES001"


def _customer(s, name: str, owner: str, stage: str = "converted") -> int:
    at = datetime(2026, 9, 1, tzinfo=UTC)
    row = Customer(code=f"C{abs(hash(name)) % 10**9:09d}", name=name, name_norm=name, search_norm=name, stage=stage, owner_id=owner,
                   created_by=owner, created_at=at, updated_at=at,
                   # no value tier, and none computed (a person left it empty): the tiers' maintenance actions
                   # (store/tier_cadence.py) stay out of the drafts this test reads
                   value_tier=None, value_tier_source="manual")
    s.add(row)
    s.flush()
    return row.id


def _month(db) -> dict[str, int]:
    """REP's November 2026 in Shanghai: 2 customers touched (10-31 is October), 2 wins (CNY 200,000.00 on
    11-10; USD 50,000.00 at 23:00 on 11-30), one closed 00:30 on 12-01 (December), one lost; one open
    ticket (one solved); one overdue action (one due later, one done). REP_EN owns one quiet customer."""
    with transaction(db) as s:
        a, b, c = _customer(s, "星河科技", REP), _customer(s, "云帆物流", REP), _customer(s, "远山建材", REP)
        _customer(s, "Harbor Foods", REP_EN)
        _customer(s, "旧客户", BOSS, stage="churned")   # a churned customer's owner is not asked
        for cid, day in ((a, date(2026, 11, 3)), (a, date(2026, 11, 20)), (b, date(2026, 11, 30)), (c, date(2026, 10, 31))):
            s.add(Interaction(customer_id=cid, occurred_on=day, way="visit", summary="拜访", author_id=REP,
                              created_at=datetime.combine(day, datetime.min.time(), SH)))
        for cid, title, amount, cur, stage, closed in (
                (a, "MES 一期", "200000", "CNY", "won", datetime(2026, 11, 10, 15, 0, tzinfo=SH)),
                (b, "仓储系统", "50000", "USD", "won", datetime(2026, 11, 30, 23, 0, tzinfo=SH)),
                (b, "二期", "9999", "USD", "won", datetime(2026, 12, 1, 0, 30, tzinfo=SH)),
                (c, "报价", "1000", "CNY", "lost", datetime(2026, 11, 12, tzinfo=SH))):
            s.add(Deal(customer_id=cid, title=title, amount=Decimal(amount), currency=cur, stage=stage, owner_id=REP, created_by=REP,
                       stage_changed_at=closed, closed_at=closed))
        for code, status in (("T0001", "open"), ("T0002", "solved")):
            at = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
            s.add(Ticket(code=code, customer_id=a, priority="P2", type="after_sales", description="打印机又坏了\n第三次", status=status,
                         created_by=REP, created_at=at, updated_at=at, response_minutes=120, resolution_minutes=1440))
        for title, due, status in (("发送报价", datetime(2026, 11, 28, 10, 0, tzinfo=SH), "open"),
                                   ("回访", datetime(2026, 12, 5, 10, 0, tzinfo=SH), "open"),
                                   ("签合同", datetime(2026, 11, 20, 10, 0, tzinfo=SH), "done")):
            s.add(NextAction(customer_id=b, title=title, due_at=due, owner_id=REP, created_by=REP, status=status,
                             created_at=due - timedelta(days=3), updated_at=due - timedelta(days=3)))
        return {"星河科技": a, "云帆物流": b}


def _tick(bolt, now: datetime):
    """The tick with the README's default CRM_MONTHLY_SUMMARY=09:00 (the test server turns it off for the other tests)."""
    bolt.now = now
    return tick(client=bolt.client, db=bolt.db, defaults=replace(bolt.defaults, monthly_summary_at=time(9, 0)), now=now)


def _is_summary(params: dict) -> bool:
    """A monthly summary DM: it carries the Write summary button (other alerts of the tick, such as a
    churn-risk ping or a maintenance reminder, are messages of their own)."""
    return any(e.get("action_id") == ids.REVIEW_SUMMARY_OPEN for b in params.get("blocks") or []
               for e in (b.get("elements") or []) + ([b["accessory"]] if "accessory" in b else []))


def _dms(fake, user: str) -> list[dict]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == user and _is_summary(c.params)]


def test_the_first_working_day_follows_the_team_calendar():
    cal = Calendar.parse(tz="Asia/Shanghai", country="CN")
    # 2026-10-01..07 National Day; 2027-01-01 New Year (a Friday) then the weekend
    assert [first_working_day(cal, y, m) for y, m in ((2026, 12), (2026, 10), (2027, 1))] == [
        date(2026, 12, 1), date(2026, 10, 8), date(2027, 1, 4)]


def test_each_rep_gets_the_draft_of_their_month_once(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    _month(db)
    assert _tick(bolt, SEND - timedelta(minutes=1)).summaries_queued == 0
    fake.reset()
    report = _tick(bolt, SEND)
    assert report.summaries_queued == 2
    zh = _dms(fake, REP)
    assert len(zh) == 1 and zh[0]["text"] == "请提交 2026年11月 维护小结"
    blocks = zh[0]["blocks"]
    assert [b["text"]["text"] for b in blocks[:3]] == [
        "*2026年11月 维护小结草稿*（根据你的记录生成）\n"
        "• 本月接触客户：2 个\n"
        "• 成交：2 单，合计 ¥200,000.00、US$50,000.00\n"
        "　◦ 星河科技 · MES 一期 · ¥200,000.00\n"
        "　◦ 云帆物流 · 仓储系统 · US$50,000.00",
        "• 未解决问题（未结工单）：1 个\n"
        "　◦ `T0001` 星河科技：打印机又坏了 第三次",
        "• 逾期待办：1 项\n"
        "　◦ 云帆物流：发送报价（2026年11月28日周六 10:00 到期）"]
    assert blocks[4]["elements"] == [{"type": "button", "action_id": ids.REVIEW_SUMMARY_OPEN, "style": "primary", "value": "2026-11",
                                      "text": {"type": "plain_text", "text": "填写小结", "emoji": True}}]
    en = _dms(fake, REP_EN)
    assert en[0]["text"] == "Please submit your maintenance summary for November 2026"
    assert [b["text"]["text"] for b in en[0]["blocks"][:3]] == [
        "*Your maintenance summary for November 2026: a draft* (from your records)\n• Customers touched: 0\n• Wins: 0",
        "• Open problems (open tickets): 0", "• Overdue next actions: 0"]
    assert _dms(fake, BOSS) == []
    fake.reset()
    assert _tick(bolt, SEND + timedelta(hours=3)).summaries_queued == 0          # once a month
    assert _tick(bolt, datetime(2026, 12, 15, 9, 0, tzinfo=SH)).summaries_queued == 0
    assert _dms(fake, REP) == []


def _click_open(bolt, fake, user: str, month: str) -> dict:
    body = payload("block_actions")
    body["user"]["id"] = user
    body["actions"][0].update(action_id=ids.REVIEW_SUMMARY_OPEN, value=month, block_id=f"review_summary:{month}")
    body["trigger_id"] = f"trigger.{month}.{user}"
    fake.reset()
    assert bolt.interact(body)[:2] == (200, b"")
    return fake.wait_for("views.open")[0].params["view"]


def _submit(bolt, user: str, month: str, case: str | None, problems: str | None) -> tuple[int, bytes]:
    values = {ids.REVIEW_CASE_BLOCK: {ids.REVIEW_CASE: {"type": "plain_text_input", "value": case}},
              ids.REVIEW_PROBLEMS_BLOCK: {ids.REVIEW_PROBLEMS: {"type": "plain_text_input", "value": problems}}}
    status, body, _ = bolt.interact(view_submission(user=user, callback_id=ids.REVIEW_SUMMARY_VIEW, values=values,
                                                    private_metadata={"month": month}))
    return status, body


def _saved(db) -> list[tuple[str, str, str, str]]:
    with transaction(db) as s:
        return [(x.rep_id, x.month, x.success_case, x.problems) for x in s.exec(select(MonthlySummary).order_by(MonthlySummary.id))]


def test_the_button_opens_the_modal_and_the_modal_saves(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = SEND
    view = _click_open(bolt, fake, REP, "2026-11")
    assert view["callback_id"] == ids.REVIEW_SUMMARY_VIEW and view["title"]["text"] == "月度维护小结"
    assert json.loads(view["private_metadata"]) == {"month": "2026-11"}
    assert block(view, ids.REVIEW_CASE_BLOCK)["label"]["text"] == "成功案例"
    assert block(view, ids.REVIEW_PROBLEMS_BLOCK)["optional"] is True
    fake.reset()
    assert _submit(bolt, REP, "2026-11", "星河科技续约 <b>", "") == (200, b"")
    assert fake.wait_for("chat.postMessage")[0].params["text"] == "✅ 已提交 2026年11月 维护小结，谢谢！"
    assert _saved(db) == [(REP, "2026-11", "星河科技续约 <b>", "")]
    view = _click_open(bolt, fake, REP, "2026-11")                                  # again: prefilled, and replaced
    assert block(view, ids.REVIEW_CASE_BLOCK)["element"]["initial_value"] == "星河科技续约 <b>"
    assert _submit(bolt, REP, "2026-11", "续约", "交付延期") == (200, b"")
    assert _saved(db) == [(REP, "2026-11", "续约", "交付延期")]
    view = _click_open(bolt, fake, REP_EN, "2026-11")
    assert view["title"]["text"] == "Monthly summary" and block(view, ids.REVIEW_CASE_BLOCK)["label"]["text"] == "Success case"


def test_what_the_modal_cannot_take_is_refused_and_nothing_saved(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = SEND
    cases = [(REP, "2026-11", "", "x", {ids.REVIEW_CASE_BLOCK: "这一项必填。"}),
             (REP, "2026-11", "案" * 2001, "", {ids.REVIEW_CASE_BLOCK: "最多 2000 个字，现在是 2001 个。"}),
             (REP, "2026-12-01", "ok", "", {ids.REVIEW_CASE_BLOCK: "这个月份不能提交小结。"}),
             (REP, "2027-01", "ok", "", {ids.REVIEW_CASE_BLOCK: "这个月份不能提交小结。"}),       # not begun
             (REP_EN, "1999-12", "ok", "", {ids.REVIEW_CASE_BLOCK: "A summary cannot be submitted for that month."}),
             (REP_EN, "2026-11", "🙂", "p" * 2001, {ids.REVIEW_PROBLEMS_BLOCK: "At most 2000 characters; this has 2001."})]
    for user, month, case, problems, errors in cases:
        status, body = _submit(bolt, user, month, case, problems)
        assert status == 200 and json.loads(body) == {"response_action": "errors", "errors": errors}, (month, body)
    assert _saved(db) == []


def test_the_managers_monthly_digest_lists_who_submitted_and_who_has_not(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    with transaction(db) as s:
        set_role(session=s, user_id=BOSS, role="manager")
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=REP_EN, manager_id=BOSS)
        subscribe(session=s, channel_id=SALES, cadence="monthly", team_of=BOSS, at_time="09:30", tz="Asia/Shanghai",
                  locale="zh-CN", by=BOSS, now=SEND)
    _month(db)
    _tick(bolt, SEND)                                                              # the DMs for November
    _submit(bolt, REP, "2026-11", "星河科技续约，" + "很好" * 100, "交付\n延期")
    fake.reset()
    _tick(bolt, datetime(2027, 1, 1, 9, 30, tzinfo=SH))                            # December's digest
    digest = next(c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == SALES)
    texts = [b["text"]["text"] for b in digest["blocks"] if b["type"] == "section"]
    case = "星河科技续约，" + "很好" * 56 + "…"
    assert texts[-1] == (f"*维护小结（2026年11月）*：2 人中已提交 1 人\n"
                         f"• <@{REP}>　成功案例：{case}　问题：交付 延期\n"
                         f"未提交：<@{REP_EN}>")
    assert digest["blocks"][-2]["type"] == "divider"


def test_jobs_once_as_a_process_sends_the_summary_dm_once(empty_database, fake, tmp_path):
    """`python -m bot jobs --once` twice at 09:00 on 2 January 2030 (1 January is New Year's Day): one DM."""
    upgrade(empty_database.url)
    with transaction(empty_database.factory) as s:
        _customer(s, "星河科技", REP)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env = {**clean, "DATABASE_URL": empty_database.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url,
           "CRM_QUIET_HOURS": "off"}

    def jobs(at: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "bot", "jobs", "--once", "--now", at], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert jobs("2030-01-02T08:59:00+08:00")["summaries_queued"] == 0
    first, second = jobs("2030-01-02T09:00:00+08:00"), jobs("2030-01-02T09:01:00+08:00")
    assert (first["summaries_queued"], second["summaries_queued"]) == (1, 0)
    dms = [d for d in fake.calls_to("chat.postMessage") if _is_summary(d.params)]
    assert [(d.params["channel"], d.params["text"]) for d in dms] == [(REP, "请提交 2029年12月 维护小结")]


def test_a_month_full_of_long_records_stays_within_block_kit_limits(bolt, fake, db, remember):
    """Names, titles and descriptions at their limits: every section within 3,000 characters (the fake refuses more)."""
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        for i in range(8):
            cid = _customer(s, f"{i}" + "客" * 199, REP)
            closed = datetime(2026, 11, 10, tzinfo=SH)
            s.add(Deal(customer_id=cid, title="单" * 200, amount=Decimal("9999999999999999.99"), currency=f"X{i:02d}", stage="won",
                       owner_id=REP, created_by=REP, stage_changed_at=closed, closed_at=closed))
            s.add(Ticket(code=f"T9{i:03d}", customer_id=cid, priority="P1", type="complaint", description="<坏>" * 1000, status="open",
                         created_by=REP, created_at=closed, updated_at=closed, response_minutes=120, resolution_minutes=1440))
            s.add(NextAction(customer_id=cid, title="事" * 500, due_at=closed, owner_id=REP, created_by=REP, status="open",
                             created_at=closed, updated_at=closed))
    fake.reset()
    assert _tick(bolt, SEND).summaries_queued == 1
    dm = _dms(fake, REP)
    assert len(dm) == 1 and fake.violations == []
    texts = [b["text"]["text"] for b in dm[0]["blocks"][:3]]
    assert max(len(x) for x in texts) <= 3000
    assert texts[1].split("\n")[-1] == "　……还有 3 条" and texts[2].split("\n")[-1] == "　……还有 3 条"


def test_the_drafts_overdue_payment_and_renewal_read_in_the_readers_language_only(bolt, fake, db, remember):
    """The scheduler's money actions (kind and params, as store/payment_jobs.py stores them) in the
    draft's overdue list: the instalment's amount as each reader writes it, no second language."""
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    ids_ = _month(db)
    with transaction(db) as s:
        harbor = s.exec(select(Customer.id).where(Customer.name == "Harbor Foods")).one()
        for cid, owner, kind, params, title, due in (
                (ids_["云帆物流"], REP, "payment_due", {"deal": "仓储系统", "seq": 1, "amount": "25000.00", "currency": "USD"},
                 "回款：仓储系统 第 1 期", datetime(2026, 11, 29, 10, 0, tzinfo=SH)),
                (harbor, REP_EN, "renewal", {"deal": "Annual plan", "day": "2027-01-15"}, "续约提醒：Annual plan（2027-01-15 到期续约）",
                 datetime(2026, 11, 16, 10, 0, tzinfo=SH))):
            s.add(NextAction(customer_id=cid, title=title, kind=kind, params=params, origin=f"{kind}:{cid}", due_at=due, owner_id=owner,
                             created_by="crm", status="open", created_at=due - timedelta(days=3), updated_at=due - timedelta(days=3)))
    fake.reset()
    _tick(bolt, SEND)
    assert _dms(fake, REP)[0]["blocks"][2]["text"]["text"] == (
        "• 逾期待办：2 项\n"
        "　◦ 云帆物流：发送报价（2026年11月28日周六 10:00 到期）\n"
        "　◦ 云帆物流：回款：仓储系统 第 1 期 US$25,000.00（2026年11月29日周日 10:00 到期）")
    assert _dms(fake, REP_EN)[0]["blocks"][2]["text"]["text"] == (
        "• Overdue next actions: 1\n"
        "   ◦ Harbor Foods: Renewal: Annual plan renews Jan 15, 2027 (due Sun, Nov 15, 2026, 9:00\u202fPM)")
