"""Value tiers (the multi-market template's 客户价值分层) from the yearly won amount, recomputed nightly.

    yearly won amount   the sum of a customer's deals won (closed) within the 365 days before `now`,
                        per currency (amounts in different currencies are never added up)
    ranking             within each currency, customers by that amount, largest first (ties: the
                        older customer first); with n customers in the currency, ranks 1 to
                        ceil(n x high / 100) are "high", up to ceil(n x (high + medium) / 100)
                        "medium", the rest "low" (TierShares: high 20, medium 50, CRM_VALUE_TIERS)
    a customer          gets the highest tier any of its currencies earns it; one that had a
                        computed tier and won nothing within the year becomes "low"

A tier a person chose (the customer form, `/crm tier`) is kept and marked: value_tier_source
"manual" (or NULL with a tier, from before tiers were computed); the nightly pass changes only
customers whose tier it set ("auto") or who have none. Every change is in the audit log, by "crm".
The pass runs at the first tick at or after 03:00 in the team's zone, once a day: claimed like the
health passes (an outbox row of kind "value_tier_job" keyed by the local date, marked skipped in
the same transaction), so one replica runs it once; while no deal was ever won and no tier computed it
claims nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, update
from sqlmodel import Session, select

from store import audit, outbox
from store.auto_actions import SYSTEM
from store.crm_models import AuditEntry, Deal
from store.errors import DomainError
from store.models import Customer, Outbox
from store.tuning import TierShares
from store.permissions import Viewer, can_edit, require
from store.db import get_for_update

TIERS = ("high", "medium", "low")
AUTO, MANUAL = "auto", "manual"
TIER_JOB = "value_tier_job"
RUN_AFTER = time(3, 0)
YEAR = timedelta(days=365)


def computed_tiers(*, session: Session, now: datetime, shares: TierShares = TierShares()) -> dict[int, str]:
    """customer id -> tier, for every customer with a deal won within the year (window functions)."""
    totals = (select(Deal.customer_id, Deal.currency, func.sum(Deal.amount).label("total"))
              .where(Deal.stage == "won", Deal.closed_at >= now - YEAR, Deal.closed_at <= now)
              .group_by(Deal.customer_id, Deal.currency).subquery())
    ranked = select(
        totals.c.customer_id,
        func.row_number().over(partition_by=totals.c.currency, order_by=(totals.c.total.desc(), totals.c.customer_id)).label("rn"),
        func.count().over(partition_by=totals.c.currency).label("n"),
    ).subquery()
    # ceil(n * p / 100) in integers: (n * p + 99) / 100
    level = case((ranked.c.rn <= (ranked.c.n * shares.high + 99) // 100, 3),
                 (ranked.c.rn <= (ranked.c.n * (shares.high + shares.medium) + 99) // 100, 2), else_=1)
    stmt = select(ranked.c.customer_id, func.max(level)).group_by(ranked.c.customer_id)
    names = {3: "high", 2: "medium", 1: "low"}
    return {customer_id: names[int(best)] for customer_id, best in session.exec(stmt).all()}


def _computed_may_set(customer: Customer) -> bool:
    return customer.value_tier_source == AUTO or (customer.value_tier_source is None and customer.value_tier is None)


def recompute_tiers(*, session: Session, now: datetime, shares: TierShares = TierShares()) -> list[tuple[int, str | None, str]]:
    """Set the computed tiers; (customer id, old, new) of each change."""
    tiers = computed_tiers(session=session, now=now, shares=shares)
    lapsed = select(Customer.id).where(Customer.value_tier_source == AUTO, Customer.value_tier != "low")
    ids = sorted(set(tiers) | set(session.exec(lapsed).all()))
    changed = []
    for start in range(0, len(ids), 500):
        for customer in session.exec(select(Customer).where(Customer.id.in_(ids[start:start + 500])).with_for_update()).all():
            new = tiers.get(customer.id, "low")
            if not _computed_may_set(customer) or (customer.value_tier == new and customer.value_tier_source == AUTO):
                continue
            audit.record(session, at=now, by=SYSTEM, customer_id=customer.id, field="value_tier", old=customer.value_tier, new=new)
            changed.append((customer.id, customer.value_tier, new))
            customer.value_tier, customer.value_tier_source = new, AUTO
            audit.stamp(customer, now)
            session.add(customer)
    session.flush()
    return changed


def run_nightly(*, session: Session, now: datetime, tz: str, shares: TierShares = TierShares()) -> int | None:
    """The day's pass at the first call at or after 03:00 local; None when it is not due or already ran."""
    local = now.astimezone(ZoneInfo(tz))
    if local.time() < RUN_AFTER:
        return None
    nothing = (session.exec(select(Deal.id).where(Deal.stage == "won").limit(1)).first() is None
               and session.exec(select(Customer.id).where(Customer.value_tier_source == AUTO).limit(1)).first() is None)
    if nothing:  # no claim row while there is nothing to rank (two indexed lookups)
        return 0
    if not outbox.enqueue(session=session, kind=TIER_JOB, subject="daily", due_key=local.date().isoformat(), recipient=SYSTEM, now=now):
        return None
    session.execute(update(Outbox).where(Outbox.kind == TIER_JOB, Outbox.due_key == local.date().isoformat())
                    .values(status="skipped").execution_options(synchronize_session=False))
    return len(recompute_tiers(session=session, now=now, shares=shares))


