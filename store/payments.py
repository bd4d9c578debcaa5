"""A won deal's payment schedule (回款计划) and the money received against it.

How a schedule is made (the README's "Money after signing" says the same):

    terms      "30/60/10": percentages of the deal's amount, separated by "/", each above 0, adding
               up to exactly 100, at most MAX_INSTALMENTS parts. Each instalment's amount is its
               share rounded half-up to the cent; the last one takes what is left, so the
               instalments add up to the deal's amount to the cent.
    due dates  either a first due date and a spacing: instalment k (from 1) is due on
               first + (k - 1) x every_days (default 30 days apart), or a typed list of dates
               (YYYY-MM-DD, separated by spaces, commas or new lines), one per part, in order.
    by hand    one line per instalment: "<amount> <YYYY-MM-DD>", adding up to the deal's amount.

Every instalment is in the deal's currency. A schedule can be replaced until money has been
received against it. A receipt (amount and day, partial payments allowed) may not exceed what
is still outstanding on its instalment, nor be dated after `today`; the instalment is paid on
the day its receipts reach its amount, which also closes its "payment due" next action.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func
from sqlmodel import Session, select

from store import audit
from store.auto_actions import close_pending
from store.crm_models import Deal
from store.errors import Amount, Checker, DomainError
from store.models import Customer
from store.money_models import Instalment, Receipt
from store.permissions import Viewer, can_edit, can_read, require
from store.profile import money
from store.db import get_for_update

MAX_INSTALMENTS = 24
EVERY_DAYS = 30
EVERY_MAX = 3660
CENT = Decimal("0.01")
_SEP = re.compile(r"\s*[/／]\s*")
_DATE_SEP = re.compile(r"[\s,，、;；]+")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def payment_origin(instalment_id: int) -> str:
    """The origin of an instalment's "payment due" next action."""
    return f"payment:{instalment_id}"


@dataclass(frozen=True)
class Planned:
    amount: Decimal
    due_on: date


# -- reading what was typed -----------------------------------------------------------------------

