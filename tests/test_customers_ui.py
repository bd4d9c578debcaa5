"""The customer record in Slack end to end: /crm new, /crm show and its card's buttons, /crm find,
/crm mine; signed requests into the real Bolt app, the fake Slack recording what the bot sends."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timezone

UTC = timezone.utc
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from handlers import ids
from handlers.blocks import fmt_datetime
from handlers.context import Profile
from store.audit import history
from store.contacts import add_contact
from store.customers import create_customer
from store.db import transaction
from store.deals import create_deal
from store.interactions import log_interaction
from store.lifecycle import change_stage
from store.models import Customer, NextAction, Outbox
from store.needs import add_need
from store.permissions import Viewer
from store.privacy import Cipher
from store.profile import tag_list
from store.sla import Calendar, business_minutes
from store.tickets import create_ticket
from store.users import set_manager, set_role
from tests.bolt_server import TEST_KEY, BoltServer
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import block, button, view_submission

SH, UTC = ZoneInfo("Asia/Shanghai"), timezone.utc
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=SH)          # when the fixtures' records were made
DUE = datetime(2030, 1, 7, 15, 0, tzinfo=SH)            # a Monday, far enough ahead never to be overdue
ADMIN = "U0ADMIN004"
CIPHER = Cipher(TEST_KEY)
OWNER = Viewer(id=REP)


def _code_now(n: int = 1) -> str:
    return f"C{datetime.now(UTC):%Y%m}{n:03d}"


# -- helpers ----------------------------------------------------------------------------------------

def _reply(bolt, fake, words: str, user: str) -> dict:
    fake.reset()
    bolt.command(words, user=user)
    return fake.wait_for("response_url:cmd")[0].params


def _sections(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def _contexts(blocks: list[dict]) -> list[str]:
    return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def _buttons(blocks: list[dict]) -> list[tuple[str, str, str]]:
    actions = [b for b in blocks if b["type"] == "actions"]
    return [(e["action_id"], e["text"]["text"], e["value"]) for e in actions[0]["elements"]]


def _form(*, name="星河科技", company="", title="", industry="", staff="", revenue="", region="", notes="", source="exhibition",
          phone="", email="", tags="", tier=None, need_type=None, grade=None, owner=REP, cs_owner=None, new=True) -> dict:
    def typed(value):
        return {"type": "plain_text_input", "value": value or None}

    def picked(value):
        return {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value} if value else None}

    values = {
        ids.CUST_NAME_BLOCK: {ids.CUST_NAME: typed(name)}, ids.CUST_COMPANY_BLOCK: {ids.CUST_COMPANY: typed(company)},
        ids.CUST_TITLE_BLOCK: {ids.CUST_TITLE: typed(title)}, ids.CUST_INDUSTRY_BLOCK: {ids.CUST_INDUSTRY: typed(industry)},
        ids.CUST_STAFF_BLOCK: {ids.CUST_STAFF: typed(staff)}, ids.CUST_REVENUE_BLOCK: {ids.CUST_REVENUE: typed(revenue)},
        ids.CUST_REGION_BLOCK: {ids.CUST_REGION: typed(region)}, ids.CUST_NOTES_BLOCK: {ids.CUST_NOTES: typed(notes)},
        ids.CUST_SOURCE_BLOCK: {ids.CUST_SOURCE: picked(source)}, ids.CUST_TIER_BLOCK: {ids.CUST_TIER: picked(tier)},
        ids.CUST_NEED_TYPE_BLOCK: {ids.CUST_NEED_TYPE: picked(need_type)},
        ids.CUST_PHONE_BLOCK: {ids.CUST_PHONE: typed(phone)}, ids.CUST_EMAIL_BLOCK: {ids.CUST_EMAIL: typed(email)},
        ids.CUST_TAGS_BLOCK: {ids.CUST_TAGS: typed(tags)},
    }
    if owner is not False:
        values[ids.CUST_OWNER_BLOCK] = {ids.CUST_OWNER: {"type": "users_select", "selected_user": owner}}
    if new:
        values[ids.CUST_GRADE_BLOCK] = {ids.CUST_GRADE: picked(grade)}
    else:
        values[ids.CUST_CS_OWNER_BLOCK] = {ids.CUST_CS_OWNER: {"type": "users_select", "selected_user": cs_owner}}
    return values


def _submit_new(bolt, *, user=REP, **fields) -> tuple[int, bytes]:
    body = view_submission(user=user, callback_id=ids.CUSTOMER_NEW_VIEW, values=_form(**fields), private_metadata={"channel": "C0SALES001"})
    status, answer, _ = bolt.interact(body)
    return status, answer


def _click(bolt, fake, *, user: str, action_id: str, customer_id: int, card: list[dict]) -> None:
    body = button(user=user, action_id=action_id, value=str(customer_id), channel="C0SALES001", ts="1700000000.000100",
                  message={"blocks": card})
    body["container"]["is_ephemeral"] = True
    body["response_url"] = fake.response_url("card")
    body["trigger_id"] = f"trigger.{time.time_ns()}"
    fake.reset()
    status, answer, _ = bolt.interact(body)
    assert (status, answer) == (200, b"")


def _team(db) -> None:
    """REP and REP_EN report to BOSS (a manager); ADMIN is an admin."""
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=REP_EN, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role="manager")
        set_role(session=s, user_id=ADMIN, role="admin")


def _galaxy(db) -> Customer:
    """星河科技, owned by REP, with a phone, an email and one of everything the card shows."""
    with transaction(db) as s:
        c = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=NOW, cipher=CIPHER,
                            phone="+86 138-1234-5678", email="zhang.san@galaxy.cn", company="星河科技有限公司",
                            industry="制造业", region="华东", staff_count=350, annual_revenue="50000000", source="exhibition",
                            value_tier="high", need_type="service_oriented", tags={"free": ["VIP"]})
        add_contact(session=s, viewer=OWNER, customer_id=c.id, name="张伟", title="采购总监", role="decision_maker", now=NOW)
        add_need(session=s, viewer=OWNER, customer_id=c.id, description="产线 MES 升级", priority="high", now=NOW)
        log_interaction(session=s, author_id=REP, customer_id=c.id, new_customer_name=None, way="visit",
                        occurred_on=date(2026, 11, 16), summary="拜访张总，演示 MES", feedback="", participants="",
                        action_title="发送报价", due_at=DUE, action_owner_id=REP, now=NOW)
        create_ticket(session=s, created_by=REP, customer_id=c.id, new_customer_name=None, priority="P2", ticket_type="complaint",
                      description="打印机无法启动", assignee_id=REP, calendar=Calendar(), now=NOW)
        create_deal(session=s, viewer=OWNER, customer_id=c.id, title="MES 一期", amount="1200000", now=NOW,
                    expected_close_on=date(2026, 12, 31))
        return c


# -- /crm new ---------------------------------------------------------------------------------------

def test_new_acks_and_opens_the_modal_before_any_other_slack_call(bolt, fake):
    fake.reset()
    status, body, _ = bolt.command("new 星河科技 &amp; 伙伴", user=REP)
    assert (status, body) == (200, b"")
    view = fake.wait_for("views.open")[0].params["view"]
    fake.wait_for("users.info")
    assert fake.methods()[0] == "views.open"
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (ids.CUSTOMER_NEW_VIEW, "新建客户", "创建")
    assert [b["block_id"] for b in view["blocks"]] == [
        ids.CUST_NAME_BLOCK, ids.CUST_COMPANY_BLOCK, ids.CUST_CONTACT_BLOCK, ids.CUST_TITLE_BLOCK, ids.CUST_INDUSTRY_BLOCK,
        ids.CUST_STAFF_BLOCK, ids.CUST_REVENUE_BLOCK, ids.CUST_REGION_BLOCK, ids.CUST_NOTES_BLOCK, ids.CUST_SOURCE_BLOCK,
        ids.CUST_TIER_BLOCK, ids.CUST_NEED_TYPE_BLOCK, ids.CUST_PHONE_BLOCK, ids.CUST_EMAIL_BLOCK, ids.CUST_TAGS_BLOCK,
        ids.CUST_GRADE_BLOCK, ids.CUST_OWNER_BLOCK, ids.CUST_CS_OWNER_BLOCK]
    assert block(view, ids.CUST_NAME_BLOCK)["element"]["initial_value"] == "星河科技 & 伙伴"
    assert block(view, ids.CUST_OWNER_BLOCK)["element"] == {"type": "users_select", "action_id": ids.CUST_OWNER, "initial_user": REP}
    sources = block(view, ids.CUST_SOURCE_BLOCK)
    assert (sources["optional"], [o["text"]["text"] for o in sources["element"]["options"]]) == (
        False, ["展会", "官网表单", "转介绍", "线上广告", "内容营销", "电话咨询", "社交媒体", "其他"])
    assert [o["value"] for o in block(view, ids.CUST_GRADE_BLOCK)["element"]["options"]] == ["A", "B", "C"]
    assert block(view, ids.CUST_GRADE_BLOCK)["optional"] is True


def test_new_is_redrawn_in_english_for_a_user_first_seen(bolt, fake):
    bolt.command("new", user=REP_EN)
    assert fake.wait_for("views.open")[0].params["view"]["title"]["text"] == "新建客户"  # nothing known yet: the default
    updated = fake.wait_for("views.update")[0].params
    assert (updated["view"]["title"]["text"], block(updated["view"], ids.CUST_SOURCE_BLOCK)["label"]["text"]) == (
        "New customer", "Source channel")


def test_without_an_encryption_key_phone_and_email_are_refused_on_their_fields():
    from handlers.blocks import field_errors
    from handlers.customers.forms import check_form, read_form
    from store.errors import DomainError

    form = read_form({"state": {"values": _form(phone="13812345678", email="a@b.cn")}})
    with pytest.raises(DomainError) as caught:
        check_form(form, cipher_ready=False)
    assert field_errors(caught.value, "en-US", blocks=ids.CUST_FIELD_BLOCKS, fallback=ids.CUST_NAME_BLOCK) == {
        ids.CUST_PHONE_BLOCK: "No encryption key is set up, so phones and emails cannot be stored yet.",
        ids.CUST_EMAIL_BLOCK: "No encryption key is set up, so phones and emails cannot be stored yet."}


def test_new_saves_a_lead_with_its_first_contact_and_the_phone_encrypted(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    fake.reset()
    status, answer = _submit_new(bolt, name="星河科技", company="星河科技有限公司", title="采购总监", industry="制造业", staff="1,200",
                                 revenue="50000000.50", region="华东 上海", notes="重视关系", phone="138 1234 5678",
                                 email="zhang@galaxy.cn", tags="VIP，老客户转介绍, VIP", tier="high", need_type="price_sensitive",
                                 grade="A")
    assert (status, answer) == (200, b"")
    with transaction(db) as s:
        c = s.exec(select(Customer)).one()
        action = s.exec(select(NextAction)).one()
        raw_phone, raw_email = s.execute(text("SELECT phone_enc, email_enc FROM customer")).one()
        tags = tag_list(session=s, customer_id=c.id)
    assert (c.code, c.name, c.stage, c.status, c.owner_id, c.created_by, c.grade) == (_code_now(), "星河科技", "lead", "to_nurture", REP, REP, "A")
    assert (c.company, c.contact_title, c.industry, c.staff_count, str(c.annual_revenue), c.region, c.cultural_notes) == (
        "星河科技有限公司", "采购总监", "制造业", 1200, "50000000.50", "华东 上海", "重视关系")
    assert (c.source, c.value_tier, c.need_type, tags) == ("exhibition", "high", "price_sensitive", [("free", "VIP"), ("free", "老客户转介绍")])
    assert "1234" not in raw_phone and "galaxy" not in raw_email
    assert (CIPHER.decrypt(raw_phone), CIPHER.decrypt(raw_email)) == ("138 1234 5678", "zhang@galaxy.cn")
    assert (action.origin, action.owner_id, action.status, action.kind, action.title) == (
        "lifecycle:first_contact", REP, "open", "first_contact", "首次联系新线索")
    calendar = bolt.defaults.calendar
    assert business_minutes(calendar, c.created_at, action.due_at) == 9 * 60  # one working day, 09:00-18:00
    assert calendar.start <= action.due_at.astimezone(SH).time() <= calendar.end
    dm = fake.wait_for("chat.postMessage")[0].params
    due = fmt_datetime(action.due_at, Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN"))
    assert (dm["channel"], dm["text"]) == (REP, f"新客户 星河科技（{c.code}）已创建")
    assert _sections(dm["blocks"])[0] == f"✅ 新客户 *星河科技* 已创建，编号 `{c.code}`，负责人 <@{REP}>。\n*首次联系截止：* {due}"
    assert _sections(dm["blocks"])[1] == f"*星河科技*　`{c.code}`\n*阶段：* 线索期 · 待培育（自 {datetime.now(SH).year}年{datetime.now(SH).month}月{datetime.now(SH).day}日）　*等级：* A 类\n*负责人：* <@{REP}>　*客户成功：* —"
    assert _sections(dm["blocks"])[3] == "*电话：* 138 1234 5678　*邮箱：* zhang@galaxy.cn"


def test_a_manager_gives_the_new_customer_to_a_report_who_is_told(bolt, fake, db, remember):
    _team(db)
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    remember(REP, "Asia/Shanghai", "zh-CN")
    assert _submit_new(bolt, user=BOSS, name="月光传媒", owner=REP) == (200, b"")
    with transaction(db) as s:
        c = s.exec(select(Customer)).one()
        action = s.exec(select(NextAction)).one()
        sent = s.exec(select(Outbox)).one()
    assert (c.owner_id, c.created_by, action.owner_id, action.created_by) == (REP, BOSS, REP, BOSS)
    assert (sent.kind, sent.subject, sent.recipient) == ("action_assigned", f"next_action:{action.id}", REP)
    assert {call.params["channel"] for call in fake.wait_for("chat.postMessage", 2)} == {BOSS, REP}


def test_new_shows_every_bad_field_in_the_users_language_and_saves_nothing(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    bad = dict(name="星" * 101, company="x" * 201, staff="三百", revenue="-5", phone="12ab34", email="zhang@", owner=BOSS)
    status, answer = _submit_new(bolt, **bad)
    assert status == 200
    assert json.loads(answer) == {"response_action": "errors", "errors": {
        ids.CUST_NAME_BLOCK: "最多 100 个字，现在是 101 个。",
        ids.CUST_COMPANY_BLOCK: "最多 200 个字，现在是 201 个。",
        ids.CUST_STAFF_BLOCK: "这里要填数字。",
        ids.CUST_REVENUE_BLOCK: "金额要是不小于 0 的数字。",
        ids.CUST_PHONE_BLOCK: "电话号码格式不对：只能有数字（可带 +、-、空格）。",
        ids.CUST_EMAIL_BLOCK: "邮箱格式不对，例如 name@example.com。",
        ids.CUST_OWNER_BLOCK: "你只能把客户交给自己；经理可以交给自己的下属，管理员可以交给任何人。",
    }}
    status, answer = _submit_new(bolt, user=REP_EN, **{**bad, "owner": REP_EN})
    assert json.loads(answer) == {"response_action": "errors", "errors": {
        ids.CUST_NAME_BLOCK: "At most 100 characters; this has 101.",
        ids.CUST_COMPANY_BLOCK: "At most 200 characters; this has 201.",
        ids.CUST_STAFF_BLOCK: "This must be a number.",
        ids.CUST_REVENUE_BLOCK: "The amount must be a number, 0 or more.",
        ids.CUST_PHONE_BLOCK: "That is not a phone number: digits only (+, - and spaces allowed).",
        ids.CUST_EMAIL_BLOCK: "That is not an email address, e.g. name@example.com.",
    }}
    with transaction(db) as s:
        assert (s.exec(select(Customer)).all(), s.exec(select(NextAction)).all()) == ([], [])
        assert s.execute(text("SELECT count(*) FROM code_counter")).scalar_one() == 0
    assert fake.calls_to("chat.postMessage") == []


# -- /crm show --------------------------------------------------------------------------------------

ZH_CARD = [
    "*星河科技*　`C202611001`\n*阶段：* 线索期 · 待培育（自 2026年11月16日）　*等级：* 未评级\n*负责人：* <@U0REP00001>　*客户成功：* —",
    "*公司全称：* 星河科技有限公司\n*行业：* 制造业\n*地区：* 华东\n*员工人数：* 350\n*年营收：* ¥50,000,000.00\n"
    "*来源渠道：* 展会\n*价值分层：* 高价值（手动设置）\n*需求类型：* 服务导向型\n*标签：* VIP",
    "*联系人*\n• 张伟 · 采购总监 · 决策人",
    "*待跟进需求*\n• 产线 MES 升级（现有需求，高优先级，未跟进）",
    "*待办行动*\n• 发送报价 · 2030年1月7日周一 15:00 · <@U0REP00001>",
    "*最近互动*\n• 2026年11月16日 拜访：拜访张总，演示 MES",
    "*未结工单*\n• `T202611001` P2 · 投诉 · 新建：打印机无法启动",
    "*商机*\n• MES 一期 · ¥1,200,000.00 · 资格确认（预计 2026年12月31日 成交）",
]


def test_show_gives_the_owner_manager_and_admin_the_phone_and_another_rep_it_masked(bolt, fake, db, remember):
    _team(db)
    for user in (REP, BOSS, ADMIN):
        remember(user, "Asia/Shanghai", "zh-CN")
    c = _galaxy(db)
    for user, words in ((REP, "show 星河科技"), (BOSS, "查看 c202611001"), (ADMIN, "show 星河科技")):
        reply = _reply(bolt, fake, words, user)
        assert (reply["response_type"], reply["text"]) == ("ephemeral", "客户 星河科技（C202611001）：线索期 · 待培育")
        sections = _sections(reply["blocks"])
        assert sections[:2] + sections[3:9] == ZH_CARD
        assert sections[2] == "*电话：* +86 138-1234-5678　*邮箱：* zhang.san@galaxy.cn"
        assert _contexts(reply["blocks"]) == []
        assert sections[9].split("\n")[:2] == ["*最近变更*", f"• 2026年11月16日周一 10:00 · <@{REP}> · 创建：商机 MES 一期 1200000.00 CNY 资格确认"]
        assert _buttons(reply["blocks"]) == [(ids.CARD_LOG, "记录互动", str(c.id)), (ids.CARD_EDIT, "编辑", str(c.id)),
                                             (ids.CARD_HISTORY, "历史", str(c.id)), (ids.CARD_STAGE, "变更阶段", str(c.id)),
                                             (ids.CARD_GRADE, "评级", str(c.id)), (ids.CARD_NEED, "添加需求", str(c.id)),
                                             (ids.CARD_DEAL, "商机", str(c.id)), (ids.CARD_CONTACT, "联系人", str(c.id))]


def test_show_in_english_for_a_teammate_masks_phone_and_email_and_offers_no_edits(bolt, fake, db, remember):
    _team(db)
    remember(REP_EN, "America/New_York", "en-US")
    c = _galaxy(db)
    reply = _reply(bolt, fake, "show Galaxy", REP_EN)
    assert reply["text"] == "No customer “Galaxy”, and nothing close. To add it: `/crm new Galaxy`"
    reply = _reply(bolt, fake, "show 星河科技", REP_EN)
    assert reply["text"] == "Customer 星河科技 (C202611001): Lead · To nurture"
    assert _sections(reply["blocks"])[:9] == [
        "*星河科技* · `C202611001`\n*Stage:* Lead · To nurture (since Nov 15, 2026) · not graded\n"
        "*Owner:* <@U0REP00001> · *Customer success:* —",
        "*Company:* 星河科技有限公司\n*Industry:* 制造业\n*Region:* 华东\n*Staff:* 350\n*Yearly revenue:* CN¥50,000,000.00\n"
        "*Source channel:* Exhibition\n*Value tier:* High value (set by hand)\n*Need type:* Service-oriented\n*Tags:* VIP",
        "*Phone:* 138****5678 · *Email:* z***@galaxy.cn",
        "*Contacts*\n• 张伟 · 采购总监 · Decision maker",
        "*Open needs*\n• 产线 MES 升级 (Current need, High priority, Not started)",
        "*Open next actions*\n• 发送报价 · Mon, Jan 7, 2030, 2:00\u202fAM · <@U0REP00001>",
        "*Latest interactions*\n• Nov 16, 2026 Visit: 拜访张总，演示 MES",
        "*Open tickets*\n• `T202611001` P2 · Complaint · new: 打印机无法启动",
        "*Deals*\n• MES 一期 · CN¥1,200,000.00 · Qualification (expected Dec 31, 2026)",
    ]
    assert _contexts(reply["blocks"]) == [
        "🔒 Phone and email are masked: only the owner, the owner's manager and admins see them in full."]
    assert _buttons(reply["blocks"]) == [(ids.CARD_LOG, "Log interaction", str(c.id)), (ids.CARD_HISTORY, "History", str(c.id))]


def test_a_big_customer_stays_within_block_kit_limits(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        c = create_customer(session=s, name="巨量集团", owner_id=REP, created_by=REP, now=NOW, cultural_notes="注" * 2000,
                            tags={"free": [f"标签{i:02d}" + "签" * 40 for i in range(30)]})
        for i in range(80):
            add_contact(session=s, viewer=OWNER, customer_id=c.id, name=f"联系人{i:02d}" + "名" * 90, title="职" * 200, now=NOW)
            add_need(session=s, viewer=OWNER, customer_id=c.id, description=f"需求{i:02d}" + "需" * 900, now=NOW)
            create_deal(session=s, viewer=OWNER, customer_id=c.id, title=f"商机{i:02d}" + "商" * 190, amount="1", now=NOW)
        for i in range(40):
            log_interaction(session=s, author_id=REP, customer_id=c.id, new_customer_name=None, way="phone",
                            occurred_on=date(2026, 11, 16), summary=f"互动{i:02d}" + "话" * 1900, feedback="", participants="",
                            action_title=f"行动{i:02d}" + "动" * 290, due_at=DUE, action_owner_id=REP, now=NOW)
        for i in range(15):
            create_ticket(session=s, created_by=REP, customer_id=c.id, new_customer_name=None, priority="P3", ticket_type="request",
                          description="单" * 3000, assignee_id=REP, calendar=Calendar(), now=NOW)
    reply = _reply(bolt, fake, "show 巨量集团", REP)
    blocks = reply["blocks"]
    assert fake.violations == []
    assert (len(blocks), [b["type"] for b in blocks][-1]) == (10, "actions")
    assert max(len(s) for s in _sections(blocks)) <= 3000
    counts = {}
    for s in _sections(blocks)[2:]:
        lines = s.split("\n")
        more = int(lines[-1].removeprefix("……还有 ").removesuffix(" 条")) if lines[-1].startswith("……还有 ") else 0
        counts[lines[0]] = (len(lines) - 1 - (1 if more else 0), more)
    assert {title: shown + more for title, (shown, more) in counts.items()} == {
        "*联系人*": 80, "*待跟进需求*": 80, "*待办行动*": 40, "*最近互动*": 3, "*未结工单*": 15, "*商机*": 80, "*最近变更*": 5}
    assert (counts["*最近互动*"], counts["*未结工单*"], counts["*最近变更*"]) == ((3, 0), (10, 5), (5, 0))
    assert all(more > 0 for title, (_, more) in counts.items() if title in ("*联系人*", "*待跟进需求*", "*待办行动*", "*商机*"))


def test_show_is_refused_to_a_rep_who_may_read_only_their_own(db, fake, remember, monkeypatch):
    monkeypatch.setenv("CRM_VISIBILITY", "own")
    server = BoltServer(db=db, fake=fake)
    try:
        _team(db)
        remember(REP_EN, "America/New_York", "en-US")
        remember(BOSS, "Asia/Shanghai", "zh-CN")
        _galaxy(db)
        assert _reply(server, fake, "show 星河科技", REP_EN)["text"] == (
            f"Only the owner <@{REP}>, their manager or an admin can see this customer.")
        assert _reply(server, fake, "show 星河", REP_EN)["text"] == "No customer “星河”, and nothing close. To add it: `/crm new 星河`"
        card = _reply(server, fake, "show 星河科技", BOSS)
        assert card["text"] == "客户 星河科技（C202611001）：线索期 · 待培育"
        customer_id = int(_buttons(card["blocks"])[0][2])
        _click(server, fake, user=REP_EN, action_id=ids.CARD_HISTORY, customer_id=customer_id, card=card["blocks"])
        assert fake.wait_for("response_url:card")[0].params["text"] == (
            f"Only the owner <@{REP}>, their manager or an admin can see this customer.")
    finally:
        server.stop()


def test_an_unknown_customer_gets_the_closest_matches(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        for name in ("星河科技", "星河电子", "Galaxy Tech"):
            create_customer(session=s, name=name, owner_id=REP, created_by=REP, now=NOW)
    assert _reply(bolt, fake, "show 星河科即", REP)["text"] == (
        "找不到客户“星河科即”。相近的客户：\n• `C202611001` 星河科技\n用编号查看，例如 `/crm show C202611001`。")
    assert _reply(bolt, fake, "show 星河", REP)["text"] == (
        "有多个客户符合“星河”，请用编号或更完整的名称：\n• `C202611001` 星河科技\n• `C202611002` 星河电子")
    assert _reply(bolt, fake, "show Galaxi Tech", REP)["text"] == (
        "找不到客户“Galaxi Tech”。相近的客户：\n• `C202611003` Galaxy Tech\n用编号查看，例如 `/crm show C202611003`。")
    assert _reply(bolt, fake, "show 电子", REP)["text"] == "客户 星河电子（C202611002）：线索期 · 待培育"
    assert _reply(bolt, fake, "show 月光 &lt;传媒&gt;", REP)["text"] == "找不到客户“月光 &lt;传媒&gt;”，也没有相近的。要新建的话：`/crm new 月光 &lt;传媒&gt;`"
    assert _reply(bolt, fake, "show", REP)["text"] == "用法：`/crm show 客户名称或编号`，例如 `/crm show 星河科技` 或 `/crm show C202611001`。"


# -- the card's buttons -----------------------------------------------------------------------------

def _card(bolt, fake, user: str, words: str = "show 星河科技") -> list[dict]:
    return _reply(bolt, fake, words, user)["blocks"]


def test_log_opens_the_log_modal_with_the_customer_chosen(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    c = _galaxy(db)
    _click(bolt, fake, user=REP, action_id=ids.CARD_LOG, customer_id=c.id, card=_card(bolt, fake, REP))
    view = fake.wait_for("views.open")[0].params["view"]
    assert fake.methods()[0] == "views.open"
    assert (view["callback_id"], view["title"]["text"]) == (ids.LOG_VIEW, "记录客户互动")
    assert block(view, ids.LOG_CUSTOMER_BLOCK)["element"]["initial_option"] == {
        "text": {"type": "plain_text", "text": "星河科技 · C202611001", "emoji": True}, "value": f"c:{c.id}"}


def test_edit_saves_the_profile_and_the_history_shows_it(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = datetime(2026, 11, 17, 3, 0, tzinfo=UTC)  # the day after the customer was made (11:00 in Shanghai)
    c = _galaxy(db)
    _click(bolt, fake, user=REP, action_id=ids.CARD_EDIT, customer_id=c.id, card=_card(bolt, fake, REP))
    view = fake.wait_for("views.open")[0].params["view"]
    assert (view["callback_id"], view["title"]["text"], json.loads(view["private_metadata"])) == (
        ids.CUSTOMER_EDIT_VIEW, "编辑客户", {"customer_id": c.id, "channel": "C0SALES001"})
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["element"]["type"] == "plain_text_input"}
    assert (initial[ids.CUST_NAME_BLOCK], initial[ids.CUST_PHONE_BLOCK], initial[ids.CUST_EMAIL_BLOCK], initial[ids.CUST_TAGS_BLOCK],
            initial[ids.CUST_STAFF_BLOCK], initial[ids.CUST_REVENUE_BLOCK]) == (
        "星河科技", "+86 138-1234-5678", "zhang.san@galaxy.cn", "VIP", "350", "50000000.00")
    assert ids.CUST_OWNER_BLOCK not in [b["block_id"] for b in view["blocks"]]  # a rep reassigns nothing
    assert block(view, ids.CUST_SOURCE_BLOCK)["element"]["initial_option"]["value"] == "exhibition"

    form = _form(name="星河科技", company="星河科技集团", industry="制造业", staff="350", revenue="50000000", region="华东",
                 source="exhibition", phone="139 0000 1111", email="zhang.san@galaxy.cn", tags="VIP, 战略客户", tier="high",
                 need_type="service_oriented", owner=False, new=False)
    fake.reset()
    body = view_submission(user=REP, callback_id=ids.CUSTOMER_EDIT_VIEW, values=form, private_metadata={"customer_id": c.id})
    assert bolt.interact(body)[:2] == (200, b"")
    with transaction(db) as s:
        saved = s.get(Customer, c.id)
        changes = [(e.field, e.old, e.new) for e in history(session=s, customer_id=c.id, limit=3)]
    assert (saved.company, CIPHER.decrypt(saved.phone_enc)) == ("星河科技集团", "139 0000 1111")
    assert changes == [("phone", "138****5678", "139****1111"), ("tags", "free:VIP", "free:VIP, free:战略客户"),
                       ("company", "星河科技有限公司", "星河科技集团")]
    assert fake.wait_for("chat.postMessage")[0].params["text"] == "✅ 已保存 *星河科技*（`C202611001`）的修改：公司全称、标签、电话"

    _click(bolt, fake, user=REP, action_id=ids.CARD_HISTORY, customer_id=c.id, card=_card(bolt, fake, REP))
    answer = fake.wait_for("response_url:card")[0].params
    sections = _sections(answer["blocks"])
    assert (answer["response_type"], answer["replace_original"], sections[0]) == ("ephemeral", False, "*星河科技*（`C202611001`）的历史")
    assert sections[1] == f"*阶段变更*\n• 2026年11月16日周一 10:00 · <@{REP}>：线索期 · 待培育（新建）"
    audit = sections[2].split("\n")
    assert audit[0] == "*修改记录*"
    assert audit[1:4] == [f"• {fmt_datetime(e, _zh(REP))} · <@{REP}> · {what}" for e, what in zip(
        [_saved_at(db, c.id)] * 3, ["电话：138****5678 → 139****1111", "标签：VIP → VIP、战略客户",
                                    "公司全称：星河科技有限公司 → 星河科技集团"])]
    assert audit[-2:] == [f"• 2026年11月16日周一 10:00 · <@{REP}> · 创建：C202611001",
                          f"• 2026年11月16日周一 10:00 · <@{REP}> · 标签：— → VIP"]


def _zh(user: str) -> Profile:
    return Profile(user_id=user, tz="Asia/Shanghai", locale="zh-CN")


def _saved_at(db, customer_id: int) -> datetime:
    with transaction(db) as s:
        return history(session=s, customer_id=customer_id, limit=1)[0].at


def test_a_manager_reassigns_in_edit_and_a_rep_may_not_edit_a_teammates_customer(bolt, fake, db, remember):
    _team(db)
    for user in (BOSS, REP_EN):
        remember(user, "Asia/Shanghai" if user == BOSS else "America/New_York", "zh-CN" if user == BOSS else "en-US")
    c = _galaxy(db)
    _click(bolt, fake, user=REP_EN, action_id=ids.CARD_EDIT, customer_id=c.id, card=_card(bolt, fake, REP))
    assert fake.wait_for("response_url:card")[0].params["text"] == (
        f"Only the owner <@{REP}>, their manager or an admin can change this customer.")
    assert fake.calls_to("views.open") == []
    _click(bolt, fake, user=BOSS, action_id=ids.CARD_EDIT, customer_id=c.id, card=_card(bolt, fake, REP))
    view = fake.wait_for("views.open")[0].params["view"]
    assert block(view, ids.CUST_OWNER_BLOCK)["element"]["initial_user"] == REP
    form = _form(name="星河科技", company="星河科技有限公司", industry="制造业", staff="350", revenue="50000000", region="华东",
                 phone="+86 138-1234-5678", email="zhang.san@galaxy.cn", tags="VIP", tier="high", need_type="service_oriented",
                 owner=REP_EN, cs_owner=BOSS, new=False)
    fake.reset()
    body = view_submission(user=BOSS, callback_id=ids.CUSTOMER_EDIT_VIEW, values=form, private_metadata={"customer_id": c.id})
    assert bolt.interact(body)[:2] == (200, b"")
    with transaction(db) as s:
        saved = s.get(Customer, c.id)
        actions = s.exec(select(NextAction.owner_id).where(NextAction.customer_id == c.id)).all()
    assert (saved.owner_id, saved.cs_owner_id, actions) == (REP_EN, BOSS, [REP_EN])
    assert fake.wait_for("chat.postMessage")[0].params["text"] == "✅ 已保存 *星河科技*（`C202611001`）的修改：客户成功负责人、负责人"


def test_edit_refusals_stay_on_the_modal_and_change_nothing(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    c = _galaxy(db)
    form = _form(name="", company="星河科技集团", phone="abc", email="zhang.san@galaxy.cn", owner=False, new=False)
    body = view_submission(user=REP, callback_id=ids.CUSTOMER_EDIT_VIEW, values=form, private_metadata={"customer_id": c.id})
    status, answer, _ = bolt.interact(body)
    assert json.loads(answer) == {"response_action": "errors", "errors": {
        ids.CUST_NAME_BLOCK: "这一项必填。", ids.CUST_PHONE_BLOCK: "电话号码格式不对：只能有数字（可带 +、-、空格）。"}}
    with transaction(db) as s:
        assert s.get(Customer, c.id).company == "星河科技有限公司"


def test_stage_changes_show_in_the_history_with_reasons(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    with transaction(db) as s:
        c = create_customer(session=s, name="Galaxy Tech", owner_id=REP_EN, created_by=REP_EN, now=NOW)
        change_stage(session=s, viewer=Viewer(id=REP_EN), customer_id=c.id, stage="nurturing", reason="budget confirmed", now=NOW)
    _click(bolt, fake, user=REP_EN, action_id=ids.CARD_HISTORY, customer_id=c.id, card=_card(bolt, fake, REP_EN, "show galaxy tech"))
    sections = _sections(fake.wait_for("response_url:card")[0].params["blocks"])
    assert sections == [
        "History of *Galaxy Tech* (`C202611001`)",
        f"*Stage changes*\n• Sun, Nov 15, 2026, 9:00\u202fPM · <@{REP_EN}>: Lead · To nurture → Nurturing · Needs follow-up (budget confirmed)\n"
        f"• Sun, Nov 15, 2026, 9:00\u202fPM · <@{REP_EN}>: Lead · To nurture (created)",
        f"*Audit log*\n• Sun, Nov 15, 2026, 9:00\u202fPM · <@{REP_EN}> · status: To nurture → Needs follow-up\n"
        f"• Sun, Nov 15, 2026, 9:00\u202fPM · <@{REP_EN}> · stage: Lead → Nurturing\n"
        f"• Sun, Nov 15, 2026, 9:00\u202fPM · <@{REP_EN}> · created: C202611001",
    ]


# -- /crm find, /crm mine ---------------------------------------------------------------------------

def test_find_lists_at_most_twenty_and_asks_to_refine(bolt, fake, db, remember):
    _team(db)
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        for i in range(23):
            create_customer(session=s, name=f"星河{i:02d}号", owner_id=REP if i % 2 else REP_EN, created_by=REP, now=NOW)
        create_customer(session=s, name="星河外部", owner_id="U0STRANGER", created_by=REP, now=NOW)
    reply = _reply(bolt, fake, "find 星河", REP)
    lines = _sections(reply["blocks"])[0].split("\n")
    assert (reply["text"], lines[0], len(lines)) == ("符合“星河”的客户：20+ 个", "*符合“星河”的客户：20+ 个*", 21)
    assert lines[1:3] == ["• `C202611001` *星河00号* · 线索期 · <@U0REPEN002>", "• `C202611002` *星河01号* · 线索期 · <@U0REP00001>"]
    assert _contexts(reply["blocks"]) == ["超过 20 个客户符合，只列出前 20 个：请再加几个关键词缩小范围。"]
    reply = _reply(bolt, fake, "find 星河 12号", REP)
    assert _sections(reply["blocks"]) == ["*符合“星河 12号”的客户：1 个*\n• `C202611013` *星河12号* · 线索期 · <@U0REPEN002>"]
    assert _reply(bolt, fake, "find 外部", REP)["text"] == "没有找到符合“外部”的客户。"
    assert _reply(bolt, fake, "find", REP)["text"] == "用法：`/crm find 关键词`，按名称、公司、编号、行业或标签搜索。"


def test_mine_groups_the_callers_customers_by_stage(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    me = Viewer(id=REP_EN)
    with transaction(db) as s:
        for i in range(7):
            create_customer(session=s, name=f"Lead {i}", owner_id=REP_EN, created_by=REP_EN, now=NOW.replace(minute=i))
        n = create_customer(session=s, name="Nurtured", owner_id=REP_EN, created_by=REP_EN, now=NOW)
        change_stage(session=s, viewer=me, customer_id=n.id, stage="nurturing", status="clear_intent", now=NOW.replace(hour=11))
        create_customer(session=s, name="Not mine", owner_id=REP, created_by=REP, now=NOW)
    reply = _reply(bolt, fake, "mine", REP_EN)
    assert reply["text"] == "Your customers: 8"
    assert _sections(reply["blocks"]) == [
        "*Your customers: 8*",
        "*Lead* (7)\n• `C202611007` Lead 6 · To nurture\n• `C202611006` Lead 5 · To nurture\n• `C202611005` Lead 4 · To nurture\n"
        "• `C202611004` Lead 3 · To nurture\n• `C202611003` Lead 2 · To nurture\n… and 2 more",
        "*Nurturing* (1)\n• `C202611008` Nurtured · Clear intent",
    ]
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    assert _reply(bolt, fake, "我的", BOSS)["text"] == "你名下还没有客户。用 `/crm new` 新建一个。"


def test_help_lists_the_customer_commands(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    help_text = _reply(bolt, fake, "help", REP_EN)["text"]
    assert [line for line in help_text.split("\n") if line.startswith(("• `/crm new`", "• `/crm show", "• `/crm find", "• `/crm mine"))] == [
        "• `/crm new` adds a customer (name, company, size, source, phone and email, tags, value tier, …); `/crm new Galaxy Tech` prefills the name",
        "• `/crm show Galaxy Tech` (or its code `C202611001`) shows the customer card: stage, contacts, needs, actions, interactions, tickets, deals",
        "• `/crm find words` searches customers by name, company, code, industry or tags",
        "• `/crm mine` lists your customers by stage",
    ]
