"""The lists a digest shows beside its figures: at most `limit` items, and how many there are.

    stale customers   not churned, graded with a cadence period (store.grading.Cadence), and with
                      no interaction logged for longer than it (last_interaction_at, or created_at
                      when none was ever logged) at `now`; most neglected first. Unlike the cadence
                      sweep, a pending next action does not take a customer off this list.
    deals moved       deals whose stage last changed in the period (stage_changed_at), for the
                      deal's owner, newest first; `from_stage` from the deal's audit entry, None
                      for a deal created in the period and not moved since
    detractors        NPS responses scored 0-6 in the period, for the customer's current owner,
                      newest first
SLA breaches are in store.figures_sla (they need the clock arithmetic).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, literal
from sqlmodel import Session, select

from store.crm_models import AuditEntry, Deal
from store.figures_base import Page, Period, Scope, owned
from store.grading import Cadence
from store.models import Customer, NpsResponse
from store.nps import PASSIVE_MIN
from store.types import UTCDateTime


def _page(session: Session, stmt, order, limit: int, make) -> Page:
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    return Page([make(row) for row in session.execute(stmt.order_by(*order).limit(limit))], int(total))


@dataclass(frozen=True)
class StaleCustomer:
    customer_id: int
    code: str
    name: str
    owner_id: str
    grade: str | None
    stage: str
    last_interaction_at: datetime | None
    untouched_since: datetime


def stale_customers(*, session: Session, scope: Scope, now: datetime, cadence: Cadence = Cadence(),
                    limit: int = 20) -> Page[StaleCustomer]:
    c = Customer
    periods = cadence.periods()
    if not periods:
        return Page([], 0)
    # one threshold per grade (NULL: no cadence, never stale); a single expression rather than an OR
    # of index ranges, which SQLite would walk row by row when most customers are stale
    threshold = case(*(((c.grade.is_(None) if grade is None else c.grade == grade), literal(now - span, UTCDateTime()))
                       for grade, span in periods), else_=None)
    since = func.coalesce(c.last_interaction_at, c.created_at)
    stmt = (select(c.id, c.code, c.name, c.owner_id, c.grade, c.stage, c.last_interaction_at, since)
            .where(owned(c.owner_id, scope.owner_ids(session)), c.stage != "churned", since < threshold))
    return _page(session, stmt, (since, c.id), limit, lambda row: StaleCustomer(*row))


@dataclass(frozen=True)
class DealMove:
    deal_id: int
    title: str
    customer_id: int
    customer_name: str
    owner_id: str
    from_stage: str | None
    to_stage: str
    amount: Decimal
    currency: str
    moved_at: datetime


def deals_moved(*, session: Session, period: Period, scope: Scope, limit: int = 20) -> Page[DealMove]:
    d, a = Deal, AuditEntry
    before = (select(a.old).where(a.customer_id == d.customer_id, a.entity == "deal", a.entity_id == d.id, a.field == "stage",
                                  a.at <= d.stage_changed_at)
              .order_by(a.at.desc(), a.id.desc()).limit(1).scalar_subquery())
    stmt = (select(d.id, d.title, d.customer_id, Customer.name, d.owner_id, before, d.stage, d.amount, d.currency,
                   d.stage_changed_at)
            .join(Customer, Customer.id == d.customer_id)
            .where(owned(d.owner_id, scope.owner_ids(session)), period.contains(d.stage_changed_at)))
    return _page(session, stmt, (d.stage_changed_at.desc(), d.id.desc()), limit, lambda row: DealMove(*row))


@dataclass(frozen=True)
class Detractor:
    response_id: int
    customer_id: int
    customer_name: str
    owner_id: str
    score: int
    comment: str
    responded_at: datetime


def detractors(*, session: Session, period: Period, scope: Scope, limit: int = 20) -> Page[Detractor]:
    n = NpsResponse
    stmt = (select(n.id, n.customer_id, Customer.name, Customer.owner_id, n.score, n.comment, n.responded_at)
            .join(Customer, Customer.id == n.customer_id)
            .where(owned(Customer.owner_id, scope.owner_ids(session)), n.score < PASSIVE_MIN, period.contains(n.responded_at)))
    return _page(session, stmt, (n.responded_at.desc(), n.id.desc()), limit, lambda row: Detractor(*row))