def percents_of(text: str) -> list[Decimal]:
    """"30/60/10" -> [30, 60, 10]; DomainError(field="terms") for anything else."""
    parts = [p for p in _SEP.split((text or "").strip()) if p != ""]
    if not parts or any(not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", p) for p in parts):
        raise DomainError("pay_err_terms", field="terms")
    if len(parts) > MAX_INSTALMENTS:
        raise DomainError("pay_err_count", field="terms", limit=MAX_INSTALMENTS)
    percents = [Decimal(p) for p in parts]
    if any(p <= 0 for p in percents):
        raise DomainError("pay_err_terms", field="terms")
    if sum(percents) != 100:
        raise DomainError("pay_err_terms_sum", field="terms", total=f"{sum(percents):g}")
    return percents


def split_amount(total: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """Each share rounded half-up to the cent, the last one the rest: they add up to `total`."""
    shares = [(total * p / 100).quantize(CENT, rounding=ROUND_HALF_UP) for p in percents[:-1]]
    return shares + [total - sum(shares, Decimal("0.00"))]


def spaced(first: date, every_days: int, count: int) -> list[date]:
    return [first + timedelta(days=every_days * k) for k in range(count)]


def _day(text: str, *, field: str, **params) -> date:
    if not _DAY.match(text):
        raise DomainError("pay_err_date", field=field, text=text[:20], **params)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("pay_err_date", field=field, text=text[:20], **params) from None


def dates_of(text: str) -> list[date]:
    """A typed list of due dates, in order (each on or after the one before)."""
    days = [_day(word, field="dates") for word in _DATE_SEP.split((text or "").strip()) if word]
    if any(b < a for a, b in zip(days, days[1:])):
        raise DomainError("pay_err_dates_order", field="dates")
    return days


def every_of(text: str | int | None) -> int:
    """Days between due dates: a whole number from 1 to EVERY_MAX (empty: EVERY_DAYS)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return EVERY_DAYS
    value = str(text).strip()
    if not value.isdigit() or not 1 <= int(value) <= EVERY_MAX:
        raise DomainError("pay_err_every", field="every", limit=EVERY_MAX)
    return int(value)


def plan_from_terms(*, total: Decimal, terms: str, first: date | None, every_days: str | int | None = None,
                    dates_text: str = "") -> list[Planned]:
    """The instalments of `terms` (see the module's docstring); every problem at once."""
    c = Checker()
    percents = c.check(percents_of, terms)
    listed = bool((dates_text or "").strip())
    typed = c.check(dates_of, dates_text) if listed else None
    every = EVERY_DAYS if listed else c.check(every_of, every_days)
    if not listed and first is None:
        c.fail("pay_err_first", field="first")
    c.done()
    if typed is not None and len(typed) != len(percents):
        c.fail("pay_err_dates_count", field="dates", dates=len(typed), count=len(percents))
        c.done()
    days = typed if typed is not None else spaced(first, every, len(percents))
    return [Planned(a, d) for a, d in zip(split_amount(total, percents), days)]


def plan_by_hand(*, total: Decimal, currency: str, text: str) -> list[Planned]:
    """Lines "<amount> <YYYY-MM-DD>" (amount first or second), adding up to `total` (in `currency`)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise DomainError("pay_err_hand_empty", field="hand")
    if len(lines) > MAX_INSTALMENTS:
        raise DomainError("pay_err_count", field="hand", limit=MAX_INSTALMENTS)
    planned = []
    for n, line in enumerate(lines, start=1):
        words = line.split()
        day_words = [w for w in words if _DAY.match(w)]
        amount_words = [w for w in words if not _DAY.match(w)]
        if len(words) != 2 or len(day_words) != 1:
            raise DomainError("pay_err_hand_line", field="hand", line=n)
        try:
            amount = money(amount_words[0], field="hand")
        except DomainError:
            raise DomainError("pay_err_hand_line", field="hand", line=n) from None
        if not amount:
            raise DomainError("pay_err_hand_line", field="hand", line=n)
        planned.append(Planned(amount, _day(day_words[0], field="hand")))
    if any(b.due_on < a.due_on for a, b in zip(planned, planned[1:])):
        raise DomainError("pay_err_dates_order", field="hand")
    scheduled = sum((p.amount for p in planned), Decimal("0.00"))
    if scheduled != total:
        raise DomainError("pay_err_hand_total", field="hand", total=Amount(scheduled, currency), amount=Amount(total, currency))
    return planned


# -- writing ------------------------------------------------------------------------------------

def _won_deal(session: Session, viewer: Viewer, deal_id: int | None, *, edit: bool = True) -> tuple[Deal, Customer]:
    deal = session.get(Deal, deal_id, with_for_update=edit) if deal_id is not None else None
    customer = session.get(Customer, deal.customer_id) if deal is not None else None
    if deal is None or customer is None:
        raise DomainError("err_unknown_deal")
    require((can_edit if edit else can_read)(viewer, customer), viewer=viewer, customer=customer,
            action="edit" if edit else "read")
    if deal.stage != "won":
        raise DomainError("pay_err_not_won")
    return deal, customer


def schedule_text(planned: list[Planned] | list[Instalment], currency: str) -> str:
    """"30,000.00 CNY 2026-12-01; ..." (the audit log's words for a schedule)."""
    return "; ".join(f"{p.amount:,.2f} {currency} {p.due_on.isoformat()}" for p in planned)


def set_schedule(*, session: Session, viewer: Viewer, deal_id: int, planned: list[Planned], now: datetime) -> list[Instalment]:
    """Replace the won deal's schedule by `planned` (refused once money was received against it)."""
    deal, customer = _won_deal(session, viewer, deal_id)
    old = schedule_of(session=session, deal_id=deal.id)
    if any(i.received > 0 for i in old):
        raise DomainError("pay_err_has_receipts")
    if not planned or len(planned) > MAX_INSTALMENTS:
        raise DomainError("pay_err_count", field="terms", limit=MAX_INSTALMENTS)
    if old:
        close_pending(session, customer_id=customer.id, origins=tuple(payment_origin(i.id) for i in old), by=viewer.id,
                      now=now, status="cancelled")
        session.execute(delete(Instalment).where(Instalment.deal_id == deal.id))
        session.flush()
    made = [Instalment(deal_id=deal.id, customer_id=customer.id, seq=n, amount=p.amount, currency=deal.currency,
                       due_on=p.due_on, created_by=viewer.id, created_at=now, updated_at=now)
            for n, p in enumerate(planned, start=1)]
    session.add_all(made)
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="deal", entity_id=deal.id,
                 field="payment_schedule", old=schedule_text(old, deal.currency) or None,
                 new=schedule_text(planned, deal.currency))
    session.flush()
    return made


def record_receipt(*, session: Session, viewer: Viewer, instalment_id: int | None, amount: object, received_on: date | None,
                   today: date, now: datetime) -> Instalment:
    """Money received against an instalment (partial allowed); DomainError for what cannot be."""
    c = Checker()
    value = c.check(money, amount, field="amount")
    if value is not None and value <= 0 or amount in (None, ""):
        c.fail("pay_err_amount", field="amount")
    if received_on is None:
        c.fail("err_required", field="received_on")
    elif received_on > today:
        c.fail("pay_err_future_day", field="received_on")
    c.done()
    instalment = get_for_update(session, Instalment, instalment_id) if instalment_id is not None else None
    if instalment is None:
        raise DomainError("pay_err_unknown_instalment")
    deal, customer = _won_deal(session, viewer, instalment.deal_id)
    outstanding = instalment.amount - instalment.received
    if value > outstanding:
        raise DomainError("pay_err_overpaid", field="amount", outstanding=Amount(outstanding, instalment.currency))
    session.add(Receipt(instalment_id=instalment.id, amount=value, received_on=received_on, by=viewer.id, at=now))
    before = instalment.received
    instalment.received = before + value
    if instalment.received == instalment.amount:
        instalment.paid_on = received_on
        close_pending(session, customer_id=customer.id, origins=(payment_origin(instalment.id),), by=viewer.id, now=now)
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="deal", entity_id=deal.id,
                 field=f"instalment_{instalment.seq}_received", old=f"{before:,.2f} {instalment.currency}",
                 new=f"{instalment.received:,.2f} {instalment.currency} ({received_on.isoformat()})")
    audit.stamp(instalment, now)
    session.add(instalment)
    session.flush()
    return instalment


# -- reading ------------------------------------------------------------------------------------

def schedule_of(*, session: Session, deal_id: int) -> list[Instalment]:
    return list(session.exec(select(Instalment).where(Instalment.deal_id == deal_id).order_by(Instalment.seq)))


def readable_schedule(*, session: Session, viewer: Viewer, deal_id: int | None) -> tuple[Deal, Customer, list[Instalment]]:
    deal, customer = _won_deal(session, viewer, deal_id, edit=False)
    return deal, customer, schedule_of(session=session, deal_id=deal.id)


@dataclass(frozen=True)
class Collected:
    scheduled: Decimal
    received: Decimal
    instalments: int
    paid: int


def collected_by_deal(*, session: Session, deal_ids: list[int]) -> dict[int, Collected]:
    """Per deal with a schedule: scheduled and received amounts, instalments and how many are paid (one GROUP BY)."""
    if not deal_ids:
        return {}
    stmt = (select(Instalment.deal_id, func.sum(Instalment.amount), func.sum(Instalment.received), func.count(),
                   func.count(Instalment.paid_on))
            .where(Instalment.deal_id.in_(deal_ids)).group_by(Instalment.deal_id))
    return {d: Collected(Decimal(s), Decimal(r), n, p) for d, s, r, n, p in session.exec(stmt).all()}


def instalment_with_deal(*, session: Session, instalment_id: int | None) -> tuple[Instalment, Deal, Customer] | None:
    instalment = session.get(Instalment, instalment_id) if instalment_id is not None else None
    deal = session.get(Deal, instalment.deal_id) if instalment is not None else None
    customer = session.get(Customer, deal.customer_id) if deal is not None else None
    return None if customer is None else (instalment, deal, customer)


def open_instalments(*, session: Session, owner_id: str, limit: int = 20) -> list[tuple[Instalment, Deal, Customer]]:
    """An owner's unpaid instalments, soonest due first."""
    stmt = (select(Instalment, Deal, Customer).join(Deal, Deal.id == Instalment.deal_id)
            .join(Customer, Customer.id == Instalment.customer_id)
            .where(Instalment.paid_on.is_(None), Deal.owner_id == owner_id)
            .order_by(Instalment.due_on, Instalment.id).limit(limit))
    return [tuple(row) for row in session.exec(stmt).all()]


def won_deals_of(*, session: Session, customer_id: int) -> list[Deal]:
    stmt = select(Deal).where(Deal.customer_id == customer_id, Deal.stage == "won").order_by(Deal.closed_at.desc(), Deal.id)
    return list(session.exec(stmt))
