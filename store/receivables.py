"""Receivables (回款) for a period and a scope, per currency, as SQL aggregates (SUM/COUNT ... GROUP BY):

    due        instalments whose due date falls in the period: their amounts, how many
    collected  payments received on a day in the period: their amounts, how many payments
    overdue    now: instalments of won deals not paid in full whose due date is before today, the
               amount still outstanding on them (amount - received), how many

Days are the period's local days (its zone); money counts for the deal's owner. Also the month's
renewals (won deals whose renewal date falls in a period), for the managers' digest.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, select

from store.crm_models import Deal
from store.figures_base import Period
from store.models import Customer
from store.money_models import Instalment, Receipt

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Money:
    amount: Decimal = ZERO
    count: int = 0


@dataclass
class Receivable:
    """One currency's figures (for everyone in scope, or one rep)."""

    due: Money = field(default_factory=Money)
    collected: Money = field(default_factory=Money)
    overdue: Money = field(default_factory=Money)


@dataclass(frozen=True)
class Receivables:
    total: dict[str, Receivable]                  # currency -> figures
    per_rep: dict[str, dict[str, Receivable]]     # owner id -> currency -> figures


def local_days(period: Period) -> tuple[date, date]:
    """[first, end) local days of the period."""
    zone = ZoneInfo(period.tz or "UTC")
    return period.start.astimezone(zone).date(), period.end.astimezone(zone).date()


def _scoped(stmt, owner_ids: frozenset[str] | None):
    return stmt if owner_ids is None else stmt.where(Deal.owner_id.in_(sorted(owner_ids)))


def receivables(*, session: Session, period: Period, owner_ids: frozenset[str] | None, now: datetime) -> Receivables:
    """Three GROUP BY (owner, currency) queries; totals are their sums."""
    first, end = local_days(period)
    today = now.astimezone(ZoneInfo(period.tz or "UTC")).date()
    won = Deal.stage == "won"
    due, collected = _due(first, end, owner_ids), _collected(first, end, owner_ids)
    overdue = _scoped(select(Deal.owner_id, Instalment.currency, func.sum(Instalment.amount - Instalment.received), func.count())
                      .join(Deal, Deal.id == Instalment.deal_id)
                      .where(won, Instalment.paid_on.is_(None), Instalment.due_on < today)
                      .group_by(Deal.owner_id, Instalment.currency), owner_ids)
    return _gathered(session, (("due", due), ("collected", collected), ("overdue", overdue)))


def _due(first: date, end: date, owner_ids: frozenset[str] | None):
    """Instalments of won deals due on a day of [first, end): GROUP BY (owner, currency)."""
    return _scoped(select(Deal.owner_id, Instalment.currency, func.sum(Instalment.amount), func.count())
                   .join(Deal, Deal.id == Instalment.deal_id)
                   .where(Deal.stage == "won", Instalment.due_on >= first, Instalment.due_on < end)
                   .group_by(Deal.owner_id, Instalment.currency), owner_ids)


def _collected(first: date, end: date, owner_ids: frozenset[str] | None):
    """Payments on won deals received on a day of [first, end): GROUP BY (owner, currency)."""
    return _scoped(select(Deal.owner_id, Instalment.currency, func.sum(Receipt.amount), func.count())
                   .join(Instalment, Instalment.id == Receipt.instalment_id).join(Deal, Deal.id == Instalment.deal_id)
                   .where(Deal.stage == "won", Receipt.received_on >= first, Receipt.received_on < end)
                   .group_by(Deal.owner_id, Instalment.currency), owner_ids)


def receivables_between(*, session: Session, first: date, end: date, owner_ids: frozenset[str] | None) -> dict[str, Receivable]:
    """currency -> figures for the local days [first, end) (a quarter): due and collected in them, and
    overdue as it stood at their end, whatever was paid since: instalments of won deals due before
    `end` and not paid in full before it (paid_on NULL or on/after `end`), the amount outstanding then
    (amount - the receipts received before `end`), how many. Three GROUP BY queries."""
    got = (select(Receipt.instalment_id, func.sum(Receipt.amount).label("got")).where(Receipt.received_on < end)
           .group_by(Receipt.instalment_id).subquery())
    overdue = _scoped(select(Deal.owner_id, Instalment.currency, func.sum(Instalment.amount - func.coalesce(got.c.got, 0)),
                             func.count())
                      .join(Deal, Deal.id == Instalment.deal_id).outerjoin(got, got.c.instalment_id == Instalment.id)
                      .where(Deal.stage == "won", Instalment.due_on < end,
                             or_(Instalment.paid_on.is_(None), Instalment.paid_on >= end))
                      .group_by(Deal.owner_id, Instalment.currency), owner_ids)
    found = _gathered(session, (("due", _due(first, end, owner_ids)), ("collected", _collected(first, end, owner_ids)),
                                ("overdue", overdue)))
    return found.total


def _gathered(session: Session, statements) -> Receivables:
    per_rep: dict[str, dict[str, Receivable]] = defaultdict(lambda: defaultdict(Receivable))
    total: dict[str, Receivable] = defaultdict(Receivable)
    for name, stmt in statements:
        for owner, currency, amount, count in session.exec(stmt).all():
            money = Money(Decimal(amount).quantize(Decimal("0.01")), count)
            setattr(per_rep[owner][currency], name, money)
            before = getattr(total[currency], name)
            setattr(total[currency], name, Money(before.amount + money.amount, before.count + count))
    return Receivables(total=dict(sorted(total.items())),
                       per_rep={o: dict(sorted(c.items())) for o, c in sorted(per_rep.items())})


@dataclass(frozen=True)
class Renewal:
    customer_id: int
    customer_name: str
    customer_code: str
    title: str
    amount: Decimal
    currency: str
    renewal_on: date
    owner_id: str


def renewals(*, session: Session, period: Period, owner_ids: frozenset[str] | None, limit: int = 10) -> tuple[list[Renewal], int]:
    """Won deals renewing on a local day of the period, soonest first (the first `limit`), and how many."""
    first, end = local_days(period)
    where = [Deal.stage == "won", Deal.renewal_on >= first, Deal.renewal_on < end]
    if owner_ids is not None:
        where.append(Deal.owner_id.in_(sorted(owner_ids)))
    total = session.exec(select(func.count()).select_from(Deal).where(*where)).one()
    stmt = (select(Deal, Customer.name, Customer.code).join(Customer, Customer.id == Deal.customer_id).where(*where)
            .order_by(Deal.renewal_on, Deal.id).limit(limit))
    rows = [Renewal(d.customer_id, name, code, d.title, d.amount, d.currency, d.renewal_on, d.owner_id)
            for d, name, code in session.exec(stmt).all()]
    return rows, total
