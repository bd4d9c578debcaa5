"""Needs, deals and contacts in Slack, end to end: `/crm need`, `/crm deals` and the card's Need,
Deal and Contacts buttons with their modals, as signed requests into the real Bolt app, the fake
Slack recording what the bot sends, the store's rows read back."""
from __future__ import annotations

import json

import pytest
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlmodel import select

from handlers import ids
from handlers.blocks import fmt_date
from handlers.context import Profile
from store.contacts import add_contact, contact_history
from store.crm_models import Deal, Need
from store.db import transaction
from store.deals import create_deal, signing_origin
from store.lifecycle import stage_history
from store.models import Contact, Customer, NextAction, Role
from store.permissions import Viewer
from store.privacy import Cipher
from store.types import utcnow
from store.users import set_manager, set_role
from tests.bolt_server import TEST_KEY
from tests.conftest import BOSS, REP, REP_EN
from tests.record_flows import (SALES, blocks_of, chosen, click_card, customer, day, in_view, input_block, options, submit,
                                texts, typed)

ZH_REP = Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN")
EN_REP = Profile(user_id=REP_EN, tz="America/New_York", locale="en-US")
MATE = "U0MATE0004"  # a zh-CN rep, REP's teammate (same manager, BOSS)


def _answer(fake) -> dict:
    return fake.wait_for("chat.postEphemeral")[0].params


def _deal(db, customer_id: int, *, owner: str, title: str, amount: str, stage: str = "qualification", close: date | None = None,
          currency: str = "CNY") -> Deal:
    with transaction(db) as s:
        return create_deal(session=s, viewer=Viewer(id=owner), customer_id=customer_id, title=title, amount=amount, stage=stage,
                           expected_close_on=close, now=utcnow(), currency=currency)


def _get(db, model, row_id: int):
    with transaction(db) as s:
        return s.get(model, row_id)


def _opened(fake, method: str = "views.open", n: int = 1) -> dict:
    return fake.wait_for(method, n)[n - 1].response["view"]


# -- needs -----------------------------------------------------------------------------------------

def test_the_need_modal_adds_a_need(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP)
    click_card(bolt, user=REP, action_id=ids.CARD_NEED, customer_id=galaxy.id)
    view = _opened(fake)
    assert (view["callback_id"], view["title"]["text"], texts(view)) == (ids.NEED_VIEW, "记录需求", [f"*星河科技*（{galaxy.code}）的需求"])
    assert blocks_of(view) == [ids.NEED_KIND_BLOCK, ids.NEED_DESCRIPTION_BLOCK, ids.NEED_PRIORITY_BLOCK, ids.NEED_STATUS_BLOCK]
    assert options(input_block(view, ids.NEED_KIND_BLOCK)["element"]) == [("current", "现有需求"), ("potential", "潜在需求")]
    assert input_block(view, ids.NEED_PRIORITY_BLOCK)["element"]["initial_option"]["value"] == "medium"
    values = {ids.NEED_KIND_BLOCK: {ids.NEED_KIND: chosen("potential", "radio_buttons")},
              ids.NEED_DESCRIPTION_BLOCK: {ids.NEED_DESCRIPTION: typed("明年可能扩展到华南工厂")},
              ids.NEED_PRIORITY_BLOCK: {ids.NEED_PRIORITY: chosen("high")},
              ids.NEED_STATUS_BLOCK: {ids.NEED_STATUS: chosen("in_progress")}}
    assert submit(bolt, user=REP, view=view, values=values)[:2] == (200, b"")
    answer = _answer(fake)
    with transaction(db) as s:
        need = s.exec(select(Need)).one()
    assert (need.customer_id, need.kind, need.description, need.priority, need.status, need.created_by) == (
        galaxy.id, "potential", "明年可能扩展到华南工厂", "high", "in_progress", REP)
    assert (answer["channel"], answer["text"]) == (
        SALES, f"📝 已为 *星河科技*（{galaxy.code}）记下需求：明年可能扩展到华南工厂（潜在需求 · 优先级高 · 跟进中）")
    fake.reset()
    click_card(bolt, user=REP, action_id=ids.CARD_NEED, customer_id=galaxy.id)  # the open needs are listed on top
    assert texts(_opened(fake))[1] == "明年可能扩展到华南工厂（潜在需求 · 优先级高 · 跟进中）"


