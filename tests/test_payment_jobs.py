"""Money after signing through the scheduler's tick at stated instants: an instalment falling due
becomes the owner's next action, an overdue one alerts the owner and, CRM_MONEY_DAYS' escalate days
later, their manager (or the admins); a renewal's next action 60 days ahead. Defaults as the README
states them: ahead=3, escalate=7, renewal=60."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.mini_languages import money_days_of
from bot.settings import SettingsError, load_settings
from handlers import ids
from handlers.delivery.jobs import tick
from store.db import transaction
from store.deals import WonTerms, create_deal, move_deal
from store.models import NextAction, Outbox
from store.payment_jobs import MoneyDays
from store.payments import plan_from_terms, record_receipt, schedule_of, set_schedule
from store.permissions import Viewer
from store.users import set_manager, set_role
from tests.conftest import BOSS, REP, REP_EN
from tests.record_flows import customer, texts
from tests.test_home import open_home, published, texts as home_texts

UTC = timezone.utc
ADMIN_EN = "U0ADMINEN7"


def _at(day: date, hour: int = 1) -> datetime:
    """`hour` UTC on `day`: 01:00 UTC is 09:00 in Shanghai."""
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _tick(bolt, now):
    return tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=now)


def _won(db, owner: str, name: str, *, amount: str = "100000", currency: str = "CNY", renewal: date | None = None,
         terms: str | None = "30/60/10", first: date = date(2026, 12, 10)) -> tuple[int, int, str]:
    made = customer(db, name, owner=owner, stage="nurturing")
    at = _at(date(2026, 11, 20))
    with transaction(db) as s:
        deal = create_deal(session=s, viewer=Viewer(id=owner), customer_id=made.id, title="ERP 一期", amount=amount, currency=currency,
                           stage="negotiation", now=at)
        move_deal(session=s, viewer=Viewer(id=owner), deal_id=deal.id, stage="won", now=at,
                  won=WonTerms(contract_no="HT-1", signed_on=date(2026, 11, 20), renewal_on=renewal))
        if terms:
            set_schedule(session=s, viewer=Viewer(id=owner), deal_id=deal.id, now=at,
                         planned=plan_from_terms(total=deal.amount, terms=terms, first=first))
        return made.id, deal.id, made.code


def _payment_actions(db) -> list[tuple]:
    """Each instalment's next action: owner, stored kind, params and zh-CN title, due, status."""
    with transaction(db) as s:
        rows = s.exec(select(NextAction).where(NextAction.origin.like("payment:%")).order_by(NextAction.id)).all()
        return [(a.owner_id, a.kind, a.params, a.title, a.due_at, a.status) for a in rows]


def _texts(params: dict) -> list[str]:
    out = []
    for b in params["blocks"]:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out += [e["text"] for e in b["elements"]]
    return out


