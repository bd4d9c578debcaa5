"""The forms as a sales team uses them (issue 16): /crm new's key contact and customer-success owner,
the staff hint, a deal created as won, the team default customer-success owner (CRM_CS_OWNER) and
`/crm admin cs`; signed requests into the real Bolt app, the fake Slack recording what it sends."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from handlers import ids
from store.audit import history
from store.crm_models import Deal
from store.db import transaction
from store.models import Contact, Customer
from store.users import set_role
from tests.bolt_server import BoltServer
from tests.conftest import REP, REP_EN
from tests.record_flows import chosen, click_card, customer, day, submit, typed

CS = "U0CSMGR007"   # the team's customer-success manager
ADMIN = "U0ADMIN004"


def _labels(view: dict) -> dict[str, tuple[str, str | None]]:
    """block_id -> (label, hint) of each input block."""
    return {b["block_id"]: (b["label"]["text"], (b.get("hint") or {}).get("text")) for b in view["blocks"] if b["type"] == "input"}


def _new_modal(bolt, fake, user: str) -> dict:
    fake.reset()
    bolt.command("new 星河科技", user=user)
    return fake.wait_for("views.open")[0].params["view"]


def _new_values(*, contact: str = "", title: str = "", staff: str = "", cs: str | None = None, owner: str = REP) -> dict:
    return {ids.CUST_NAME_BLOCK: {ids.CUST_NAME: typed("星河科技")}, ids.CUST_CONTACT_BLOCK: {ids.CUST_CONTACT: typed(contact or None)},
            ids.CUST_TITLE_BLOCK: {ids.CUST_TITLE: typed(title or None)}, ids.CUST_STAFF_BLOCK: {ids.CUST_STAFF: typed(staff or None)},
            ids.CUST_SOURCE_BLOCK: {ids.CUST_SOURCE: chosen("referral")}, ids.CUST_OWNER_BLOCK: {ids.CUST_OWNER: {"type": "users_select",
                                                                                                             "selected_user": owner}},
            ids.CUST_CS_OWNER_BLOCK: {ids.CUST_CS_OWNER: {"type": "users_select", "selected_user": cs}}}


def test_new_asks_the_key_contacts_name_and_the_cs_owner_with_the_right_hints_in_chinese(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    labels = _labels(_new_modal(bolt, fake, REP))
    assert labels[ids.CUST_CONTACT_BLOCK] == ("关键联系人姓名", "保存为这个客户的第一位联系人，职位取下一栏。")
    assert labels[ids.CUST_TITLE_BLOCK] == ("关键联系人职位", None)
    assert labels[ids.CUST_STAFF_BLOCK] == ("员工人数", "只填整数，如 350")
    assert labels[ids.CUST_REVENUE_BLOCK] == ("年营收（元）", "只填数字，如 50000000")
    assert labels[ids.CUST_CS_OWNER_BLOCK] == ("客户成功负责人", "不选则在客户转化时由团队默认的客户成功负责人接手（如已设置）。")
    order = list(labels)
    assert order.index(ids.CUST_CONTACT_BLOCK) + 1 == order.index(ids.CUST_TITLE_BLOCK)


def test_new_asks_the_same_in_english(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    labels = _labels(_new_modal(bolt, fake, REP_EN))
    assert labels[ids.CUST_CONTACT_BLOCK] == ("Key contact's name", "Saved as the customer's first contact, with the title below.")
    assert labels[ids.CUST_STAFF_BLOCK] == ("Staff", "A whole number, e.g. 350")
    assert labels[ids.CUST_CS_OWNER_BLOCK] == ("Customer success owner",
                                               "Left empty, the team's default customer-success owner takes it when it converts (if one is set).")


def test_the_key_contact_becomes_the_first_contact_and_the_cs_owner_is_saved(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    fake.add_user(CS, real_name="赵客成")  # a person of the workspace (handlers/picked.py asks)
    view = _new_modal(bolt, fake, REP)
    fake.reset()
    assert submit(bolt, user=REP, view=view, values=_new_values(contact="张伟", title="采购总监", staff="1,200", cs=CS))[:2] == (200, b"")
    with transaction(db) as s:
        c = s.exec(select(Customer)).one()
        contacts = [(x.name, x.title, x.role) for x in s.exec(select(Contact))]
    assert (c.staff_count, c.cs_owner_id, c.contact_title) == (1200, CS, "采购总监")
    assert contacts == [("张伟", "采购总监", "contact")]
    card = [b["text"]["text"] for b in fake.wait_for("chat.postMessage")[0].params["blocks"] if b["type"] == "section"]
    assert card[1].endswith(f"*负责人：* <@{REP}>　*客户成功：* <@{CS}>")
    assert "*联系人*\n• 张伟 · 采购总监 · 联系人" in card


def test_a_bad_key_contact_name_stays_on_its_field_and_nothing_is_saved(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    view = _new_modal(bolt, fake, REP_EN)
    status, body, _ = submit(bolt, user=REP_EN, view=view, values=_new_values(contact="张" * 101, staff="lots", owner=REP_EN))
    assert json.loads(body)["errors"] == {ids.CUST_CONTACT_BLOCK: "At most 100 characters; this has 101.",
                                          ids.CUST_STAFF_BLOCK: "This must be a number."}
    with transaction(db) as s:
        assert s.exec(select(Customer)).all() == [] and s.exec(select(Contact)).all() == []


# -- a deal created as won, and the team default customer-success owner --------------------------------

@pytest.fixture
def bolt_cs(db, fake):
    server = BoltServer(db=db, fake=fake, crm_cs_owner=CS)
    yield server
    server.stop()


def _deal_modal(bolt, fake, user: str, customer_id: int) -> dict:
    fake.reset()
    click_card(bolt, user=user, action_id=ids.CARD_DEAL, customer_id=customer_id)
    return fake.wait_for("views.open")[0].params["view"]


def _won_values(contract: str | None, signed: date | None) -> dict:
    return {ids.DEAL_TITLE_BLOCK: {ids.DEAL_TITLE: typed("ERP 一期")}, ids.DEAL_AMOUNT_BLOCK: {ids.DEAL_AMOUNT: typed("120000")},
            ids.DEAL_CURRENCY_BLOCK: {ids.DEAL_CURRENCY: typed("CNY")}, ids.DEAL_STAGE_BLOCK: {ids.DEAL_STAGE: chosen("won")},
            ids.DEAL_CLOSE_BLOCK: {ids.DEAL_CLOSE: day(None)}, ids.DEAL_CONTRACT_BLOCK: {ids.DEAL_CONTRACT: typed(contract)},
            ids.DEAL_SIGNED_BLOCK: {ids.DEAL_SIGNED: day(signed)}}


def test_a_deal_is_created_as_won_and_the_customer_converts_to_the_teams_cs_owner(bolt_cs, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP, stage="nurturing")
    view = _deal_modal(bolt_cs, fake, REP, galaxy.id)
    stage = next(b for b in view["blocks"] if b.get("block_id") == ids.DEAL_STAGE_BLOCK)["element"]
    assert [o["text"]["text"] for o in stage["options"]] == ["资格确认", "方案报价", "商务谈判", "赢单"]
    assert _labels(view)[ids.DEAL_CONTRACT_BLOCK] == ("合同编号", "阶段选“赢单”时必填（直接录入已签约的商机）。")
    status, body, _ = submit(bolt_cs, user=REP, view=view, values=_won_values(None, None))
    assert json.loads(body)["errors"] == {ids.DEAL_CONTRACT_BLOCK: "赢单需要填写合同编号。", ids.DEAL_SIGNED_BLOCK: "这一项必填。"}
    assert submit(bolt_cs, user=REP, view=view, values=_won_values("HT-2026-001", date(2026, 11, 20)))[:2] == (200, b"")
    with transaction(db) as s:
        deal = s.exec(select(Deal)).one()
        c = s.get(Customer, galaxy.id)
        cs_change = [(e.field, e.old, e.new) for e in history(session=s, customer_id=c.id, limit=20) if e.field == "cs_owner_id"]
    assert (deal.stage, deal.contract_no, deal.signed_on, deal.closed_at is not None) == ("won", "HT-2026-001", date(2026, 11, 20), True)
    assert (c.stage, c.status, c.cs_owner_id) == ("converted", "signed", CS)
    assert cs_change == [("cs_owner_id", None, CS)]


def test_the_english_deal_refusal_and_a_customer_with_its_own_cs_owner_keeps_it(bolt_cs, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN, stage="nurturing")
    with transaction(db) as s:
        s.get(Customer, galaxy.id).cs_owner_id = REP_EN
    view = _deal_modal(bolt_cs, fake, REP_EN, galaxy.id)
    status, body, _ = submit(bolt_cs, user=REP_EN, view=view, values=_won_values("  ", date(2026, 11, 20)))
    assert json.loads(body)["errors"] == {ids.DEAL_CONTRACT_BLOCK: "A won deal needs its contract number."}
    assert submit(bolt_cs, user=REP_EN, view=view, values=_won_values("C-7", date(2026, 11, 20)))[:2] == (200, b"")
    with transaction(db) as s:
        c = s.get(Customer, galaxy.id)
    assert (c.stage, c.cs_owner_id) == ("converted", REP_EN)


def test_a_bad_crm_cs_owner_stops_the_bot_with_its_sentence():
    from bot.settings import Settings

    with pytest.raises(ValueError, match="CRM_CS_OWNER must be a Slack user ID such as U0123ABCD, not 'bob'"):
        Settings(_env_file=None, crm_cs_owner="bob")
    assert Settings(_env_file=None, crm_cs_owner=" U0CSMGR007 ").crm_cs_owner == "U0CSMGR007"


# -- /crm admin cs ---------------------------------------------------------------------------------

def _admin(bolt, fake, words: str) -> str:
    fake.reset()
    bolt.command(words, user=ADMIN)
    return fake.wait_for("response_url:cmd")[0].params["text"]


def test_admin_cs_shows_the_default_and_sets_and_clears_a_customers_in_chinese(bolt_cs, fake, db, remember):
    remember(ADMIN, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        set_role(session=s, user_id=ADMIN, role="admin")
    galaxy = customer(db, "星河科技", owner=REP)
    assert _admin(bolt_cs, fake, "admin cs") == f"团队默认的客户成功负责人：<@{CS}>（CRM_CS_OWNER）。客户转化时如未指定，由其接手。"
    assert _admin(bolt_cs, fake, f"admin cs {galaxy.code} <@{REP_EN}|alice>") == (
        f"*星河科技*（`{galaxy.code}`）的客户成功负责人现在是 <@{REP_EN}>。")
    with transaction(db) as s:
        assert s.get(Customer, galaxy.id).cs_owner_id == REP_EN
        assert [(e.field, e.by, e.new) for e in history(session=s, customer_id=galaxy.id, limit=1)] == [("cs_owner_id", ADMIN, REP_EN)]
    assert _admin(bolt_cs, fake, f"admin cs {galaxy.code} none") == f"已清除 *星河科技*（`{galaxy.code}`）的客户成功负责人。"
    assert _admin(bolt_cs, fake, "admin cs 不存在的 <b>客户</b> <@U0X1|x>") == "找不到客户“不存在的 &lt;b&gt;客户&lt;/b&gt;”：请用客户编号或完整名称。"
    assert _admin(bolt_cs, fake, f"admin cs {galaxy.code}") == "用法：`/crm admin cs 客户编号 @某人`，或 `/crm admin cs 客户编号 none` 清除。"
    huge = _admin(bolt_cs, fake, "admin cs " + "🙂" * 3000 + " none")
    assert huge.startswith("找不到客户“🙂🙂") and len(huge) < 120


def test_admin_cs_in_english_without_a_default_and_refused_to_a_rep(bolt, fake, db, remember):
    remember(ADMIN, "America/New_York", "en-US")
    remember(REP_EN, "America/New_York", "en-US")
    with transaction(db) as s:
        set_role(session=s, user_id=ADMIN, role="admin")
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN)
    assert _admin(bolt, fake, "admin cs") == "No team default customer-success owner is set (CRM_CS_OWNER)."
    assert _admin(bolt, fake, f"admin cs {galaxy.code} <@{CS}|cs>") == (
        f"The customer-success owner of *Galaxy Tech* (`{galaxy.code}`) is now <@{CS}>.")
    fake.reset()
    bolt.command(f"admin cs {galaxy.code} <@{REP_EN}|me>", user=REP_EN)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == "Only admins can do that."
    with transaction(db) as s:
        assert s.get(Customer, galaxy.id).cs_owner_id == CS