def test_need_command_adds_a_medium_priority_need(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN)
    bolt.command("需求 Galaxy Tech wants an ERP &lt;integration&gt;", user=REP_EN)
    reply = fake.wait_for("response_url:cmd")[0].params["text"]
    with transaction(db) as s:
        need = s.exec(select(Need)).one()
    assert (need.kind, need.description, need.priority, need.status) == ("current", "wants an ERP <integration>", "medium", "not_started")
    assert reply == (f"📝 Need noted for *Galaxy Tech* ({galaxy.code}): wants an ERP &lt;integration&gt; "
                     "(Current need · Medium priority · Not started)")
    fake.reset()
    bolt.command("need Galaxy Tech", user=REP_EN)
    assert fake.wait_for("response_url:cmd")[0].params["text"].startswith("Usage: `/crm need customer description`")


# -- deals -----------------------------------------------------------------------------------------

def _deal_values(title: str, amount: str, stage: str, close: date | None, currency: str = "CNY") -> dict:
    return {ids.DEAL_TITLE_BLOCK: {ids.DEAL_TITLE: typed(title)}, ids.DEAL_AMOUNT_BLOCK: {ids.DEAL_AMOUNT: typed(amount)},
            ids.DEAL_CURRENCY_BLOCK: {ids.DEAL_CURRENCY: typed(currency)}, ids.DEAL_STAGE_BLOCK: {ids.DEAL_STAGE: chosen(stage)},
            ids.DEAL_CLOSE_BLOCK: {ids.DEAL_CLOSE: day(close)}}


def _move_button(view: dict, deal_id: int) -> dict:
    return next(b for b in view["blocks"] if (b.get("accessory") or {}).get("value") == str(deal_id))