def test_due_then_overdue_then_the_manager_in_chinese(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
    customer_id, deal_id, code = _won(db, REP, "星河科技")  # 30,000 due 12-10, 60,000 due 2027-01-09, 10,000 due 2027-02-08

    assert _tick(bolt, _at(date(2026, 12, 6))).actions_created == 0  # 12-10 is 4 days away: more than ahead=3
    assert _payment_actions(db) == []
    assert _tick(bolt, _at(date(2026, 12, 7))).actions_created == 1  # 3 days before
    assert _tick(bolt, _at(date(2026, 12, 7), 2)).actions_created == 0  # once
    assert _payment_actions(db) == [(REP, "payment_due", {"deal": "ERP 一期", "seq": 1, "amount": "30000.00", "currency": "CNY"},
                                     "回款：ERP 一期 第 1 期", _at(date(2026, 12, 10)), "open")]  # 09:00 Shanghai on the due date
    fake.reset()
    due = _tick(bolt, _at(date(2026, 12, 10)))
    assert (due.queued, due.money_queued) == (1, 0)  # the next action falls due; not overdue yet
    dm = fake.wait_for("chat.postMessage")[0].params
    assert _texts(dm)[1] == f"*回款：ERP 一期 第 1 期 ¥30,000.00*\n*客户：* 星河科技（`{code}`）\n*截止：* 2026年12月10日周四 09:00"
    assert "Payment" not in str(dm)  # one language

    fake.reset()
    late = _tick(bolt, _at(date(2026, 12, 11)))  # the day after: overdue
    assert (late.money_queued, late.sent) == (1, 1)
    alert = fake.wait_for("chat.postMessage")[0].params
    assert _texts(alert) == [f"🔴 回款逾期：*星河科技*（{code}） · *ERP 一期* 第 1 期 ¥30,000.00，2026年12月10日 到期，尚欠 ¥30,000.00。",
                             "已回款 ¥0.00 / ¥100,000.00（0/3 期收齐）"]
    button = next(b for b in alert["blocks"] if b["type"] == "actions")["elements"][0]
    assert (button["action_id"], button["text"]["text"]) == (ids.PAY_RECEIVE_OPEN, "登记收款")
    assert _tick(bolt, _at(date(2026, 12, 12))).money_queued == 0  # once

    with transaction(db) as s:  # 10,000 of it arrives
        record_receipt(session=s, viewer=Viewer(id=REP), instalment_id=int(button["value"]), amount="10000",
                       received_on=date(2026, 12, 12), today=date(2026, 12, 12), now=_at(date(2026, 12, 12)))
    assert _tick(bolt, _at(date(2026, 12, 16))).money_queued == 0  # 6 days overdue: not yet the manager
    fake.reset()
    escalated = _tick(bolt, _at(date(2026, 12, 17)))  # 7 days
    assert escalated.money_queued == 1
    with transaction(db) as s:
        row = s.exec(select(Outbox).where(Outbox.kind == "payment_escalate")).one()
    assert row.recipient == BOSS
    assert _texts(fake.wait_for("chat.postMessage")[0].params) == [
        f"⚠️ <@{REP}> 的回款已逾期 7 天：*星河科技*（{code}） · *ERP 一期* 第 1 期，2026年12月10日 到期，尚欠 ¥20,000.00。",
        "已回款 ¥10,000.00 / ¥100,000.00（0/3 期收齐）"]
    assert _tick(bolt, _at(date(2026, 12, 18))).money_queued == 0

    with transaction(db) as s:  # the rest: the instalment is paid, its next action done
        record_receipt(session=s, viewer=Viewer(id=REP), instalment_id=int(button["value"]), amount="20000",
                       received_on=date(2026, 12, 18), today=date(2026, 12, 18), now=_at(date(2026, 12, 18)))
    assert [a[5] for a in _payment_actions(db)] == ["done"]


def test_paid_before_its_due_date_nothing_is_sent_and_without_a_manager_the_admins_hear_in_english(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    remember(ADMIN_EN, "Europe/London", "en-GB")
    with transaction(db) as s:
        set_role(session=s, user_id=ADMIN_EN, role="admin")
    _, paid_deal, _ = _won(db, REP_EN, "Paid Co", terms="100", first=date(2026, 12, 10))
    _, _, code = _won(db, REP_EN, "Galaxy Tech", amount="5000.50", currency="USD", terms="50/50", first=date(2026, 12, 1))
    with transaction(db) as s:
        instalment = schedule_of(session=s, deal_id=paid_deal)[0]
        record_receipt(session=s, viewer=Viewer(id=REP_EN), instalment_id=instalment.id, amount="100000", received_on=date(2026, 12, 5),
                       today=date(2026, 12, 5), now=_at(date(2026, 12, 5)))
    bolt.defaults = replace(bolt.defaults, money=MoneyDays(ahead=0, escalate=2, renewal=60))
    fake.reset()
    report = _tick(bolt, _at(date(2026, 12, 3), 15))  # 3 Dec: Galaxy's 2,500.25 due 1 Dec is 2 days late
    assert report.money_queued == 2  # the owner, and (no manager) the admin
    with transaction(db) as s:
        rows = s.exec(select(Outbox.kind, Outbox.recipient).where(Outbox.kind.like("payment_%")).order_by(Outbox.kind)).all()
    assert rows == [("payment_escalate", ADMIN_EN), ("payment_overdue", REP_EN)]
    by_channel = {c.params["channel"]: _texts(c.params) for c in fake.wait_for("chat.postMessage", 2)}
    # the rep's message carries two alerts (the payment's next action, due on 1 Dec, and the overdue one)
    assert sorted(texts[0] for texts in by_channel.values())[1] == "🔔 You have 2 alerts:"
    assert by_channel[REP_EN][3:] == ["*⏰ Next action due*",  # the instalment's next action in English only, the dollars as en-US writes them
                                      f"*Payment due: ERP 一期, instalment 1, $2,500.25*\n*Customer:* Galaxy Tech (`{code}`)\n*Due:* Mon, Nov 30, 2026, 8:00\u202fPM"]
    assert by_channel[ADMIN_EN][1] == "Collected US$0.00 of US$5,000.50 (0/2 instalments paid)"
    said = sorted(text for texts in by_channel.values() for text in texts if text.startswith(("⚠️", "🔴")))
    assert said == [  # en-GB writes US dollars US$, en-US $
        f"⚠️ <@{REP_EN}>'s payment is 2 days overdue: *Galaxy Tech* ({code}) · *ERP 一期* instalment 1, due 1 Dec 2026, US$2,500.25 outstanding.",
        f"🔴 Payment overdue: *Galaxy Tech* ({code}) · *ERP 一期* instalment 1, $2,500.25 due Dec 1, 2026, $2,500.25 outstanding."]
    assert [a[1:4] for a in _payment_actions(db)] == [
        ("payment_due", {"deal": "ERP 一期", "seq": 1, "amount": "2500.25", "currency": "USD"}, "回款：ERP 一期 第 1 期")]
    assert _tick(bolt, _at(date(2026, 12, 20))).money_queued == 0  # Paid Co: paid on 5 Dec, never overdue


@pytest.mark.parametrize(("owner", "tz", "locale", "said"), [
    (REP, "Asia/Shanghai", "zh-CN", "*续约提醒：ERP 一期（2027年2月1日 到期续约）*\n*客户：* 星河科技（`{code}`）\n*截止：* 2026年12月3日周四 09:00"),
    (REP_EN, "Asia/Shanghai", "en-US", "*Renewal: ERP 一期 renews Feb 1, 2027*\n*Customer:* 星河科技 (`{code}`)\n*Due:* Thu, Dec 3, 2026, 9:00\u202fAM")])
def test_a_renewal_gets_its_next_action_60_days_before(bolt, fake, db, remember, owner, tz, locale, said):
    remember(owner, tz, locale)
    customer_id, deal_id, code = _won(db, owner, "星河科技", renewal=date(2027, 2, 1), terms=None)
    assert _tick(bolt, _at(date(2026, 12, 2))).actions_created == 0  # 61 days before
    fake.reset()
    assert _tick(bolt, _at(date(2026, 12, 3))).actions_created == 1  # 60 days before: 2026-12-03 09:00 Shanghai
    assert _texts(fake.wait_for("chat.postMessage")[0].params)[1] == said.format(code=code)  # due at once: one language
    assert _tick(bolt, _at(date(2026, 12, 4))).actions_created == 0
    with transaction(db) as s:
        action = s.exec(select(NextAction).where(NextAction.origin == f"renewal:{deal_id}")).one()
    assert (action.owner_id, action.kind, action.params, action.title, action.due_at, action.customer_id) == (
        owner, "renewal", {"deal": "ERP 一期", "day": "2027-02-01"}, "续约提醒：ERP 一期（2027-02-01 到期续约）", _at(date(2026, 12, 3)),
        customer_id)


@pytest.mark.parametrize(("text", "days"), [("", MoneyDays(3, 7, 60)), ("escalate=14", MoneyDays(3, 14, 60)),
                                            ("ahead=0,renewal=90", MoneyDays(0, 7, 90))])
def test_crm_money_days_reads_its_numbers(text, days):
    assert money_days_of(text) == days


@pytest.mark.parametrize("value", ["escalate=0", "renewal=-1", "soon=3", "ahead=many", "escalate=99999"])
def test_a_wrong_crm_money_days_stops_the_bot_with_its_sentence(monkeypatch, value):
    monkeypatch.setenv("CRM_MONEY_DAYS", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == (f"CRM_MONEY_DAYS: {value!r} should be ahead=0..3660, escalate=1..3660 or renewal=1..3660")


def test_amounts_are_exact_decimals():
    assert plan_from_terms(total=Decimal("5000.50"), terms="50/50", first=date(2026, 12, 1))[0].amount == Decimal("2500.25")


@pytest.mark.parametrize(("owner", "locale", "home_line", "card_line"), [
    (REP, "zh-CN", "回款：ERP 一期 第 1 期 ¥30,000.00 · *星河科技*（{code}）\n截止 2026年12月10日周四 09:00",
     "*待办行动*\n• 回款：ERP 一期 第 1 期 ¥30,000.00 · 2026年12月10日周四 09:00 · <@{owner}>"),
    (REP_EN, "en-US", "Payment due: ERP 一期, instalment 1, CN¥30,000.00 · *星河科技* ({code})\nDue Thu, Dec 10, 2026, 9:00\u202fAM",
     "*Open next actions*\n• Payment due: ERP 一期, instalment 1, CN¥30,000.00 · Thu, Dec 10, 2026, 9:00\u202fAM · <@{owner}>")])
def test_an_instalments_action_on_the_home_tab_and_the_card_in_one_language(bolt, fake, db, remember, owner, locale, home_line, card_line):
    remember(owner, "Asia/Shanghai", locale)
    _, _, code = _won(db, owner, "星河科技")
    assert _tick(bolt, _at(date(2026, 12, 7))).actions_created == 1  # 30,000 due 12-10
    bolt.now = _at(date(2026, 12, 7), 2)
    fake.reset()
    assert open_home(bolt, owner) == 200
    assert home_line.format(code=code) in home_texts(published(fake)["view"]["blocks"])
    fake.reset()
    bolt.command("show 星河科技", user=owner)
    assert card_line.format(owner=owner) in texts(fake.wait_for("response_url:cmd")[0].params)
