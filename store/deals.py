"""Deals: qualification -> proposal -> negotiation -> won | lost.

Open stages move freely among themselves; won and lost are final. Entering negotiation asks for
the signing within TimeLimits.signing (origin "lifecycle:signing:<deal id>", for the customer's
owner); leaving negotiation any other way than won cancels that action, winning marks it done.
Winning needs a contract number and a sign date, and moves a lead or nurturing customer to
converted / signed (stage history and audit entries written by the deal's winner).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from store import audit
from store.auto_actions import close_pending, open_once
from store.crm_models import Deal
from store.cs_owners import CsOwners
from store.errors import Checker, DomainError
from store.lifecycle import TimeLimits, limit_due, move
from store.models import ActionStatus, Customer
from store.permissions import Viewer, can_edit, require
from store.profile import money
from store.text import clean_line
from store.text import require as require_text
from store.vocab import codes
from store.db import get_for_update

DEAL_STAGES = codes("deal_stage")
OPEN_STAGES = ("qualification", "proposal", "negotiation")
TITLE_MAX, TERMS_MAX, CONTRACT_MAX = 200, 500, 64
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def signing_origin(deal_id: int) -> str:
    return f"lifecycle:signing:{deal_id}"


@dataclass(frozen=True)
class WonTerms:
    contract_no: str
    signed_on: date
    payment_terms: str = ""
    service_start: date | None = None
    service_end: date | None = None
    renewal_on: date | None = None


def _customer(session: Session, viewer: Viewer, customer_id: int) -> Customer:
    customer = get_for_update(session, Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    return customer


def _deal(session: Session, viewer: Viewer, deal_id: int) -> tuple[Deal, Customer]:
    deal = get_for_update(session, Deal, deal_id)
    if deal is None:
        raise DomainError("err_unknown_deal")
    return deal, _customer(session, viewer, deal.customer_id)


def _check(c: Checker, *, title: str | None, amount: object, currency: str | None, new: bool = False) -> dict[str, object]:
    """Checked values of what is given (None: unchanged); a new deal needs its amount."""
    out: dict[str, object] = {}
    if title is not None:
        out["title"] = c.check(require_text, clean_line(title), field="title", limit=TITLE_MAX)
    if amount is not None and amount != "":
        out["amount"] = c.check(money, amount, field="amount")
    elif new:
        c.fail("err_required", field="amount")
    if currency is not None:
        out["currency"] = clean_line(currency).upper()
        if not _CURRENCY.match(out["currency"]):
            c.fail("err_currency", field="currency")
    return out


def create_deal(*, session: Session, viewer: Viewer, customer_id: int, title: str, amount: Decimal | int | str,
                now: datetime, currency: str = "CNY", stage: str = "qualification", expected_close_on: date | None = None,
                limits: TimeLimits = TimeLimits(), won: WonTerms | None = None, cs_owner: CsOwners | None = None) -> Deal:
    """An open deal, or one already won (with its contract's terms, `won`: the customer converts)."""
    c = Checker()
    values = _check(c, title=title, amount=amount, currency=currency, new=True)
    if stage not in (*OPEN_STAGES, "won"):
        c.fail("err_deal_stage", field="stage", stage=stage)
    if stage == "won":
        won = c.check(_check_won, won)
    c.done()
    customer = _customer(session, viewer, customer_id)
    deal = Deal(customer_id=customer.id, stage=stage, expected_close_on=expected_close_on, owner_id=customer.owner_id,
                created_by=viewer.id, stage_changed_at=now, created_at=now, updated_at=now, **values)
    session.add(deal)
    session.flush()
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="deal", entity_id=deal.id,
                 field="created", old=None, new=f"{deal.title} {deal.amount} {deal.currency} {stage}")
    if stage == "negotiation":
        _ask_for_signing(session, deal, customer, now=now, limits=limits, by=viewer.id)
    if stage == "won":
        _win(session, deal, customer, won, viewer=viewer, now=now, limits=limits, cs_owner=cs_owner)
    session.flush()
    return deal


