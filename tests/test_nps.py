"""NPS with a closed loop: /crm nps (command and modal) through the real Bolt app and the fake
Slack, the low-score DM and its Loop closed button, the close-the-loop action and its due time,
escalations. The store's rules and aggregates are in test_nps_store.py."""
from __future__ import annotations

from store.types import utcnow

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from handlers import ids
from bot.alerts import alert_kinds
from bot.hooks import features_hooks
from handlers.context import Defaults
from handlers.delivery.jobs import tick
from handlers.nps.commands import record_and_alert
from store.customers import create_customer
from store.db import transaction
from store.interactions import log_interaction
from store.models import Customer, NextAction, NpsResponse, Outbox
from store.nps import record_response
from store.sla import Calendar, add_business
from store.users import set_manager, set_role
from tests.block_text import block_texts
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import button, suggestion, view_submission

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
ADMIN = "U0ADMIN004"
SOLO = "U0SOLO0005"
DEFAULTS = Defaults(kinds=alert_kinds(), hooks=features_hooks(), tz="Asia/Shanghai", locale="zh-CN", calendar=Calendar(tz="Asia/Shanghai"))
FAR = datetime(2031, 3, 4, 7, 30, tzinfo=UTC)  # 2031年3月4日 周二 15:30 in Shanghai


def _customer(db, name: str, owner: str = REP) -> Customer:
    with transaction(db) as s:
        return create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=utcnow())


def _log(db, customer: Customer, day: date, summary: str, action: str, due: datetime = FAR, way: str = "phone") -> None:
    with transaction(db) as s:
        log_interaction(session=s, author_id=customer.owner_id, customer_id=customer.id, new_customer_name=None, way=way,
                        occurred_on=day, summary=summary, feedback="", participants="", action_title=action, due_at=due,
                        action_owner_id=customer.owner_id, now=datetime.combine(day, time(18), SHANGHAI))


def _texts(blocks: list[dict]) -> list[str]:
    """What each block says: section and context text, or the buttons' labels."""
    return block_texts(blocks, actions=True)


def _loop_action(db) -> NextAction:
    with transaction(db) as s:
        return s.exec(select(NextAction).where(NextAction.interaction_id.is_(None))).one()


def _outbox(db) -> list[tuple[str, str, str]]:
    with transaction(db) as s:
        return [(r.kind, r.subject, r.recipient) for r in s.exec(select(Outbox).order_by(Outbox.id))]


# -- /crm nps <customer> <score> [comment] ---------------------------------------------------------

