"""Payment schedules of won deals, end to end: the deal list's Payments button, the schedule and
receipt modals, `/crm pay`, as signed requests into the real Bolt app with the fake Slack recording
what the bot sends; the amounts and dates are worked out by hand in each test."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from handlers import ids
from store.crm_models import AuditEntry
from store.db import transaction
from store.deals import WonTerms, create_deal, move_deal
from handlers.blocks import refusal
from store.errors import Amount, DomainError, FieldErrors
from store.models import NextAction
from store.money_models import Instalment, Receipt
from store.payments import plan_by_hand, plan_from_terms, record_receipt, set_schedule, split_amount
from store.permissions import Viewer
from tests.conftest import REP, REP_EN
from tests.flows import button
from tests.record_flows import SALES, click_card, customer, day, in_view, input_block, submit, texts, typed

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)  # Thursday 3 Dec 2026, 10:00 in Shanghai
STRANGER = "U0STRANGE9"  # a rep in no one's team


def won_deal(db, customer_id: int, *, owner: str, amount: str, currency: str = "CNY", terms: str = "30/60/10",
             signed: date = date(2026, 11, 20), title: str = "ERP 一期") -> int:
    with transaction(db) as s:
        deal = create_deal(session=s, viewer=Viewer(id=owner), customer_id=customer_id, title=title, amount=amount,
                           currency=currency, stage="negotiation", now=NOW)
        move_deal(session=s, viewer=Viewer(id=owner), deal_id=deal.id, stage="won", now=NOW,
                  won=WonTerms(contract_no="HT-2026-001", signed_on=signed, payment_terms=terms))
        return deal.id


def instalments(db, deal_id: int) -> list[tuple]:
    with transaction(db) as s:
        rows = s.exec(select(Instalment).where(Instalment.deal_id == deal_id).order_by(Instalment.seq)).all()
        return [(i.seq, i.amount, i.currency, i.due_on, i.received, i.paid_on) for i in rows]


# -- the arithmetic, by hand ----------------------------------------------------------------------

def test_a_split_rounds_each_share_to_the_cent_and_the_last_takes_the_rest():
    # 1,000.01 x 30% = 300.003 -> 300.00; x 60% = 600.006 -> 600.01; the rest 1,000.01 - 900.01 = 100.00
    assert split_amount(Decimal("1000.01"), [Decimal(30), Decimal(60), Decimal(10)]) == [
        Decimal("300.00"), Decimal("600.01"), Decimal("100.00")]
    # thirds of 100: 33.33, 33.33, 33.34
    assert split_amount(Decimal("100.00"), [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]) == [
        Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    planned = plan_from_terms(total=Decimal("100000.00"), terms="30/60/10", first=date(2026, 12, 1), every_days="45")
    assert [(p.amount, p.due_on) for p in planned] == [(Decimal("30000.00"), date(2026, 12, 1)),
                                                       (Decimal("60000.00"), date(2027, 1, 15)),
                                                       (Decimal("10000.00"), date(2027, 3, 1))]
    typed_dates = plan_from_terms(total=Decimal("100000.00"), terms="50 / 50", first=None, dates_text="2027-01-10, 2027-06-30")
    assert [p.due_on for p in typed_dates] == [date(2027, 1, 10), date(2027, 6, 30)]


@pytest.mark.parametrize(("terms", "dates", "every", "keys"), [
    ("30/60/20", "", "30", ["pay_err_terms_sum"]),
    ("30/abc", "", "30", ["pay_err_terms"]),
    ("0/100", "", "30", ["pay_err_terms"]),
    ("/".join(["4"] * 25), "", "30", ["pay_err_count"]),
    ("50/50", "2027-01-10", "30", ["pay_err_dates_count"]),
    ("50/50", "2027-02-30 2027-03-01", "30", ["pay_err_date"]),
    ("50/50", "2027-03-01 2027-02-01", "30", ["pay_err_dates_order"]),
    ("50/50", "", "0", ["pay_err_every"]),
    ("30/60/20", "", "🙂", ["pay_err_terms_sum", "pay_err_every"]),
])
def test_terms_that_cannot_be_read_are_refused_each_for_its_reason(terms, dates, every, keys):
    with pytest.raises(DomainError) as caught:
        plan_from_terms(total=Decimal("100.00"), terms=terms, first=date(2026, 12, 1), every_days=every, dates_text=dates)
    errors = caught.value.errors if isinstance(caught.value, FieldErrors) else [caught.value]
    assert [e.key for e in errors] == keys


def test_by_hand_the_instalments_must_add_up_to_the_deal():
    planned = plan_by_hand(total=Decimal("100000.50"), currency="CNY", text="40000 2026-12-01\n2027-01-01 60,000.50\n")
    assert [(p.amount, p.due_on) for p in planned] == [(Decimal("40000.00"), date(2026, 12, 1)), (Decimal("60000.50"), date(2027, 1, 1))]
    with pytest.raises(DomainError) as caught:
        plan_by_hand(total=Decimal("100000.50"), currency="USD", text="40000 2026-12-01\n60000 2027-01-01")
    assert (caught.value.key, caught.value.params) == ("pay_err_hand_total", {"total": Amount(Decimal("100000.00"), "USD"),
                                                                             "amount": Amount(Decimal("100000.50"), "USD")})
    assert [refusal(loc, caught.value) for loc in ("zh-CN", "en-US")] == [  # as each reader writes dollars
        "各期合计 US$100,000.00，与合同金额 US$100,000.50 不符。", "The instalments add up to $100,000.00, not the deal's $100,000.50."]
    for text, line in (("40000 2026-12-01\n<script> 2027-01-01", 2), ("-5 2026-12-01", 1), ("0 2026-12-01", 1), ("40000", 1)):
        with pytest.raises(DomainError) as caught:
            plan_by_hand(total=Decimal("40000"), currency="CNY", text=text)
        assert (caught.value.key, caught.value.params) == ("pay_err_hand_line", {"line": line})


# -- Slack: the deal list, the schedule modal -----------------------------------------------------

def test_schedule_from_the_deal_list_in_chinese(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = NOW
    galaxy = customer(db, "星河科技", owner=REP, stage="nurturing")
    deal_id = won_deal(db, galaxy.id, owner=REP, amount="100000")
    click_card(bolt, user=REP, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    listing = fake.wait_for("views.open")[0].response["view"]
    won = next(b for b in listing["blocks"] if (b.get("accessory") or {}).get("action_id") == ids.DEAL_PAYMENTS)
    assert (won["text"]["text"], won["accessory"]["value"], won["accessory"]["text"]["text"]) == (
        "*ERP 一期* · ¥100,000.00 · 赢单 · 合同 HT-2026-001", str(deal_id), "回款")

    in_view(bolt, user=REP, view=listing, action_id=ids.DEAL_PAYMENTS, block_id="b", value=str(deal_id))
    schedule = fake.wait_for("views.push")[0].response["view"]
    assert texts(schedule) == [f"💰 *ERP 一期* · ¥100,000.00 · *星河科技*（{galaxy.code}） 的回款计划", "还没有回款计划。"]
    opener = schedule["blocks"][-1]["elements"][0]
    assert (opener["action_id"], opener["text"]["text"], opener["value"]) == (ids.PAY_SCHEDULE_OPEN, "设置回款计划", str(deal_id))

    in_view(bolt, user=REP, view=schedule, action_id=ids.PAY_SCHEDULE_OPEN, block_id=f"pay_deal_{deal_id}", value=str(deal_id))
    form = fake.wait_for("views.push", 2)[1].response["view"]
    assert input_block(form, ids.PAY_TERMS_BLOCK)["element"]["initial_value"] == "30/60/10"  # the deal's payment terms
    assert input_block(form, ids.PAY_FIRST_BLOCK)["element"]["initial_date"] == "2026-11-20"  # its sign date
    assert input_block(form, ids.PAY_EVERY_BLOCK)["element"]["initial_value"] == "30"

    def values(terms, first, every, dates="", hand=""):
        return {ids.PAY_TERMS_BLOCK: {ids.PAY_TERMS: typed(terms)}, ids.PAY_FIRST_BLOCK: {ids.PAY_FIRST: day(first)},
                ids.PAY_EVERY_BLOCK: {ids.PAY_EVERY: typed(every)}, ids.PAY_DATES_BLOCK: {ids.PAY_DATES: typed(dates)},
                ids.PAY_HAND_BLOCK: {ids.PAY_HAND: typed(hand)}}

    status, body, _ = submit(bolt, user=REP, view=form, values=values("30/60/20", date(2026, 12, 1), "三十"))
    assert (status, json.loads(body)["errors"]) == (200, {ids.PAY_TERMS_BLOCK: "各期比例合计是 110%，要正好 100%。",
                                                          ids.PAY_EVERY_BLOCK: "间隔天数要是 1 到 3660 的整数。"})
    status, body, _ = submit(bolt, user=REP, view=form, values=values("30/60/10", date(2026, 12, 1), "30", hand="30000 2026-12-01"))
    assert json.loads(body)["errors"] == {ids.PAY_HAND_BLOCK: "各期合计 ¥30,000.00，与合同金额 ¥100,000.00 不符。"}
    assert instalments(db, deal_id) == []  # nothing half-written

    status, body, _ = submit(bolt, user=REP, view=form, values=values("30/60/10", date(2026, 12, 1), "30"))
    assert (status, json.loads(body)) == (200, {"response_action": "clear"})
    # 12-01, + 30 days = 12-31, + 30 days = 2027-01-30
    assert instalments(db, deal_id) == [
        (1, Decimal("30000.00"), "CNY", date(2026, 12, 1), Decimal("0.00"), None),
        (2, Decimal("60000.00"), "CNY", date(2026, 12, 31), Decimal("0.00"), None),
        (3, Decimal("10000.00"), "CNY", date(2027, 1, 30), Decimal("0.00"), None)]
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ 已为 *ERP 一期*（*星河科技*（{galaxy.code}））设置回款计划，共 3 期：\n"
        "• 第 1 期 · ¥30,000.00 · 2026年12月1日 到期 · 🔴 已逾期 2 天，已收 ¥0.00\n"
        "• 第 2 期 · ¥60,000.00 · 2026年12月31日 到期 · 已收 ¥0.00\n"
        "• 第 3 期 · ¥10,000.00 · 2027年1月30日 到期 · 已收 ¥0.00")
    with transaction(db) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.field == "payment_schedule")).one()
    assert (entry.by, entry.old, entry.new) == (REP, None, "30,000.00 CNY 2026-12-01; 60,000.00 CNY 2026-12-31; 10,000.00 CNY 2027-01-30")


# -- Slack: /crm pay and payments received ---------------------------------------------------------

def _pay_blocks(bolt, fake, text: str, user: str) -> list[dict]:
    fake.reset()
    bolt.command(text, user=user)
    return fake.wait_for("response_url:cmd")[0].params.get("blocks") or []


def _receive(bolt, fake, *, user: str, instalment_id: int) -> dict:
    fake.reset()
    bolt.interact(button(user=user, action_id=ids.PAY_RECEIVE_OPEN, value=str(instalment_id), channel=SALES, ts="1700000000.000100"))
    return fake.wait_for("views.open")[0].response["view"]


def _paid(amount: str, on: date) -> dict:
    return {ids.PAY_AMOUNT_BLOCK: {ids.PAY_AMOUNT: typed(amount)}, ids.PAY_DAY_BLOCK: {ids.PAY_DAY: day(on)}}


def test_by_hand_then_partial_payments_in_english(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = NOW  # 2 Dec 2026, 21:00 in New York
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN, stage="nurturing")
    deal_id = won_deal(db, galaxy.id, owner=REP_EN, amount="100000.50", currency="USD", terms="net 30", title="ERP <phase 1>")
    blocks = _pay_blocks(bolt, fake, "pay Galaxy Tech", REP_EN)
    assert [b.get("text", {}).get("text") for b in blocks[:2]] == [
        f"💰 Payment schedule of *ERP &lt;phase 1&gt;* · $100,000.50 · *Galaxy Tech* ({galaxy.code})", None]
    assert blocks[1]["elements"][0]["text"] == "No payment schedule yet."

    with transaction(db) as s:  # the schedule by hand, as the modal would save it
        set_schedule(session=s, viewer=Viewer(id=REP_EN), deal_id=deal_id, now=NOW,
                     planned=plan_by_hand(total=Decimal("100000.50"), currency="USD", text="40000 2026-12-01\n60000.50 2027-01-01"))
    blocks = _pay_blocks(bolt, fake, "payments Galaxy Tech", REP_EN)
    lines = [b["text"]["text"] for b in blocks if b["type"] == "section"][1:]
    assert lines == ["Instalment 1 · $40,000.00 · due Dec 1, 2026 · 🔴 1 day overdue, $0.00 received",
                     "Instalment 2 · $60,000.50 · due Jan 1, 2027 · $0.00 received"]
    assert blocks[3]["elements"][0]["text"] == "Collected $0.00 of $100,000.50 (0/2 instalments paid)"
    fake.reset()
    bolt.command("pay", user=REP_EN)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == (
        "💰 Your open instalments (soonest due first)\n"
        f"• *Galaxy Tech* ({galaxy.code}) · *ERP &lt;phase 1&gt;* instalment 1 · $40,000.00 outstanding · due Dec 1, 2026 · 🔴 1 day overdue\n"
        f"• *Galaxy Tech* ({galaxy.code}) · *ERP &lt;phase 1&gt;* instalment 2 · $60,000.50 outstanding · due Jan 1, 2027")
    first_id = int(blocks[1]["accessory"]["value"])
    assert blocks[1]["accessory"]["text"]["text"] == "Record payment"

    form = _receive(bolt, fake, user=REP_EN, instalment_id=first_id)
    assert input_block(form, ids.PAY_AMOUNT_BLOCK)["element"]["initial_value"] == "40000.00"
    assert input_block(form, ids.PAY_DAY_BLOCK)["element"]["initial_date"] == "2026-12-02"  # today in New York
    for amount, on, error in (("50000", date(2026, 12, 2), {ids.PAY_AMOUNT_BLOCK: "Only $40,000.00 is outstanding on this instalment: record no more than that."}),
                              ("0", date(2026, 12, 2), {ids.PAY_AMOUNT_BLOCK: "The amount received must be above 0."}),
                              ("15000", date(2026, 12, 3), {ids.PAY_DAY_BLOCK: "The day received cannot be after today."}),
                              ("💵", date(2026, 12, 2), {ids.PAY_AMOUNT_BLOCK: "The amount must be a number, 0 or more."})):
        status, body, _ = submit(bolt, user=REP_EN, view=form, values=_paid(amount, on))
        assert json.loads(body)["errors"] == error
    submit(bolt, user=REP_EN, view=form, values=_paid("15,000", date(2026, 12, 2)))
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ Recorded $15,000.00 received on Dec 2, 2026 for *ERP &lt;phase 1&gt;* (*Galaxy Tech* ({galaxy.code})), "
        "instalment 1. $25,000.00 still outstanding on it.")
    form = _receive(bolt, fake, user=REP_EN, instalment_id=first_id)
    assert input_block(form, ids.PAY_AMOUNT_BLOCK)["element"]["initial_value"] == "25000.00"
    submit(bolt, user=REP_EN, view=form, values=_paid("25000", date(2026, 12, 2)))
    assert fake.wait_for("chat.postEphemeral")[0].params["text"].endswith("instalment 1. This instalment is paid in full.")
    assert instalments(db, deal_id) == [
        (1, Decimal("40000.00"), "USD", date(2026, 12, 1), Decimal("40000.00"), date(2026, 12, 2)),
        (2, Decimal("60000.50"), "USD", date(2027, 1, 1), Decimal("0.00"), None)]
    with transaction(db) as s:
        assert sorted(r.amount for r in s.exec(select(Receipt)).all()) == [Decimal("15000.00"), Decimal("25000.00")]

    blocks = _pay_blocks(bolt, fake, "pay Galaxy Tech", REP_EN)
    assert blocks[1]["text"]["text"] == "Instalment 1 · $40,000.00 · due Dec 1, 2026 · ✅ paid in full Dec 2, 2026"
    assert "accessory" not in blocks[1]
    assert blocks[3]["elements"][0]["text"] == "Collected $40,000.00 of $100,000.50 (1/2 instalments paid)"
    assert not any(b["type"] == "actions" for b in blocks)  # money received: the schedule can no longer be replaced
    fake.reset()
    bolt.command("pay", user=REP_EN)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == (
        "💰 Your open instalments (soonest due first)\n"
        f"• *Galaxy Tech* ({galaxy.code}) · *ERP &lt;phase 1&gt;* instalment 2 · $60,000.50 outstanding · due Jan 1, 2027")


def test_someone_elses_customer_and_unknown_words_are_refused(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(STRANGER, "Asia/Shanghai", "zh-CN")
    bolt.now = NOW
    galaxy = customer(db, "星河科技", owner=REP, stage="nurturing")
    deal_id = won_deal(db, galaxy.id, owner=REP, amount="1000")
    fake.reset()
    bolt.command("pay 星河科技", user=STRANGER)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == f"只有负责人 <@{REP}>、其团队成员、其经理或管理员可以查看这个客户。"
    fake.reset()
    bolt.command("回款 <b>不存在的客户</b>", user=REP)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == "找不到客户“b不存在的客户/b”：请写客户的全名或编号（如 C202611001）。"
    fake.reset()
    bolt.interact(button(user=STRANGER, action_id=ids.PAY_SCHEDULE_OPEN, value=str(deal_id), channel=SALES, ts="1700000000.000100"))
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == f"只有负责人 <@{REP}>、其团队成员、其经理或管理员可以查看这个客户。"
    assert fake.calls_to("views.open") == []
    fake.reset()
    bolt.interact(button(user=REP, action_id=ids.PAY_RECEIVE_OPEN, value="99999", channel=SALES, ts="1700000000.000100"))
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == "找不到这一期回款。"
    with transaction(db) as s:
        assert s.exec(select(NextAction).where(NextAction.origin.like("payment:%"))).all() == []


@pytest.mark.parametrize(("user", "locale", "more"), [(REP, "zh-CN", "……还有 1 个赢单商机没有列出：在客户卡片的“商机”里查看。"),
                                                     (REP_EN, "en-US", "…and 1 more won deal: see it under the card's Deal button.")])
def test_two_deals_of_24_instalments_stay_within_a_messages_50_blocks(bolt, fake, db, remember, user, locale, more):
    remember(user, "Asia/Shanghai", locale)
    bolt.now = NOW
    galaxy = customer(db, "星河科技", owner=user, stage="nurturing")
    long_title = "年度框架合同🙂" * 20  # 140 characters
    for n in range(2):
        deal_id = won_deal(db, galaxy.id, owner=user, amount="2400", title=f"{long_title}{n}")
        with transaction(db) as s:
            set_schedule(session=s, viewer=Viewer(id=user), deal_id=deal_id, now=NOW,
                         planned=plan_by_hand(total=Decimal("2400"), currency="CNY", text="\n".join(f"100 2027-01-{d:02d}" for d in range(1, 25))))
    blocks = _pay_blocks(bolt, fake, "pay 星河科技", user)  # the fake refuses a message past Block Kit's limits
    assert len(blocks) == 28  # 1 + 24 + 2 of the first deal; the second (27 more) does not fit
    assert blocks[-1]["elements"][0]["text"] == more


@pytest.mark.parametrize(("user", "locale", "deal_line", "card_deals", "history"), [
    (REP, "zh-CN", "*ERP 一期* · ¥100,000.00 · 赢单 · 合同 HT-2026-001 · 已回款 ¥40,000.00 / ¥100,000.00（0/1 期收齐）",
     "*商机*\n• ERP 一期 · ¥100,000.00 · 赢单 · 已回款 ¥40,000.00 / ¥100,000.00（0/1 期收齐）",
     ["商机 · 第 1 期已收：0.00 CNY → 40,000.00 CNY (2026-12-03)", "商机 · 回款计划：— → 100,000.00 CNY 2026-12-20"]),
    (REP_EN, "en-US", "*ERP 一期* · CN¥100,000.00 · Won · contract HT-2026-001 · Collected CN¥40,000.00 of CN¥100,000.00 (0/1 instalment paid)",
     "*Deals*\n• ERP 一期 · CN¥100,000.00 · Won · Collected CN¥40,000.00 of CN¥100,000.00 (0/1 instalment paid)",
     ["deal · received on instalment 1: 0.00 CNY → 40,000.00 CNY (2026-12-03)", "deal · payment schedule: — → 100,000.00 CNY 2026-12-20"])])
def test_the_deal_list_and_the_card_say_what_is_collected(bolt, fake, db, remember, user, locale, deal_line, card_deals, history):
    """One instalment of 100,000 yuan, 40,000 received: the deal list and the card, as each reader writes yuan."""
    remember(user, "Asia/Shanghai", locale)
    bolt.now = NOW
    galaxy = customer(db, "星河科技", owner=user, stage="nurturing")
    deal_id = won_deal(db, galaxy.id, owner=user, amount="100000", terms="100")
    with transaction(db) as s:
        [made] = set_schedule(session=s, viewer=Viewer(id=user), deal_id=deal_id, now=NOW,
                              planned=plan_from_terms(total=Decimal("100000"), terms="100", first=date(2026, 12, 20)))
        record_receipt(session=s, viewer=Viewer(id=user), instalment_id=made.id, amount="40000", received_on=date(2026, 12, 3),
                       today=date(2026, 12, 3), now=NOW)
    click_card(bolt, user=user, action_id=ids.CARD_DEAL, customer_id=galaxy.id)
    listing = fake.wait_for("views.open")[0].response["view"]
    assert next(b for b in listing["blocks"] if (b.get("accessory") or {}).get("action_id") == ids.DEAL_PAYMENTS)["text"]["text"] == deal_line
    fake.reset()
    bolt.command("show 星河科技", user=user)
    card = texts(fake.wait_for("response_url:cmd")[0].params)
    assert card_deals in card
    changes = next(x for x in card if x.startswith(("*最近变更*", "*Latest changes*"))).split("\n")[1:]
    assert [line.split(" · ", 2)[2] for line in changes if " · 商机 · " in line or " · deal · " in line][:2] == history  # the fields
    # by name; the audit's values stay plain
