"""RFM: recency, frequency and monetary value of each active customer's won deals.

Active customers are those converted or mature. Over the active customers with at least one won
deal, each of three measures is scored 1-5 by quintile, in SQL (NTILE(5), on SQLite >= 3.25 and
PostgreSQL alike):
    R  the latest won deal's sign date       later is better
    F  how many deals were won               more is better
    M  the sum of the won deals' amounts     more is better (amounts as stored, whatever currency)
NTILE deals rows out in order, so equal values may land in neighbouring quintiles; ties are taken
in the order of customer id (the lower id gets the lower score), the same on both databases.
With n customers, the first n % 5 quintiles hold one row more than the others.
An active customer with no won deal has no cell (and no segment).

The cell reads "R-F-M" ("5-4-3"). Its segment comes from R and FM = (F + M) / 2 rounded half up,
on the grid widely used for RFM segments (rows R, columns FM):

            FM 1            FM 2                FM 3                FM 4        FM 5
    R 5     new_customer    potential_loyalist  potential_loyalist  champions   champions
    R 4     promising       potential_loyalist  potential_loyalist  loyal       loyal
    R 3     about_to_sleep  about_to_sleep      need_attention      loyal       loyal
    R 2     hibernating     hibernating         at_risk             at_risk     cant_lose
    R 1     lost            lost                at_risk             at_risk     cant_lose

SEGMENT_POINTS is what each segment adds to the health score's RFM component (store/health.py):
recent and valuable customers are healthy; valuable ones gone quiet (at_risk, cant_lose) are the
ones to worry about; lost ones have nothing left.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from store.crm_models import Deal
from store.models import Customer

ACTIVE_STAGES = ("converted", "mature")
WON = "won"

# The grid above: SEGMENT_GRID[R - 1][FM - 1].
SEGMENT_GRID: tuple[tuple[str, ...], ...] = (
    ("lost", "lost", "at_risk", "at_risk", "cant_lose"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    ("new_customer", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)
SEGMENT_POINTS: dict[str, int] = {
    "champions": 100,
    "loyal": 90,
    "potential_loyalist": 80,
    "new_customer": 75,
    "promising": 70,
    "need_attention": 55,
    "about_to_sleep": 40,
    "cant_lose": 30,
    "at_risk": 25,
    "hibernating": 15,
    "lost": 0,
}
SEGMENTS = tuple(SEGMENT_POINTS)


def segment_of(r: int, f: int, m: int) -> str:
    for score in (r, f, m):
        if not 1 <= score <= 5:
            raise ValueError(f"RFM scores are 1-5, got {(r, f, m)}")
    fm = (f + m + 1) // 2
    return SEGMENT_GRID[r - 1][fm - 1]


@dataclass(frozen=True)
class RfmCell:
    customer_id: int
    r: int
    f: int
    m: int
    last_won_on: date | None
    deals: int
    amount: Decimal

    @property
    def cell(self) -> str:
        return f"{self.r}-{self.f}-{self.m}"

    @property
    def segment(self) -> str:
        return segment_of(self.r, self.f, self.m)


def _ranked():
    """One row per active customer with won deals: cid, last_on, deals, amount, r, f, m."""
    won = (
        select(Deal.customer_id.label("cid"), func.max(Deal.signed_on).label("last_on"),
               func.count(Deal.id).label("deals"), func.sum(Deal.amount).label("amount"))
        .join(Customer, Customer.id == Deal.customer_id)
        .where(Deal.stage == WON, Customer.stage.in_(ACTIVE_STAGES))
        .group_by(Deal.customer_id)
        .subquery()
    )
    return select(
        won.c.cid, won.c.last_on, won.c.deals, won.c.amount,
        func.ntile(5).over(order_by=(won.c.last_on.asc().nulls_first(), won.c.cid)).label("r"),
        func.ntile(5).over(order_by=(won.c.deals, won.c.cid)).label("f"),
        func.ntile(5).over(order_by=(won.c.amount, won.c.cid)).label("m"),
    ).subquery()


def rfm_cells(*, session: Session, customer_ids: Collection[int] | None = None) -> dict[int, RfmCell]:
    """Every active customer's cell with what it is made of (those without a won deal are absent);
    `customer_ids` only narrows what is returned: the quintiles are always over all active
    customers. One query."""
    ranked = _ranked()
    wanted = None if customer_ids is None else set(customer_ids)
    return {
        cid: RfmCell(customer_id=cid, r=r, f=f, m=m, last_won_on=last_on, deals=deals, amount=Decimal(amount or 0))
        for cid, last_on, deals, amount, r, f, m in session.execute(select(ranked))
        if wanted is None or cid in wanted
    }


def rfm_scores(*, session: Session) -> dict[int, tuple[int, int, int]]:
    """(R, F, M) of every active customer with won deals: the same query, reading only the scores."""
    ranked = _ranked()
    return {cid: (r, f, m) for cid, r, f, m in session.execute(select(ranked.c.cid, ranked.c.r, ranked.c.f, ranked.c.m))}


def rfm_of(*, session: Session, customer_id: int) -> RfmCell | None:
    return rfm_cells(session=session, customer_ids=[customer_id]).get(customer_id)