def test_command_records_a_detractor_dms_the_owner_with_history_and_creates_the_loop_action(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Shanghai
    galaxy = _customer(db, "星河科技")
    _log(db, galaxy, date(2026, 11, 2), "电话沟通需求", "整理需求", due=FAR + timedelta(days=3))
    _log(db, galaxy, date(2026, 11, 9), "拜访张总", "发送报价", way="visit")
    _log(db, galaxy, date(2026, 11, 12), "演示新版本", "安排试用", due=FAR + timedelta(days=1), way="meeting")
    _log(db, galaxy, date(2026, 11, 16), "催付款", "开发票", due=FAR + timedelta(days=2))
    with transaction(db) as s:
        record_response(session=s, customer_id=galaxy.id, score=8, comment="", source="csv", external_id="old",
                        responded_at=datetime(2026, 10, 23, 2, 0, tzinfo=UTC), recorded_by=None, now=bolt.now)
    fake.reset()

    # Slack escapes the user's < and > in a command's text
    status, body, _ = bolt.command("nps 星河科技 3 交付太慢，&lt;b&gt;客服&lt;/b&gt;不回消息", user=REP)
    assert (status, body) == (200, b"")
    reply = fake.wait_for("response_url:cmd")[0].params
    dm = fake.wait_for("chat.postMessage")[0].params
    loop = _loop_action(db)
    with transaction(db) as s:
        response = s.exec(select(NpsResponse).where(NpsResponse.source == "slack")).one()
    assert (response.customer_id, response.score, response.comment, response.recorded_by) == (galaxy.id, 3, "交付太慢，<b>客服</b>不回消息", REP)
    # due two business days after the response: 2 x 540 minutes of the team's 09:00-18:00
    assert loop.due_at == add_business(bolt.defaults.calendar, response.responded_at, 1080)
    assert (loop.owner_id, loop.customer_id, loop.status, loop.announce_at) == (REP, galaxy.id, "open", loop.due_at)
    assert loop.title == "NPS 低分回访：联系客户了解 3 分的原因并跟进解决"
    due_zh = _zh(loop.due_at)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == f"✅ 已记录 *星河科技* 的 NPS 评分：3 分（贬损者）。\n已通知负责人 <@{REP}>，并创建回访行动，截止 {due_zh}。"

    assert dm["channel"] == REP and dm["text"] == "NPS 低分：星河科技 打了 3 分"
    texts = _texts(dm["blocks"])
    assert texts[0] == f"⚠️ *NPS 低分*：*星河科技*（`{galaxy.code}`）打了 *3 分（贬损者）*"
    assert texts[1] == "> 交付太慢，&lt;b&gt;客服&lt;/b&gt;不回消息"
    assert texts[2] == f"评分时间：{_zh(response.responded_at)} · 上一次评分：8 分（2026年10月23日）"
    assert texts[3] == "*最近的互动*\n• 2026年11月16日 电话：催付款\n• 2026年11月12日 会议：演示新版本\n• 2026年11月9日 拜访：拜访张总"
    assert texts[4] == ("*进行中的下一步行动*\n"
                        f"• 发送报价（截止 2031年3月4日周二 15:30，<@{REP}>）\n"
                        f"• 安排试用（截止 2031年3月5日周三 15:30，<@{REP}>）\n"
                        f"• 开发票（截止 2031年3月6日周四 15:30，<@{REP}>）\n"
                        f"• 整理需求（截止 2031年3月7日周五 15:30，<@{REP}>）")
    assert texts[5] == f"*回访行动：* NPS 低分回访：联系客户了解 3 分的原因并跟进解决\n*截止：* {due_zh}"
    assert texts[6] == "已回访"
    button_ = next(b for b in dm["blocks"] if b["type"] == "actions")["elements"][0]
    assert (button_["action_id"], button_["value"]) == (ids.NPS_LOOP_DONE, f"{response.id}:{loop.id}")
    assert _outbox(db) == [("nps_low", f"nps:{response.id}:{REP}", REP)]


def _zh_date(when: datetime) -> str:
    local = when.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def _zh(when: datetime) -> str:
    local = when.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日周{'一二三四五六日'[local.weekday()]} {local:%H:%M}"


def _detractor_dm(bolt, fake, db, *, score: int = 3, comment: str = "交付太慢"):
    bolt.command(f"nps 星河科技 {score} {comment}", user=REP)
    dm = fake.wait_for("chat.postMessage")[0]
    return dm, _loop_action(db)


def test_loop_closed_marks_the_action_done_and_updates_the_message(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    _customer(db, "星河科技")
    dm, loop = _detractor_dm(bolt, fake, db)
    channel, ts = dm.response["channel"], dm.response["ts"]
    value = next(b for b in dm.params["blocks"] if b["type"] == "actions")["elements"][0]["value"]

    bolt.interact(button(user=BOSS, action_id=ids.NPS_LOOP_DONE, value=value, channel=channel, ts=ts, message=dm.params))
    refusal = fake.wait_for("chat.postEphemeral")[0].params
    assert (refusal["user"], refusal["text"]) == (BOSS, f"只有这项行动的负责人 <@{REP}> 可以处理它。")
    assert _loop_action(db).status == "open"

    bolt.interact(button(user=REP, action_id=ids.NPS_LOOP_DONE, value=value, channel=channel, ts=ts, message=dm.params))
    update = fake.wait_for("chat.update")[0].params
    done = _loop_action(db)
    assert (done.status, done.done_by, done.announce_at) == ("done", REP, None)
    assert (update["channel"], update["ts"]) == (channel, ts)
    texts = _texts(update["blocks"])
    assert texts[:-1] == _texts(dm.params["blocks"])[:-1]  # the same alert, the button replaced by who closed it
    assert texts[-1] == f"✅ <@{REP}> 已于 {_zh(done.done_at)} 完成回访"
    assert not any(b["type"] == "actions" for b in update["blocks"])

    bolt.interact(button(user=REP, action_id=ids.NPS_LOOP_DONE, value=value, channel=channel, ts=ts, message=dm.params))
    again = fake.wait_for("chat.update", count=2)[1].params
    assert _texts(again["blocks"])[-1] == "ℹ️ 回访行动已经是“已完成”状态。"
    # a done close-the-loop action is never announced
    assert tick(client=bolt.client, db=db, defaults=bolt.defaults, now=done.due_at + timedelta(minutes=1)).queued == 0


def test_the_scheduler_announces_the_loop_action_when_due(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    _customer(db, "星河科技")
    _, loop = _detractor_dm(bolt, fake, db, score=0)
    assert tick(client=bolt.client, db=db, defaults=bolt.defaults, now=loop.due_at - timedelta(seconds=1)).queued == 0
    report = tick(client=bolt.client, db=db, defaults=bolt.defaults, now=loop.due_at)
    assert (report.queued, report.sent) == (1, 1)
    due = fake.wait_for("chat.postMessage", count=2)[1].params
    assert due["text"] == "下一步行动到期：NPS 低分回访：联系客户了解 0 分的原因并跟进解决（星河科技）"


def test_a_repeated_low_score_escalates_to_the_owners_manager(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
    galaxy = _customer(db, "星河科技")
    bolt.command("nps 星河科技 5 还行吧", user=REP)
    first = fake.wait_for("response_url:cmd")[0].params["text"]
    assert "已同时通知" not in first
    fake.wait_for("chat.postMessage")
    bolt.command(f"nps {galaxy.code} 2分 还是很慢", user=REP)
    second = fake.wait_for("response_url:cmd", count=2)[1].params["text"]
    assert second.endswith(f"\n这是 90 天内的又一次低分，已同时通知 <@{BOSS}>。")
    posts = fake.wait_for("chat.postMessage", count=3)
    to_boss = [c.params for c in posts if c.params["channel"] == BOSS]
    assert len(to_boss) == 1 and to_boss[0]["text"] == "NPS 连续低分：星河科技 打了 2 分"
    with transaction(db) as s:
        first_r, second_r = s.exec(select(NpsResponse).order_by(NpsResponse.id)).all()
        loop = s.exec(select(NextAction).order_by(NextAction.id.desc())).first()
    texts = _texts(to_boss[0]["blocks"])
    assert texts == [
        "🚨 NPS 升级：反复给低分的客户",  # its own message under a header, never an item of a bundle
        f"🚨 *NPS 连续低分*：*星河科技*（`{galaxy.code}`）打了 *2 分（贬损者）*，负责人 <@{REP}>",
        "> 还是很慢",
        f"评分时间：{_zh(second_r.responded_at)} · 90 天内上一次低分：5 分（{_zh_date(first_r.responded_at)}）",
        f"回访行动由 <@{REP}> 负责，截止 {_zh(loop.due_at)}（进行中）。",
    ]
    assert [k for k, _, _ in _outbox(db)] == ["nps_low", "nps_low", "nps_escalation"]
    assert _outbox(db)[2] == ("nps_escalation", f"nps:{second_r.id}:{BOSS}", BOSS)


def test_without_a_manager_the_admins_get_the_escalation(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    remember(ADMIN, "America/New_York", "en-US")
    with transaction(db) as s:
        set_role(session=s, user_id=ADMIN, role="admin")
    galaxy = _customer(db, "Galaxy Tech", owner=REP_EN)
    bolt.command("nps Galaxy Tech 6", user=REP_EN)
    assert fake.wait_for("response_url:cmd")[0].params["text"].startswith("✅ Recorded *Galaxy Tech*'s NPS score: 6 (detractor).\n"
                                                                            f"I told the owner, <@{REP_EN}>, and created")
    fake.wait_for("chat.postMessage")  # the first alert is out before the second score comes in
    bolt.command("nps galaxy tech 4 still slow", user=REP_EN)
    second = fake.wait_for("response_url:cmd", count=2)[1].params["text"]
    assert second.endswith(f"It is another low score within 90 days, so I told <@{ADMIN}> as well.")
    posts = fake.wait_for("chat.postMessage", count=3)
    to_admin = [c.params for c in posts if c.params["channel"] == ADMIN]
    assert [p["text"] for p in to_admin] == ["Repeated low NPS: Galaxy Tech scored 4"]
    assert to_admin[0]["blocks"][0]["type"] == "header"
    assert _texts(to_admin[0]["blocks"])[:2] == [
        "🚨 NPS escalation: a repeat detractor",
        f"🚨 *Repeated low NPS*: *Galaxy Tech* (`{galaxy.code}`) scored *4 (detractor)*; owner <@{REP_EN}>"]
    low = [c.params for c in posts if c.params["channel"] == REP_EN]
    assert [p["text"] for p in low] == ["Low NPS: Galaxy Tech scored 6", "Low NPS: Galaxy Tech scored 4"]
    assert _texts(low[1]["blocks"])[-1] == "Loop closed"
    with transaction(db) as s:
        titles = [a.title for a in s.exec(select(NextAction).order_by(NextAction.id))]
    assert titles == ["Close the loop on the NPS score of 6: call the customer, learn why, follow up",
                      "Close the loop on the NPS score of 4: call the customer, learn why, follow up"]


def test_command_refusals_and_a_promoter(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技")

    def reply(text: str, n: int) -> str:
        bolt.command(text, user=REP)
        return fake.wait_for("response_url:cmd", count=n)[n - 1].params["text"]

    assert reply("nps 不存在的公司 9 很好", 1) == "找不到客户“不存在的公司”：请写客户的全名或编号（如 C202611001）。"
    assert reply("nps 星河科技 11", 2) == "评分要是 0 到 10 的整数。"
    assert reply("nps 星河科技 很好", 3) == "评分要是 0 到 10 的整数。"
    assert reply(f"nps {galaxy.code.lower()} 10分 非常满意", 4) == "✅ 已记录 *星河科技* 的 NPS 评分：10 分（推荐者）。"
    assert reply("评分 星河科技 7", 5) == "✅ 已记录 *星河科技* 的 NPS 评分：7 分（中立者）。"
    with transaction(db) as s:
        assert [(r.score, r.comment) for r in s.exec(select(NpsResponse).order_by(NpsResponse.id))] == [(10, "非常满意"), (7, "")]
        assert s.exec(select(NextAction)).all() == []
    assert _outbox(db) == [] and fake.calls_to("chat.postMessage") == []
    assert fake.calls_to("views.open") == []


# -- /crm nps: the modal -------------------------------------------------------------------------------

def _nps_state(customer: str, score: str | None, comment: str | None = None) -> dict:
    option = (lambda v: {"text": {"type": "plain_text", "text": v}, "value": v})
    return {
        ids.NPS_CUSTOMER_BLOCK: {ids.NPS_CUSTOMER: {"type": "external_select", "selected_option": option(customer) if customer else None}},
        ids.NPS_SCORE_BLOCK: {ids.NPS_SCORE: {"type": "static_select", "selected_option": option(score) if score else None}},
        ids.NPS_COMMENT_BLOCK: {ids.NPS_COMMENT: {"type": "plain_text_input", "value": comment}},
    }


def _submit(bolt, user: str, view_id: str, **state) -> tuple[int, bytes]:
    body = view_submission(user=user, callback_id=ids.NPS_VIEW, values=_nps_state(**state))
    body["view"]["id"] = view_id
    status, answer, _ = bolt.interact(body)
    return status, answer


def test_modal_in_english_refuses_a_new_customer_and_records_a_promoter(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = _customer(db, "Galaxy Tech", owner=REP_EN)
    fake.reset()
    status, body, _ = bolt.command("nps", user=REP_EN)
    assert (status, body) == (200, b"")
    view = fake.wait_for("views.open")[0].params["view"]
    assert fake.methods()[0] == "views.open"
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (ids.NPS_VIEW, "Record NPS score", "Save")
    score = next(b for b in view["blocks"] if b["block_id"] == ids.NPS_SCORE_BLOCK)["element"]
    assert [o["text"]["text"] for o in score["options"]] == ["0 · Not at all likely", *map(str, range(1, 10)), "10 · Extremely likely"]
    assert [o["value"] for o in score["options"]] == [str(n) for n in range(11)]
    picker = next(b for b in view["blocks"] if b["block_id"] == ids.NPS_CUSTOMER_BLOCK)["element"]
    assert (picker["type"], picker["action_id"], "initial_option" in picker) == ("external_select", ids.NPS_CUSTOMER, False)

    typed = suggestion(user=REP_EN, value="Gala")
    typed.update(action_id=ids.NPS_CUSTOMER, block_id=ids.NPS_CUSTOMER_BLOCK)
    options = json.loads(bolt.interact(typed)[1])["options"]
    assert [o["value"] for o in options] == [f"c:{galaxy.id}", "n:Gala"]

    assert json.loads(_submit(bolt, REP_EN, "V1", customer="n:Gala", score="9")[1]) == {
        "response_action": "errors", "errors": {ids.NPS_CUSTOMER_BLOCK: "NPS scores go to existing customers only: pick one from the list."}}
    assert json.loads(_submit(bolt, REP_EN, "V1", customer=f"c:{galaxy.id}", score="9", comment="x" * 2001)[1]) == {
        "response_action": "errors", "errors": {ids.NPS_COMMENT_BLOCK: "At most 2000 characters; this has 2001."}}
    assert json.loads(_submit(bolt, REP_EN, "V1", customer=f"c:{galaxy.id}", score=None)[1])["errors"] == {
        ids.NPS_SCORE_BLOCK: "The score must be a whole number from 0 to 10."}
    with transaction(db) as s:
        assert s.exec(select(NpsResponse)).all() == []

    assert _submit(bolt, REP_EN, "V1", customer=f"c:{galaxy.id}", score="9", comment="Great support") == (200, b"")
    confirm = fake.wait_for("chat.postMessage")[0].params
    assert (confirm["channel"], confirm["text"]) == (REP_EN, "✅ Recorded *Galaxy Tech*'s NPS score: 9 (promoter).")
    with transaction(db) as s:
        saved = s.exec(select(NpsResponse)).one()
    assert (saved.score, saved.comment, saved.source, saved.external_id, saved.recorded_by) == (9, "Great support", "slack", "V1", REP_EN)
    assert _outbox(db) == []


def test_modal_in_chinese_prefilled_from_the_command_alerts_on_a_low_score(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技")
    fake.reset()
    bolt.command("nps 星河科技", user=REP)
    view = fake.wait_for("views.open")[0].params["view"]
    assert fake.methods()[0] == "views.open" and view["title"]["text"] == "记录 NPS 评分"
    picker = next(b for b in view["blocks"] if b["block_id"] == ids.NPS_CUSTOMER_BLOCK)["element"]
    assert picker["initial_option"]["value"] == f"c:{galaxy.id}"
    assert _submit(bolt, REP, "V2", customer=f"c:{galaxy.id}", score="4", comment="发票总是开错") == (200, b"")
    posts = fake.wait_for("chat.postMessage", count=2)
    texts = sorted(c.params["text"] for c in posts)
    loop = _loop_action(db)
    assert texts == ["NPS 低分：星河科技 打了 4 分",
                     f"✅ 已记录 *星河科技* 的 NPS 评分：4 分（贬损者）。\n已通知负责人 <@{REP}>，并创建回访行动，截止 {_zh(loop.due_at)}。"]
    # the same view submitted again (Slack retrying) records nothing more
    assert _submit(bolt, REP, "V2", customer=f"c:{galaxy.id}", score="4", comment="发票总是开错") == (200, b"")
    assert fake.wait_for("chat.postMessage", count=3)[2].params["text"] == "ℹ️ 这条评分之前已经记录过了（4 分），没有重复记录。"
    with transaction(db) as s:
        assert len(s.exec(select(NpsResponse)).all()) == 1 and len(s.exec(select(NextAction)).all()) == 1
    assert len(_outbox(db)) == 1


def test_an_unknown_user_gets_the_modal_redrawn_in_their_language(bolt, fake):
    bolt.command("nps", user=REP_EN)
    assert fake.wait_for("views.open")[0].params["view"]["title"]["text"] == "记录 NPS 评分"
    assert fake.wait_for("views.update")[0].params["view"]["title"]["text"] == "Record NPS score"


# -- record_and_alert called directly, the clock a parameter --------------------------------------------

def _record(db, customer: Customer, score: int, at: datetime, *, external_id: str, defaults: Defaults = DEFAULTS, comment: str = ""):
    with transaction(db) as s:
        return record_and_alert(session=s, defaults=defaults, customer_id=customer.id, score=score, comment=comment, source="webhook",
                                external_id=external_id, responded_at=at, recorded_by=None, now=at + timedelta(minutes=1))


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize("responded, due", [
    (_sh(2026, 11, 20, 16, 0), _sh(2026, 11, 24, 16, 0)),   # Friday 16:00: 2 h Fri + 9 h Mon + 7 h Tue
    (_sh(2026, 11, 20, 17, 30), _sh(2026, 11, 24, 17, 30)),  # Friday 17:30: 0.5 h Fri + 9 h Mon + 8.5 h Tue
    (_sh(2026, 11, 21, 11, 0), _sh(2026, 11, 24, 18, 0)),   # Saturday: counting starts Monday 09:00
    (_sh(2026, 11, 23, 8, 0), _sh(2026, 11, 24, 18, 0)),    # Monday before opening: all of Mon and Tue
    (_sh(2026, 9, 30, 16, 0), _sh(2026, 10, 9, 16, 0)),     # Wednesday before the National Day week (1-7 Oct off)
    (_sh(2026, 10, 9, 16, 0), _sh(2026, 10, 12, 16, 0)),    # Friday 9 Oct: Saturday 10 Oct is a make-up working day
])
def test_the_loop_action_is_due_two_business_days_after_the_response(db, responded, due):
    galaxy = _customer(db, "星河科技")
    recorded = _record(db, galaxy, 6, responded, external_id="r1")
    assert recorded.action.due_at == due
    assert recorded.action.title == "NPS 低分回访：联系客户了解 6 分的原因并跟进解决"  # the owner is unknown: the default language


def test_other_working_hours_count_their_own_day_length(db):
    galaxy = _customer(db, "星河科技")
    short = Defaults(kinds=alert_kinds(), hooks=features_hooks(), tz="Asia/Shanghai", locale="en", calendar=Calendar.parse(tz="Asia/Shanghai", hours="10:00-16:00", country=None))
    recorded = _record(db, galaxy, 1, _sh(2026, 11, 20, 15, 0), external_id="r1", defaults=short)
    # 2 x 360 minutes: 1 h Friday, 6 h Monday, 5 h Tuesday
    assert recorded.action.due_at == _sh(2026, 11, 24, 15, 0)
    assert recorded.action.title == "Close the loop on the NPS score of 1: call the customer, learn why, follow up"


def test_escalation_needs_another_detractor_within_ninety_days_before(db):
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
    inside, outside = _customer(db, "星河科技"), _customer(db, "月光传媒")
    t0 = _sh(2026, 6, 1, 10, 0)
    assert _record(db, inside, 6, t0, external_id="a1").escalated_to == ()
    assert _record(db, inside, 8, t0 + timedelta(days=30), external_id="a2").action is None  # passives raise nothing
    assert _record(db, inside, 0, t0 + timedelta(days=90), external_id="a3").escalated_to == (BOSS,)
    assert _record(db, outside, 5, t0, external_id="b1").escalated_to == ()
    assert _record(db, outside, 5, t0 + timedelta(days=90, seconds=1), external_id="b2").escalated_to == ()
    assert _record(db, outside, 9, t0 + timedelta(days=100), external_id="b3").escalated_to == ()
    with transaction(db) as s:
        rows = s.exec(select(Outbox).order_by(Outbox.id)).all()
        ids_ = {r.external_id: r.id for r in s.exec(select(NpsResponse))}
    assert [(r.kind, r.subject, r.recipient, r.status) for r in rows] == [
        ("nps_low", f"nps:{ids_['a1']}:{REP}", REP, "pending"),
        ("nps_low", f"nps:{ids_['a3']}:{REP}", REP, "pending"),
        ("nps_escalation", f"nps:{ids_['a3']}:{BOSS}", BOSS, "pending"),
        ("nps_low", f"nps:{ids_['b1']}:{REP}", REP, "pending"),
        ("nps_low", f"nps:{ids_['b2']}:{REP}", REP, "pending"),
    ]


def test_without_a_manager_every_admin_but_the_owner_is_told_once_per_response(db):
    with transaction(db) as s:
        set_role(session=s, user_id=SOLO, role="admin")
    galaxy = _customer(db, "星河科技")
    with_admins = Defaults(kinds=alert_kinds(), hooks=features_hooks(), tz="Asia/Shanghai", locale="zh-CN", admins=frozenset({ADMIN, REP}))
    _record(db, galaxy, 2, _sh(2026, 11, 2, 10, 0), external_id="x1", defaults=with_admins)
    second = _record(db, galaxy, 3, _sh(2026, 11, 3, 10, 0), external_id="x2", defaults=with_admins)
    assert second.escalated_to == (ADMIN, SOLO)
    again = _record(db, galaxy, 3, _sh(2026, 11, 3, 10, 0), external_id="x2", defaults=with_admins)
    assert (again.created, again.response.id, again.action, again.escalated_to) == (False, second.response.id, None, ())
    assert [(k, r) for k, _, r in _outbox(db)] == [("nps_low", REP), ("nps_low", REP), ("nps_escalation", ADMIN), ("nps_escalation", SOLO)]
    with transaction(db) as s:
        assert len(s.exec(select(NextAction)).all()) == 2


def test_renderers_give_none_when_the_response_is_gone(db):
    from handlers.context import Profile
    from handlers.nps.messages import render_escalation, render_low

    galaxy = _customer(db, "星河科技")
    recorded = _record(db, galaxy, 2, _sh(2026, 11, 20, 16, 0), external_id="g1")
    profile = Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN")
    with transaction(db) as s:
        row = s.exec(select(Outbox)).one()
        assert render_low(s, row, profile, utcnow(), DEFAULTS).text == "NPS 低分：星河科技 打了 2 分"
        assert render_escalation(s, row, profile, utcnow(), DEFAULTS).text == "NPS 连续低分：星河科技 打了 2 分"
        s.delete(s.get(NpsResponse, recorded.response.id))
        s.flush()
        assert (render_low(s, row, profile, utcnow(), DEFAULTS), render_escalation(s, row, profile, utcnow(), DEFAULTS)) == (None, None)
        row.subject = "nps:not-a-number:U1"
        assert render_low(s, row, profile, utcnow(), DEFAULTS) is None