def set_tier(*, session: Session, viewer: Viewer, customer_id: int, tier: str | None, now: datetime) -> Customer:
    """A tier chosen by a person (kept by the nightly pass), or None: computed again from tonight."""
    if tier is not None and tier not in TIERS:
        raise DomainError("err_value_tier", field="value_tier")
    customer = get_for_update(session, Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, field="value_tier", old=customer.value_tier,
                 new=tier if tier is not None else customer.value_tier)
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, field="value_tier_source", old=customer.value_tier_source,
                 new=MANUAL if tier is not None else AUTO)
    if tier is not None:
        customer.value_tier = tier
    customer.value_tier_source = MANUAL if tier is not None else AUTO
    audit.stamp(customer, now)
    session.add(customer)
    session.flush()
    return customer


@dataclass(frozen=True)
class TierRow:
    customer: Customer
    won: dict[str, object]   # currency -> the yearly won amount (Decimal), by currency


def tier_rows(*, session: Session, now: datetime) -> list[TierRow]:
    """Every customer with a tier, high first, then by code, with its yearly won amount (the sums the
    nightly pass ranks: deals won within the 365 days before `now`, per currency); `python -m bot tiers`."""
    totals = (select(Deal.customer_id, Deal.currency, func.sum(Deal.amount))
              .where(Deal.stage == "won", Deal.closed_at >= now - YEAR, Deal.closed_at <= now)
              .group_by(Deal.customer_id, Deal.currency))
    won: dict[int, dict[str, object]] = {}
    for customer_id, currency, total in session.exec(totals).all():
        won.setdefault(customer_id, {})[currency] = total
    order = case((Customer.value_tier == "high", 0), (Customer.value_tier == "medium", 1), else_=2)
    customers = session.exec(select(Customer).where(Customer.value_tier.in_(TIERS)).order_by(order, Customer.code)).all()
    return [TierRow(c, dict(sorted(won.get(c.id, {}).items()))) for c in customers]


@dataclass(frozen=True)
class Movement:
    customer_id: int
    name: str
    code: str
    old: str
    new: str


@dataclass(frozen=True)
class Movements:
    up: int
    down: int
    shown: list[Movement]  # the first `limit` who moved, in the order of their last change


def tier_movements(*, session: Session, start: datetime, end: datetime, owner_ids: frozenset[str] | None,
                   limit: int = 10) -> Movements:
    """Who moved between high, medium and low in [start, end), from the audit log's "value_tier"
    entries (the nightly pass's and people's): per customer, the tier before its first change in
    the span against the tier after its last one (high -> low -> high is no move; a first tier,
    from none, is not a move). Customers owned by `owner_ids` (None: everyone). Window functions."""
    where = [AuditEntry.entity == "customer", AuditEntry.field == "value_tier", AuditEntry.at >= start, AuditEntry.at < end,
             AuditEntry.old.in_(TIERS), AuditEntry.new.in_(TIERS)]
    entries = select(AuditEntry.customer_id, AuditEntry.old, AuditEntry.new,
                     func.row_number().over(partition_by=AuditEntry.customer_id, order_by=(AuditEntry.at, AuditEntry.id)).label("rn_first"),
                     func.row_number().over(partition_by=AuditEntry.customer_id,
                                            order_by=(AuditEntry.at.desc(), AuditEntry.id.desc())).label("rn_last"),
                     func.max(AuditEntry.at).over(partition_by=AuditEntry.customer_id).label("moved_at"))
    if owner_ids is not None:
        entries = entries.join(Customer, Customer.id == AuditEntry.customer_id).where(Customer.owner_id.in_(sorted(owner_ids)))
    e = entries.where(*where).subquery()
    first = select(e.c.customer_id, e.c.old).where(e.c.rn_first == 1).subquery()
    last = select(e.c.customer_id, e.c.new, e.c.moved_at).where(e.c.rn_last == 1).subquery()

    def level(column):
        return case((column == "high", 3), (column == "medium", 2), else_=1)

    moves = (select(first.c.customer_id, first.c.old, last.c.new, last.c.moved_at,
                    case((level(last.c.new) > level(first.c.old), "up"), else_="down").label("direction"))
             .join(last, last.c.customer_id == first.c.customer_id).where(first.c.old != last.c.new).subquery())
    counts = dict(session.exec(select(moves.c.direction, func.count()).group_by(moves.c.direction)).all())
    rows = session.exec(select(moves.c.customer_id, Customer.name, Customer.code, moves.c.old, moves.c.new)
                        .join(Customer, Customer.id == moves.c.customer_id)
                        .order_by(moves.c.moved_at, moves.c.customer_id).limit(limit)).all()
    return Movements(up=int(counts.get("up", 0)), down=int(counts.get("down", 0)), shown=[Movement(*row) for row in rows])


__all__ = ["AUTO", "MANUAL", "TIERS", "TierRow", "TierShares", "tier_rows", "computed_tiers", "recompute_tiers", "run_nightly", "set_tier", "tier_movements", "Movement", "Movements"]
