"""What a payment schedule looks like in Slack: the list of a won deal's instalments (with Record
payment and Set payment schedule buttons), the schedule modal and the receipt modal."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from handlers import ids
from handlers.blocks import context as context_block, datepicker, escape, fmt_date, input_block, modal, plain, section, text_input
from handlers.context import Profile
from handlers.i18n import t
from handlers.numbers import money
from handlers.words import collected_text
from handlers.refs import customer_ref
from store.crm_models import Deal
from store.models import Customer
from store.money_models import Instalment
from store.payments import EVERY_DAYS, MAX_INSTALMENTS, percents_of
from store.errors import DomainError

TERMS_MAX, DATES_MAX, HAND_MAX, AMOUNT_MAX = 100, 600, 1200, 24


def deal_header(loc: str, deal: Deal, customer: Customer) -> str:
    return t(loc, "pay_deal_header", title=escape(deal.title), amount=money(deal.amount, deal.currency, loc),
             customer=customer_ref(loc, customer))


def instalment_state(profile: Profile, i: Instalment, today: date) -> str:
    loc = profile.locale
    if i.paid_on is not None:
        return t(loc, "pay_state_paid", day=fmt_date(i.paid_on, profile))
    if i.due_on < today:
        return t(loc, "pay_state_overdue", count=(today - i.due_on).days, received=money(i.received, i.currency, loc))
    return t(loc, "pay_state_open", received=money(i.received, i.currency, loc))


def instalment_line(profile: Profile, i: Instalment, today: date) -> str:
    return t(profile.locale, "pay_line", seq=i.seq, amount=money(i.amount, i.currency, profile.locale),
             day=fmt_date(i.due_on, profile), state=instalment_state(profile, i, today))


def collected_line(loc: str, instalments: list[Instalment]) -> str:
    received = sum((i.received for i in instalments), Decimal("0.00"))
    scheduled = sum((i.amount for i in instalments), Decimal("0.00"))
    return collected_text(loc, received=received, scheduled=scheduled, currency=instalments[0].currency,
                          paid=sum(i.paid_on is not None for i in instalments), count=len(instalments))


def button(action_id: str, label: str, value: str, *, primary: bool = False) -> dict:
    b = {"type": "button", "action_id": action_id, "text": plain(label), "value": value}
    if primary:
        b["style"] = "primary"
    return b


def schedule_blocks(profile: Profile, deal: Deal, customer: Customer, instalments: list[Instalment], *, today: date,
                    editable: bool) -> list[dict]:
    """At most MAX_INSTALMENTS + 3 blocks: the deal, one line per instalment (unpaid ones with Record
    payment), what is collected, and Set payment schedule while nothing was received."""
    loc = profile.locale
    blocks = [section(deal_header(loc, deal, customer))]
    for i in instalments:
        block = section(instalment_line(profile, i, today))
        if editable and i.paid_on is None:
            block["accessory"] = button(ids.PAY_RECEIVE_OPEN, t(loc, "pay_btn_receive"), str(i.id))
        blocks.append(block)
    blocks.append(context_block(collected_line(loc, instalments) if instalments else t(loc, "pay_none")))
    if editable and not any(i.received > 0 for i in instalments):
        blocks.append({"type": "actions", "block_id": f"pay_deal_{deal.id}",
                       "elements": [button(ids.PAY_SCHEDULE_OPEN, t(loc, "pay_btn_schedule"), str(deal.id), primary=not instalments)]})
    return blocks


def list_view(profile: Profile, blocks: list[dict], meta: dict) -> dict:
    return modal(callback_id=ids.PAY_LIST_VIEW, title=t(profile.locale, "pay_schedule_title"), blocks=blocks, metadata=meta,
                 close=t(profile.locale, "lc_close"))


def _initial_terms(deal: Deal) -> str:
    """The deal's payment terms when they read as a split (30/60/10), else nothing."""
    try:
        percents_of(deal.payment_terms or "")
    except DomainError:
        return ""
    return (deal.payment_terms or "").strip()


def schedule_view(profile: Profile, deal: Deal, customer: Customer, meta: dict) -> dict:
    loc = profile.locale
    blocks = [
        section(deal_header(loc, deal, customer)),
        input_block(ids.PAY_TERMS_BLOCK, t(loc, "pay_f_terms"), text_input(ids.PAY_TERMS, limit=TERMS_MAX, initial=_initial_terms(deal),
                    placeholder="30/60/10"), optional=True, hint=t(loc, "pay_f_terms_hint")),
        input_block(ids.PAY_FIRST_BLOCK, t(loc, "pay_f_first"), datepicker(ids.PAY_FIRST, initial=deal.signed_on), optional=True),
        input_block(ids.PAY_EVERY_BLOCK, t(loc, "pay_f_every"), text_input(ids.PAY_EVERY, limit=4, initial=str(EVERY_DAYS)),
                    optional=True, hint=t(loc, "pay_f_every_hint")),
        input_block(ids.PAY_DATES_BLOCK, t(loc, "pay_f_dates"), text_input(ids.PAY_DATES, limit=DATES_MAX, multiline=True,
                    placeholder="2026-12-01 2027-01-15 2027-03-01"), optional=True, hint=t(loc, "pay_f_dates_hint")),
        input_block(ids.PAY_HAND_BLOCK, t(loc, "pay_f_hand"), text_input(ids.PAY_HAND, limit=HAND_MAX, multiline=True,
                    placeholder="30000 2026-12-01"), optional=True, hint=t(loc, "pay_f_hand_hint")),
    ]
    return modal(callback_id=ids.PAY_SCHEDULE_VIEW, title=t(loc, "pay_schedule_title"), blocks=blocks, metadata=meta,
                 submit=t(loc, "save"), close=t(loc, "cancel"))


def receive_view(profile: Profile, deal: Deal, customer: Customer, instalment: Instalment, *, today: date, meta: dict) -> dict:
    loc = profile.locale
    outstanding = instalment.amount - instalment.received
    blocks = [
        section(deal_header(loc, deal, customer)),
        context_block(instalment_line(profile, instalment, today)),
        input_block(ids.PAY_AMOUNT_BLOCK, t(loc, "pay_f_amount") + f" ({instalment.currency})",
                    text_input(ids.PAY_AMOUNT, limit=AMOUNT_MAX, initial=format(outstanding, "f"))),
        input_block(ids.PAY_DAY_BLOCK, t(loc, "pay_f_day"), datepicker(ids.PAY_DAY, initial=today)),
    ]
    return modal(callback_id=ids.PAY_RECEIVE_VIEW, title=t(loc, "pay_receive_title"), blocks=blocks, metadata=meta,
                 submit=t(loc, "save"), close=t(loc, "cancel"))


__all__ = ["MAX_INSTALMENTS", "collected_line", "deal_header", "instalment_line", "list_view", "receive_view", "schedule_blocks", "schedule_view"]
