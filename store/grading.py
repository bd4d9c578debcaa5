"""Grades A/B/C, by hand or from BANT, and the follow-up cadence each grade asks for.

BANT: budget, authority, need, timeline, each "strong", "weak" or "none" (unknown counts as none):
    A  all four strong
    B  at least two strong, and a need (need strong or weak)
    C  everything else (no need at all is always C)
A grade set by hand stays until set again by hand or until BANT is recorded with apply_grade.

Cadence (Cadence, passed in): a customer of grade A untouched for more than a week, B two
weeks, C a month (30 days) and no pending next action gets a "cadence" follow-up for its owner,
due at once. Ungraded and churned customers are not chased. "Untouched" counts from the last
interaction logged (or from creation when there is none); one follow-up per period at most, so
an owner who closes it without logging anything is asked again only a period later.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, literal, or_
from sqlmodel import Session, select

from store import audit
from store.auto_actions import open_once
from store.errors import Checker, DomainError
from store.models import PENDING_ACTION, Customer, NextAction
from store.permissions import Viewer, can_edit, require
from store.tier_cadence import tier_cadence_applies
from store.types import UTCDateTime
from store.tuning import Cadence
from store.vocab import codes
from store.db import get_for_update

GRADES = codes("grade")
BANT_LEVELS = codes("bant_level")
BANT_FIELDS = ("budget", "authority", "need", "timeline")
CADENCE = "cadence"


def bant_grade(*, budget: str | None, authority: str | None, need: str | None, timeline: str | None) -> str:
    levels = (budget, authority, need, timeline)
    strong = sum(level == "strong" for level in levels)
    if strong == 4:
        return "A"
    if strong >= 2 and need in ("strong", "weak"):
        return "B"
    return "C"


def _editable(session: Session, viewer: Viewer, customer_id: int) -> Customer:
    customer = get_for_update(session, Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    return customer


def _set(session: Session, customer: Customer, *, field: str, value: str | None, by: str, now: datetime) -> None:
    audit.record(session, at=now, by=by, customer_id=customer.id, field=field, old=getattr(customer, field), new=value)
    setattr(customer, field, value)


def set_grade(*, session: Session, viewer: Viewer, customer_id: int, grade: str, now: datetime) -> Customer:
    if grade not in GRADES:
        raise DomainError("err_grade", field="grade", grade=grade)
    customer = _editable(session, viewer, customer_id)
    _set(session, customer, field="grade", value=grade, by=viewer.id, now=now)
    _set(session, customer, field="grade_source", value="manual", by=viewer.id, now=now)
    audit.stamp(customer, now)
    session.add(customer)
    session.flush()
    return customer


def set_bant(*, session: Session, viewer: Viewer, customer_id: int, budget: str | None, authority: str | None,
             need: str | None, timeline: str | None, now: datetime, apply_grade: bool = True) -> Customer:
    """Record the four BANT levels (None: unknown) and, with apply_grade, the grade they give."""
    values = {"budget": budget, "authority": authority, "need": need, "timeline": timeline}
    c = Checker()
    for name, level in values.items():
        if level is not None and level not in BANT_LEVELS:
            c.fail("err_bant", field=f"bant_{name}", level=level)
    c.done()
    customer = _editable(session, viewer, customer_id)
    for name, level in values.items():
        _set(session, customer, field=f"bant_{name}", value=level, by=viewer.id, now=now)
    if apply_grade:
        _set(session, customer, field="grade", value=bant_grade(**values), by=viewer.id, now=now)
        _set(session, customer, field="grade_source", value="bant", by=viewer.id, now=now)
    audit.stamp(customer, now)
    session.add(customer)
    session.flush()
    return customer


def _overdue(cadence: Cadence, now: datetime):
    """Customers untouched for longer than their grade's period and not already being chased: one
    query for every grade (each an index range on grade, last_interaction_at), so the pending
    actions are looked at once."""
    periods = cadence.periods()
    by_grade = lambda grade: Customer.grade.is_(None) if grade is None else Customer.grade == grade  # noqa: E731
    stale = [
        by_grade(grade) & or_(Customer.last_interaction_at < now - period,
                              Customer.last_interaction_at.is_(None) & (Customer.created_at < now - period))
        for grade, period in periods
    ]
    # a follow-up made within the customer's own period counts as chasing, even once closed
    at = lambda value: literal(value, UTCDateTime())  # noqa: E731
    since = case(*((by_grade(grade), at(now - period)) for grade, period in periods), else_=at(now))
    busy = select(NextAction.id).where(
        NextAction.customer_id == Customer.id,
        or_(NextAction.status.in_(PENDING_ACTION), (NextAction.origin == CADENCE) & (NextAction.created_at >= since)),
    )
    # converted and mature customers with a value tier follow the tier's cadence instead (store/tier_cadence.py)
    return select(Customer.id, Customer.owner_id).where(or_(*stale), Customer.stage != "churned", ~busy.exists(),
                                                        ~tier_cadence_applies())


def cadence_sweep(*, session: Session, now: datetime, cadence: Cadence = Cadence(), limit: int = 1000) -> list[NextAction]:
    """Create the follow-ups that are due, oldest customers first; at most `limit` per call (the
    next sweep does the rest)."""
    if not cadence.periods():
        return []
    made: list[NextAction] = []
    for customer_id, owner_id in session.exec(_overdue(cadence, now).order_by(Customer.id).limit(limit)).all():
        action = open_once(session, customer_id=customer_id, owner_id=owner_id, origin=CADENCE, kind="cadence",
                           due_at=now, now=now)
        if action is not None:
            made.append(action)
    return made