def update_deal(*, session: Session, viewer: Viewer, deal_id: int, now: datetime, title: str | None = None,
                amount: Decimal | int | str | None = None, currency: str | None = None,
                expected_close_on: date | None = None) -> Deal:
    c = Checker()
    values = _check(c, title=title, amount=amount, currency=currency)
    c.done()
    deal, customer = _deal(session, viewer, deal_id)
    if expected_close_on is not None:
        values["expected_close_on"] = expected_close_on
    for field, value in values.items():
        audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="deal", entity_id=deal.id,
                     field=field, old=getattr(deal, field), new=value)
        setattr(deal, field, value)
    audit.stamp(deal, now)
    session.add(deal)
    session.flush()
    return deal


def _ask_for_signing(session: Session, deal: Deal, customer: Customer, *, now: datetime, limits: TimeLimits, by: str) -> None:
    open_once(session, customer_id=customer.id, owner_id=customer.owner_id, origin=signing_origin(deal.id),
              kind="signing", due_at=limit_due(session, customer.owner_id, limits, now + limits.signing), now=now,
              created_by=by)


def _check_won(won: WonTerms | None) -> WonTerms:
    c = Checker()
    if won is None or not clean_line(won.contract_no):
        c.fail("err_contract_required", field="contract_no")
    if won is None or won.signed_on is None:
        c.fail("err_required", field="signed_on")
    c.done()
    if len(clean_line(won.contract_no)) > CONTRACT_MAX:
        c.fail("err_too_long", field="contract_no", limit=CONTRACT_MAX, length=len(clean_line(won.contract_no)))
    if len(clean_line(won.payment_terms)) > TERMS_MAX:
        c.fail("err_too_long", field="payment_terms", limit=TERMS_MAX, length=len(clean_line(won.payment_terms)))
    if won.service_start and won.service_end and won.service_end < won.service_start:
        c.fail("err_service_period", field="service_end")
    c.done()
    return won


def move_deal(*, session: Session, viewer: Viewer, deal_id: int, stage: str, now: datetime,
              limits: TimeLimits = TimeLimits(), won: WonTerms | None = None, lost_reason: str = "",
              cs_owner: CsOwners | None = None) -> Deal:
    if stage not in DEAL_STAGES:
        raise DomainError("err_deal_stage", field="stage", stage=stage)
    if stage == "won":
        won = _check_won(won)
    deal, customer = _deal(session, viewer, deal_id)
    if deal.stage not in OPEN_STAGES:
        raise DomainError("err_deal_closed", stage=deal.stage)
    if stage == deal.stage:
        return deal
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="deal", entity_id=deal.id,
                 field="stage", old=deal.stage, new=stage)
    deal.stage, deal.stage_changed_at = stage, now
    audit.stamp(deal, now)
    if stage == "negotiation":
        _ask_for_signing(session, deal, customer, now=now, limits=limits, by=viewer.id)
    else:
        outcome = ActionStatus.done.value if stage == "won" else ActionStatus.cancelled.value
        close_pending(session, customer_id=customer.id, origins=(signing_origin(deal.id),), by=viewer.id, now=now, status=outcome)
    if stage == "won":
        _win(session, deal, customer, won, viewer=viewer, now=now, limits=limits, cs_owner=cs_owner)
    elif stage == "lost":
        deal.closed_at = now
        deal.lost_reason = clean_line(lost_reason)[:TERMS_MAX] or None
    session.add(deal)
    session.flush()
    return deal


def _win(session: Session, deal: Deal, customer: Customer, won: WonTerms, *, viewer: Viewer, now: datetime,
         limits: TimeLimits, cs_owner: CsOwners | None = None) -> None:
    terms = {"contract_no": clean_line(won.contract_no), "signed_on": won.signed_on,
             "payment_terms": clean_line(won.payment_terms) or None, "service_start": won.service_start,
             "service_end": won.service_end, "renewal_on": won.renewal_on}
    for field, value in terms.items():
        audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="deal", entity_id=deal.id,
                     field=field, old=getattr(deal, field), new=value)
        setattr(deal, field, value)
    deal.closed_at = now
    if customer.stage in ("lead", "nurturing"):
        move(session, customer, stage="converted", status="signed", by=viewer.id, now=now, limits=limits,
             reason=f"deal won: {deal.title}", cs_owner=cs_owner)


def deals_of(*, session: Session, customer_id: int) -> list[Deal]:
    """Open deals first (by expected close), then closed ones, newest first."""
    stmt = select(Deal).where(Deal.customer_id == customer_id).order_by(
        Deal.closed_at.is_not(None), Deal.expected_close_on.asc().nulls_last(), Deal.closed_at.desc(), Deal.id)
    return list(session.exec(stmt))