def test_add_a_deal_then_move_it_to_negotiation_asks_for_the_signing(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = datetime(2026, 12, 6, 17, 28, tzinfo=timezone.utc)  # Mon 7 Dec 01:28 in Shanghai
    galaxy = customer(db, "星河科技", owner=REP, stage="nurturing", now=bolt.now - timedelta(days=1))
    click_card(bolt, user=REP, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    view = _opened(fake)
    assert (view["title"]["text"], texts(view)) == ("商机", [f"*星河科技*（{galaxy.code}）的商机", "还没有商机。", "*新建商机*"])
    assert input_block(view, ids.DEAL_CURRENCY_BLOCK)["element"]["initial_value"] == "CNY"
    status, body, _ = submit(bolt, user=REP, view=view, values=_deal_values("ERP 一期", "12万", "qualification", None))
    assert json.loads(body)["errors"] == {ids.DEAL_AMOUNT_BLOCK: "金额要是不小于 0 的数字。"}
    assert submit(bolt, user=REP, view=view, values=_deal_values("ERP 一期", "120,000", "qualification", date(2026, 12, 31)))[:2] == (200, b"")
    answer = _answer(fake)
    with transaction(db) as s:
        deal = s.exec(select(Deal)).one()
    assert (deal.title, deal.amount, deal.currency, deal.stage, deal.expected_close_on, deal.owner_id) == (
        "ERP 一期", Decimal("120000.00"), "CNY", "qualification", date(2026, 12, 31), REP)
    assert answer["text"] == f"💼 已为 *星河科技*（{galaxy.code}）新建商机：*ERP 一期* · ¥120,000.00 · 资格确认 · 预计 2026年12月31日 成交"

    fake.reset()
    click_card(bolt, user=REP, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    listing = _opened(fake)
    row = _move_button(listing, deal.id)
    assert row["text"]["text"] == "*ERP 一期* · ¥120,000.00 · 资格确认 · 预计 2026年12月31日 成交"
    in_view(bolt, user=REP, view=listing, action_id=ids.DEAL_MOVE_OPEN, block_id="b", value=str(deal.id))
    moving = _opened(fake, "views.push")
    assert (moving["callback_id"], moving["title"]["text"], json.loads(moving["private_metadata"])) == (
        ids.DEAL_MOVE_VIEW, "推进商机", {"deal": deal.id, "channel": SALES})
    stage = input_block(moving, ids.DEAL_MOVE_STAGE_BLOCK)
    assert (stage["dispatch_action"], options(stage["element"])) == (
        True, [("proposal", "方案报价"), ("negotiation", "商务谈判"), ("won", "赢单"), ("lost", "丢单")])
    in_view(bolt, user=REP, view=moving, action_id=ids.DEAL_MOVE_STAGE, block_id=ids.DEAL_MOVE_STAGE_BLOCK, selected="negotiation")
    assert blocks_of(_opened(fake, "views.update")) == [ids.DEAL_MOVE_STAGE_BLOCK]  # negotiation asks for nothing more
    status, body, _ = submit(bolt, user=REP, view=moving, values={ids.DEAL_MOVE_STAGE_BLOCK: {ids.DEAL_MOVE_STAGE: chosen("negotiation")}})
    assert (status, json.loads(body)) == (200, {"response_action": "clear"})
    answer = _answer(fake)
    with transaction(db) as s:
        action = s.exec(select(NextAction).where(NextAction.origin == signing_origin(deal.id))).one()
    moved = _get(db, Deal, deal.id)
    # a week later, at the start of the owner's working hours (not 01:28)
    assert (moved.stage, action.status, action.owner_id, action.due_at) == (
        "negotiation", "open", REP, datetime(2026, 12, 14, 1, 0, tzinfo=timezone.utc))
    assert answer["text"] == (f"💼 商机“ERP 一期”（*星河科技*（{galaxy.code}））：资格确认 → 商务谈判\n"
                              f"⏰ 已自动创建下一步：*推进签约*，截止 2026年12月14日周一 09:00，负责人 <@{REP}>")


def test_a_won_deal_keeps_its_terms_and_converts_the_customer(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP, stage="nurturing")
    deal = _deal(db, galaxy.id, owner=REP, title="ERP 一期", amount="120000", stage="negotiation")
    click_card(bolt, user=REP, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    listing = _opened(fake)
    in_view(bolt, user=REP, view=listing, action_id=ids.DEAL_MOVE_OPEN, block_id="b", value=str(deal.id))
    moving = _opened(fake, "views.push")
    in_view(bolt, user=REP, view=moving, action_id=ids.DEAL_MOVE_STAGE, block_id=ids.DEAL_MOVE_STAGE_BLOCK, selected="won")
    won = _opened(fake, "views.update")
    assert blocks_of(won) == [ids.DEAL_MOVE_STAGE_BLOCK, ids.DEAL_CONTRACT_BLOCK, ids.DEAL_SIGNED_BLOCK, ids.DEAL_TERMS_BLOCK,
                              ids.DEAL_SERVICE_START_BLOCK, ids.DEAL_SERVICE_END_BLOCK, ids.DEAL_RENEWAL_BLOCK]
    assert input_block(won, ids.DEAL_MOVE_STAGE_BLOCK)["element"]["initial_option"]["value"] == "won"

    def values(contract: str | None, end: date) -> dict:
        return {ids.DEAL_MOVE_STAGE_BLOCK: {ids.DEAL_MOVE_STAGE: chosen("won")}, ids.DEAL_CONTRACT_BLOCK: {ids.DEAL_CONTRACT: typed(contract)},
                ids.DEAL_SIGNED_BLOCK: {ids.DEAL_SIGNED: day(date(2026, 11, 20))}, ids.DEAL_TERMS_BLOCK: {ids.DEAL_TERMS: typed("30% 预付，验收后付清")},
                ids.DEAL_SERVICE_START_BLOCK: {ids.DEAL_SERVICE_START: day(date(2026, 12, 1))},
                ids.DEAL_SERVICE_END_BLOCK: {ids.DEAL_SERVICE_END: day(end)},
                ids.DEAL_RENEWAL_BLOCK: {ids.DEAL_RENEWAL: day(date(2027, 11, 1))}}

    status, body, _ = submit(bolt, user=REP, view=won, values=values(None, date(2026, 11, 30)))
    assert json.loads(body)["errors"] == {ids.DEAL_CONTRACT_BLOCK: "赢单需要填写合同编号。"}
    status, body, _ = submit(bolt, user=REP, view=won, values=values("HT-2026-001", date(2026, 11, 30)))
    assert json.loads(body)["errors"] == {ids.DEAL_SERVICE_END_BLOCK: "服务期的结束日期要晚于开始日期。"}
    assert _get(db, Customer, galaxy.id).stage == "nurturing"
    assert submit(bolt, user=REP, view=won, values=values("HT-2026-001", date(2027, 11, 30)))[:2] == (200, b'{"response_action": "clear"}')
    answer = _answer(fake)
    row = _get(db, Deal, deal.id)
    assert (row.stage, row.contract_no, row.signed_on, row.payment_terms, row.service_start, row.service_end, row.renewal_on) == (
        "won", "HT-2026-001", date(2026, 11, 20), "30% 预付，验收后付清", date(2026, 12, 1), date(2027, 11, 30), date(2027, 11, 1))
    converted = _get(db, Customer, galaxy.id)
    with transaction(db) as s:
        change = stage_history(session=s, customer_id=galaxy.id)[0]
        signing = s.exec(select(NextAction).where(NextAction.origin == signing_origin(deal.id))).one()
    assert (converted.stage, converted.status, change.by, change.reason, signing.status) == (
        "converted", "signed", REP, "deal won: ERP 一期", "done")
    assert answer["text"] == (f"💼 商机“ERP 一期”（*星河科技*（{galaxy.code}））：商务谈判 → 赢单\n"
                              f"🎉 赢单：合同 HT-2026-001，{fmt_date(date(2026, 11, 20), ZH_REP)} 签约。\n"
                              f"客户 *星河科技*（{galaxy.code}）已转为 转化期 · 已签约（原为 培育期 · 需跟进）。")


def test_a_lost_deal_keeps_its_reason_and_a_closed_deal_cannot_move(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN)
    deal = _deal(db, galaxy.id, owner=REP_EN, title="CRM rollout", amount="8800.5", stage="proposal")
    click_card(bolt, user=REP_EN, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    listing = _opened(fake)
    in_view(bolt, user=REP_EN, view=listing, action_id=ids.DEAL_MOVE_OPEN, block_id="b", value=str(deal.id))
    moving = _opened(fake, "views.push")
    in_view(bolt, user=REP_EN, view=moving, action_id=ids.DEAL_MOVE_STAGE, block_id=ids.DEAL_MOVE_STAGE_BLOCK, selected="lost")
    lost = _opened(fake, "views.update")
    assert (lost["title"]["text"], blocks_of(lost)) == ("Move deal", [ids.DEAL_MOVE_STAGE_BLOCK, ids.DEAL_LOST_BLOCK])
    values = {ids.DEAL_MOVE_STAGE_BLOCK: {ids.DEAL_MOVE_STAGE: chosen("lost")}, ids.DEAL_LOST_BLOCK: {ids.DEAL_LOST: typed("Chose a cheaper vendor")}}
    assert submit(bolt, user=REP_EN, view=lost, values=values)[:2] == (200, b'{"response_action": "clear"}')
    assert _answer(fake)["text"] == (f"💼 Deal “CRM rollout” (*Galaxy Tech* ({galaxy.code})): Proposal → Lost\nWhy: Chose a cheaper vendor")
    row = _get(db, Deal, deal.id)
    assert (row.stage, row.lost_reason, row.closed_at is not None, _get(db, Customer, galaxy.id).stage) == (
        "lost", "Chose a cheaper vendor", True, "lead")
    # the same modal submitted again (a second tab, a double click): the deal is closed now
    status, body, _ = submit(bolt, user=REP_EN, view=moving, values={ids.DEAL_MOVE_STAGE_BLOCK: {ids.DEAL_MOVE_STAGE: chosen("negotiation")}})
    assert json.loads(body) == {"response_action": "errors", "errors": {
        ids.DEAL_MOVE_STAGE_BLOCK: "That deal is closed (won or lost) and cannot change."}}
    assert _get(db, Deal, deal.id).stage == "lost"
    fake.reset()
    click_card(bolt, user=REP_EN, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    listing = _opened(fake)  # closed deals are listed, without a Move button
    assert texts(listing)[:2] == [f"Deals of *Galaxy Tech* ({galaxy.code})", "*CRM rollout* · CN¥8,800.50 · Lost · Chose a cheaper vendor"]
    assert [b for b in listing["blocks"] if "accessory" in b] == []


@pytest.mark.parametrize("locale, lines", [
    ("zh-CN", ["💼 已为 *星河科技*（{code}）新建商机：*出口订单* · US$1,200.00 · 资格确认 · 预计 2026年12月31日 成交",
               "*星河科技*（{code}）的商机",
               "• *出口订单* · US$1,200.00 · 资格确认 · 预计 2026年12月31日 成交",
               "• *日本分销* · JP¥1,500,000 · 资格确认 · 预计 2027年1月31日 成交",
               "• *ERP 一期* · ¥100,000.00 · 资格确认 · 预计 2027年3月1日 成交"]),
    ("en-US", ["💼 New deal for *Galaxy Tech* ({code}): *出口订单* · $1,200.00 · Qualification · expected to close Dec 31, 2026",
               "Deals of *Galaxy Tech* ({code})",
               "• *出口订单* · $1,200.00 · Qualification · expected to close Dec 31, 2026",
               "• *日本分销* · ¥1,500,000 · Qualification · expected to close Jan 31, 2027",
               "• *ERP 一期* · CN¥100,000.00 · Qualification · expected to close Mar 1, 2027"]),
    # a locale the catalog has no texts for: English words, German numbers (a no-break space before the symbol) and dates
    ("de-DE", ["💼 New deal for *Galaxy Tech* ({code}): *出口订单* · 1.200,00\u00a0$ · Qualification · expected to close 31. Dez. 2026",
               "Deals of *Galaxy Tech* ({code})",
               "• *出口订单* · 1.200,00\u00a0$ · Qualification · expected to close 31. Dez. 2026",
               "• *日本分销* · 1.500.000\u00a0¥ · Qualification · expected to close 31. Jan. 2027",
               "• *ERP 一期* · 100.000,00\u00a0CN¥ · Qualification · expected to close 1. März 2027"]),
])
def test_amounts_read_as_the_readers_locale_writes_money(bolt, fake, db, remember, locale, lines):
    """Babel (CLDR): the currency's symbol as the reader's locale writes it, never a code beside a number;
    a currency typed in lower case with spaces is kept upper case; yen have no decimals."""
    remember(REP, "Asia/Shanghai", locale)
    galaxy = customer(db, "星河科技" if locale == "zh-CN" else "Galaxy Tech", owner=REP)
    _deal(db, galaxy.id, owner=REP, title="日本分销", amount="1500000", currency="JPY", close=date(2027, 1, 31))
    _deal(db, galaxy.id, owner=REP, title="ERP 一期", amount="100000", close=date(2027, 3, 1))
    click_card(bolt, user=REP, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    view = _opened(fake)
    values = _deal_values("出口订单", "1,200", "qualification", date(2026, 12, 31), currency=" usd ")
    assert submit(bolt, user=REP, view=view, values=values)[:2] == (200, b"")
    assert _answer(fake)["text"] == lines[0].format(code=galaxy.code)
    fake.reset()
    bolt.command(f"deals {galaxy.code}", user=REP)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == "\n".join(lines[1:]).format(code=galaxy.code)


def test_deals_command_lists_stage_and_amount(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP)
    _deal(db, galaxy.id, owner=REP, title="ERP 一期", amount="120000", stage="negotiation", close=date(2026, 12, 31))
    _deal(db, galaxy.id, owner=REP, title="运维服务", amount="36000.5", close=date(2027, 3, 1))
    bolt.command(f"商机 {galaxy.code}", user=REP)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == (
        f"*星河科技*（{galaxy.code}）的商机\n"
        "• *ERP 一期* · ¥120,000.00 · 商务谈判 · 预计 2026年12月31日 成交\n"
        "• *运维服务* · ¥36,000.50 · 资格确认 · 预计 2027年3月1日 成交")
    fake.reset()
    bolt.command("deals 不存在的公司", user=REP)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == "找不到客户“不存在的公司”：请写客户的全名或编号（如 C202611001）。"


# -- contacts --------------------------------------------------------------------------------------

def _team(db, remember) -> None:
    for user in (REP, MATE, BOSS):
        remember(user, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=MATE, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role=Role.manager.value)


def _contact_values(mode: str, *, name: str, title: str, role: str, phone: str | None = None, email: str | None = None,
                    reason: str | None = None, pick: bool = True) -> dict:
    values = {f"{ids.CONTACT_NAME_BLOCK}.{mode}": {ids.CONTACT_NAME: typed(name)},
              f"{ids.CONTACT_TITLE_BLOCK}.{mode}": {ids.CONTACT_TITLE: typed(title)},
              f"{ids.CONTACT_ROLE_BLOCK}.{mode}": {ids.CONTACT_ROLE: chosen(role)},
              f"{ids.CONTACT_PHONE_BLOCK}.{mode}": {ids.CONTACT_PHONE: typed(phone)},
              f"{ids.CONTACT_EMAIL_BLOCK}.{mode}": {ids.CONTACT_EMAIL: typed(email)}}
    if pick:
        values[ids.CONTACT_PICK_BLOCK] = {ids.CONTACT_PICK: chosen(mode)}
    if mode != ids.CONTACT_NEW:
        values[f"{ids.CONTACT_REASON_BLOCK}.{mode}"] = {ids.CONTACT_REASON: typed(reason)}
    return values


def test_a_contact_is_added_encrypted_and_masked_for_another_rep(bolt, fake, db, remember):
    _team(db, remember)
    galaxy = customer(db, "星河科技", owner=REP)
    click_card(bolt, user=REP, action_id=ids.CARD_CONTACT, customer_id=galaxy.id)
    view = _opened(fake)
    assert (view["title"]["text"], texts(view)) == ("联系人", [f"*星河科技*（{galaxy.code}）的联系人", "还没有联系人。"])
    assert options(input_block(view, ids.CONTACT_PICK_BLOCK)["element"]) == [(ids.CONTACT_NEW, "➕ 新增联系人")]
    assert blocks_of(view)[1:] == [f"{b}.new" for b in (ids.CONTACT_NAME_BLOCK, ids.CONTACT_TITLE_BLOCK, ids.CONTACT_ROLE_BLOCK,
                                                        ids.CONTACT_PHONE_BLOCK, ids.CONTACT_EMAIL_BLOCK)]
    bad = _contact_values("new", name="张伟", title="采购经理", role="decision_maker", phone="138-abc", email="zhang.wei@")
    assert json.loads(submit(bolt, user=REP, view=view, values=bad)[1])["errors"] == {
        "contact_phone.new": "电话号码格式不对：只能有数字（可带 +、-、空格）。", "contact_email.new": "邮箱格式不对，例如 name@example.com。"}
    good = _contact_values("new", name="张伟", title="采购经理", role="decision_maker", phone="138 1234 5678", email="zhang.wei@example.com")
    assert submit(bolt, user=REP, view=view, values=good)[:2] == (200, b"")
    assert _answer(fake)["text"] == f"👤 已为 *星河科技*（{galaxy.code}）添加联系人：*张伟* · 采购经理 · 决策人"
    with transaction(db) as s:
        contact = s.exec(select(Contact)).one()
    cipher = Cipher(TEST_KEY)
    assert (contact.customer_id, contact.name, contact.title, contact.role) == (galaxy.id, "张伟", "采购经理", "decision_maker")
    assert "1234" not in contact.phone_enc and "zhang" not in contact.email_enc
    assert (cipher.decrypt(contact.phone_enc), cipher.decrypt(contact.email_enc)) == ("138 1234 5678", "zhang.wei@example.com")
    assert contact.phone_index == cipher.phone_index("+86 13812345678")

    fake.reset()
    click_card(bolt, user=MATE, action_id=ids.CARD_CONTACT, customer_id=galaxy.id)
    seen = _opened(fake)  # a teammate reads, masked, and has no form
    assert texts(seen) == [f"*星河科技*（{galaxy.code}）的联系人", "*张伟* · 采购经理 · 决策人 · 📞 138****5678 · ✉️ z***@example.com"]
    assert ("submit" in seen, blocks_of(seen), seen["close"]["text"]) == (False, [], "关闭")
    fake.reset()
    click_card(bolt, user=BOSS, action_id=ids.CARD_CONTACT, customer_id=galaxy.id)
    assert texts(_opened(fake))[1] == "*张伟* · 采购经理 · 决策人 · 📞 138 1234 5678 · ✉️ zhang.wei@example.com"


def test_a_title_change_is_kept_in_the_contacts_history_with_its_reason(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN)
    with transaction(db) as s:
        wei = add_contact(session=s, viewer=Viewer(id=REP_EN), customer_id=galaxy.id, name="Wei Zhang", title="Buyer", now=utcnow())
    click_card(bolt, user=REP_EN, action_id=ids.CARD_CONTACT, customer_id=galaxy.id)
    view = _opened(fake)
    assert options(input_block(view, ids.CONTACT_PICK_BLOCK)["element"]) == [
        (ids.CONTACT_NEW, "➕ New contact"), (str(wei.id), "Change: Wei Zhang")]
    in_view(bolt, user=REP_EN, view=view, action_id=ids.CONTACT_PICK, block_id=ids.CONTACT_PICK_BLOCK, selected=str(wei.id))
    form = _opened(fake, "views.update")
    mode = str(wei.id)
    assert blocks_of(form)[1:] == [f"{b}.{mode}" for b in (ids.CONTACT_NAME_BLOCK, ids.CONTACT_TITLE_BLOCK, ids.CONTACT_ROLE_BLOCK,
                                                           ids.CONTACT_PHONE_BLOCK, ids.CONTACT_EMAIL_BLOCK, ids.CONTACT_REASON_BLOCK)]
    assert (input_block(form, f"{ids.CONTACT_NAME_BLOCK}.{mode}")["element"]["initial_value"],
            input_block(form, f"{ids.CONTACT_TITLE_BLOCK}.{mode}")["element"]["initial_value"],
            input_block(form, f"{ids.CONTACT_ROLE_BLOCK}.{mode}")["element"]["initial_option"]["value"]) == ("Wei Zhang", "Buyer", "contact")
    promoted = _contact_values(mode, name="Wei Zhang", title="Head of Purchasing", role="decision_maker")
    assert json.loads(submit(bolt, user=REP_EN, view=form, values=promoted)[1])["errors"] == {
        f"{ids.CONTACT_REASON_BLOCK}.{mode}": "The title or decision role changed: say why."}
    promoted = _contact_values(mode, name="Wei Zhang", title="Head of Purchasing", role="decision_maker", reason="Promoted in November")
    assert submit(bolt, user=REP_EN, view=form, values=promoted)[:2] == (200, b"")
    assert _answer(fake)["text"] == (f"👤 Contact of *Galaxy Tech* ({galaxy.code}) updated: *Wei Zhang* · Head of Purchasing · Decision maker\n"
                                     "Title/role: Buyer · Contact → Head of Purchasing · Decision maker\nWhy: Promoted in November")
    with transaction(db) as s:
        [change] = contact_history(session=s, contact_id=wei.id)
        row = s.get(Contact, wei.id)
    assert (change.by, change.from_title, change.to_title, change.from_role, change.to_role, change.reason) == (
        REP_EN, "Buyer", "Head of Purchasing", "contact", "decision_maker", "Promoted in November")
    assert (row.title, row.role, row.phone_enc) == ("Head of Purchasing", "decision_maker", None)
