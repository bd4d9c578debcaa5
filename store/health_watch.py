"""What the Slack side reads of the stored health history (store/health.py writes it): the changes
that ping customer success (a turn to red, a fall within a week) and the customers at risk, each
with the reasons that cost it most."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from store.health_rules import RED, YELLOW, reasons_of
from store.models import Customer, HealthScore
from store.rfm import ACTIVE_STAGES

_IN_LIMIT = 5000

def _components(session: Session, row_ids: list[int]) -> dict[int, list]:
    """The stored components of these history rows, by row id."""
    out = {}
    for start in range(0, len(row_ids), _IN_LIMIT):
        chunk = row_ids[start:start + _IN_LIMIT]
        out.update(session.execute(select(HealthScore.id, HealthScore.components).where(HealthScore.id.in_(chunk))).all())
    return out


@dataclass(frozen=True)
class HealthChange:
    customer_id: int
    code: str
    name: str
    owner_id: str
    at: datetime                  # when the row showing the change was written
    score: int
    band: str
    previous_score: int | None
    previous_band: str | None
    turned_red: bool
    drop: int | None              # points below the week's highest score, when at least drop_points
    week_high: int | None
    reasons: list[tuple[str, dict]]
    high_at: datetime | None = None  # when week_high was computed (its row's time; the previous row's for previous_score)


def changes(*, session: Session, since: datetime, drop_points: int, week: timedelta = timedelta(days=7)) -> list[HealthChange]:
    """Active customers whose rows written at or after `since` show a turn to red (from another band
    or from no score) or a fall to at least `drop_points` below the highest score of the week before
    that row (the rows of those 7 days, and the score just before it), while it still holds: the
    customer still red, or no higher than after the fall. One per customer: its latest row since
    `since` that turned red or fell, with its reasons (the three components that cost the score
    most); `turned_red` if any of them turned red, `drop` if that row's fall is big enough.
    Lowest scores first."""
    h = HealthScore
    turned = and_(h.band == RED, or_(h.previous_band.is_(None), h.previous_band != RED))
    fell = h.score < h.previous_score
    stmt = (select(h.id, h.customer_id, h.computed_at, h.score, h.band, h.previous_score, h.previous_band, Customer.code,
                   Customer.name, Customer.owner_id, Customer.health_score, Customer.health_band)
            .join(Customer, Customer.id == h.customer_id)
            .where(h.computed_at >= since, Customer.stage.in_(ACTIVE_STAGES), or_(turned, fell))
            .order_by(h.customer_id, h.computed_at, h.id))
    rows = session.execute(stmt).all()
    earlier = aliased(HealthScore)
    week_rows = (select(h.id, earlier.computed_at, earlier.score)
                 .join(earlier, and_(earlier.customer_id == h.customer_id, earlier.computed_at < h.computed_at,
                                     earlier.computed_at >= since - week))
                 .where(h.computed_at >= since, fell))
    before: dict[int, list[tuple[datetime, int]]] = {}
    for row_id, at, score in session.execute(week_rows):
        before.setdefault(row_id, []).append((at, score))
    previous_at = dict(session.execute(
        select(h.id, func.max(earlier.computed_at))
        .join(earlier, and_(earlier.customer_id == h.customer_id, earlier.computed_at < h.computed_at))
        .where(h.computed_at >= since, fell).group_by(h.id)).all())
    latest, reddened = {}, set()
    for row in rows:
        if row.band == RED and row.previous_band != RED and row.health_band == RED:
            reddened.add(row.customer_id)
        high = drop = high_at = None
        if row.previous_score is not None and row.score < row.previous_score:
            kept = [(row.previous_score, previous_at.get(row.id))] + [
                (s, at) for at, s in before.get(row.id, []) if at >= row.computed_at - week]
            high = max(s for s, _ in kept)
            high_at = max((at for s, at in kept if s == high and at is not None), default=None)
            drop = high - row.score if high - row.score >= drop_points else None
        dropped = drop is not None and row.health_score is not None and row.health_score <= row.score
        if row.customer_id in reddened or dropped:
            latest[row.customer_id] = (row, high, drop if dropped else None, high_at)
    components = _components(session, [row.id for row, _, _, _ in latest.values()])
    found = [
        HealthChange(customer_id=row.customer_id, code=row.code, name=row.name, owner_id=row.owner_id, at=row.computed_at,
                     score=row.score, band=row.band, previous_score=row.previous_score, previous_band=row.previous_band,
                     turned_red=row.customer_id in reddened, drop=drop, week_high=high, reasons=reasons_of(components[row.id]),
                     high_at=high_at)
        for row, high, drop, high_at in latest.values()
    ]
    return sorted(found, key=lambda c: (c.score, c.customer_id))


@dataclass(frozen=True)
class AtRisk:
    customer_id: int
    code: str
    name: str
    owner_id: str
    score: int
    band: str
    at: datetime
    rfm_cell: str | None
    segment: str | None
    reasons: list[tuple[str, dict]]


def at_risk(*, session: Session, scope_owner_ids: Collection[str] | None, limit: int = 20) -> list[AtRisk]:
    """Yellow and red active customers, lowest score first (then by id), of these owners (None:
    everyone's), each with the three reasons that cost it most. Two queries."""
    stmt = (select(Customer.id, Customer.code, Customer.name, Customer.owner_id, Customer.health_score, Customer.health_band,
                   Customer.health_at)
            .where(Customer.stage.in_(ACTIVE_STAGES), Customer.health_band.in_((YELLOW, RED)))
            .order_by(Customer.health_score, Customer.id).limit(limit))
    if scope_owner_ids is not None:
        stmt = stmt.where(Customer.owner_id.in_(sorted(set(scope_owner_ids))))
    customers = session.execute(stmt).all()
    if not customers:
        return []
    latest = (select(HealthScore.customer_id, HealthScore.id, HealthScore.components, HealthScore.rfm_cell, HealthScore.segment)
              .join(Customer, and_(Customer.id == HealthScore.customer_id, Customer.health_at == HealthScore.computed_at))
              .where(Customer.id.in_([c.id for c in customers])).order_by(HealthScore.id))
    rows = {cid: (components, cell, segment) for cid, _, components, cell, segment in session.execute(latest)}
    out = []
    for cid, code, name, owner_id, score, band, at in customers:
        components, cell, segment = rows.get(cid, ([], None, None))
        out.append(AtRisk(customer_id=cid, code=code, name=name, owner_id=owner_id, score=score, band=band, at=at,
                          rfm_cell=cell, segment=segment, reasons=reasons_of(components)))
    return out
