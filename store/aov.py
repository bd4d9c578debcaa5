"""Average order value growth (客单价增长率), per value tier and per rep, per currency.

    average order value   the amount of the deals won (closed) in a year / how many they are
    this year             the 365 days before the end of the period asked about
    the year before       the 365 days before that
    growth                (this year's average - the year before's) / the year before's x 100, None
                          when either year has no deal

A deal counts for its customer's current value tier (no tier: "none") and for its owner. Two
GROUP BY queries (tier, currency) and (owner, currency) with SUM/COUNT over CASE; the division is
done on their results. The multi-market template's target, high-value customers' growth at least
12 % a year, is Targets.aov_growth_high_min (CRM_TARGETS aov_growth_high).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func
from sqlmodel import Session, select

from store.crm_models import Deal
from store.models import Customer

YEAR = timedelta(days=365)
TIER_ORDER = ("high", "medium", "low", "none")


@dataclass(frozen=True)
class Aov:
    amount: Decimal
    deals: int
    previous_amount: Decimal
    previous_deals: int

    @property
    def value(self) -> Decimal | None:
        return (self.amount / self.deals).quantize(Decimal("0.01"), ROUND_HALF_UP) if self.deals else None

    @property
    def previous(self) -> Decimal | None:
        return (self.previous_amount / self.previous_deals).quantize(Decimal("0.01"), ROUND_HALF_UP) if self.previous_deals else None

    @property
    def growth(self) -> Decimal | None:
        """Percent, exact (from the unrounded averages); None without both years."""
        if not self.deals or not self.previous_deals:
            return None
        now, before = self.amount / self.deals, self.previous_amount / self.previous_deals
        return (now - before) * 100 / before

    def below(self, minimum: float) -> bool:
        return self.growth is not None and self.growth < Decimal(str(minimum))


@dataclass(frozen=True)
class AovGrowth:
    by_tier: dict[tuple[str, str], Aov]   # (tier, currency) -> figures, tiers high..none
    by_rep: dict[tuple[str, str], Aov]    # (owner, currency)


def aov_growth(*, session: Session, end: datetime, owner_ids: frozenset[str] | None) -> AovGrowth:
    start, middle = end - 2 * YEAR, end - YEAR
    recent = Deal.closed_at >= middle
    sums = (func.sum(case((recent, Deal.amount), else_=0)), func.sum(case((recent, 1), else_=0)),
            func.sum(case((recent, 0), else_=Deal.amount)), func.sum(case((recent, 0), else_=1)))
    where = [Deal.stage == "won", Deal.closed_at >= start, Deal.closed_at < end]
    if owner_ids is not None:
        where.append(Deal.owner_id.in_(sorted(owner_ids)))
    tier = func.coalesce(Customer.value_tier, "none")
    by_tier = (select(tier, Deal.currency, *sums).join(Customer, Customer.id == Deal.customer_id).where(*where)
               .group_by(tier, Deal.currency))
    by_rep = select(Deal.owner_id, Deal.currency, *sums).where(*where).group_by(Deal.owner_id, Deal.currency)

    def rows(stmt) -> dict[tuple[str, str], Aov]:
        return {(key, currency): Aov(Decimal(a or 0), int(n or 0), Decimal(pa or 0), int(pn or 0))
                for key, currency, a, n, pa, pn in session.exec(stmt).all()}

    tiers = rows(by_tier)
    ordered = dict(sorted(tiers.items(), key=lambda kv: (TIER_ORDER.index(kv[0][0]) if kv[0][0] in TIER_ORDER else 9, kv[0][1])))
    return AovGrowth(by_tier=ordered, by_rep=dict(sorted(rows(by_rep).items())))
