"""What the Home tab shows one user: their pending next actions in three windows (overdue, the rest
of today, the days ahead), their customers counted by stage and health band, and the first few of
each list. Aggregates only (COUNT ... GROUP BY); the lists are the first `limit` rows of an
indexed query (next_action: owner_id, status, due_at; customer: owner_id, stage)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import Session, select

from store.figures_base import count_if
from store.health import RED, YELLOW
from store.models import PENDING_ACTION, Customer, NextAction
from store.rfm import ACTIVE_STAGES

OVERDUE, TODAY, UPCOMING = "overdue", "today", "upcoming"
WINDOWS = (OVERDUE, TODAY, UPCOMING)


@dataclass(frozen=True)
class ActionList:
    total: int
    first: list[tuple[NextAction, Customer]]  # earliest due first, at most `limit`, from `offset`
    offset: int = 0  # how many earlier ones the page skips


def page_offset(page: int, total: int, limit: int) -> int:
    """The first row of page `page` (0 is the first), the last page when it is past the end."""
    last = max(total - 1, 0) // limit
    return min(max(page, 0), last) * limit


def pending_actions(*, session: Session, owner_id: str, now: datetime, day_end: datetime, horizon: datetime,
                    limit: int, pages: dict[str, int] | None = None) -> dict[str, ActionList]:
    """The owner's open and snoozed actions: overdue (due before `now`), today (`now` up to
    `day_end`, the end of the owner's local day) and upcoming (`day_end` up to `horizon`), each
    window's page `pages[window]` of `limit` (the first by default; the last when past the end).
    One counting query, then one short query per window that has any."""
    if not now <= day_end <= horizon:
        raise ValueError("expected now <= day_end <= horizon")
    a = NextAction
    mine = (a.owner_id == owner_id, a.status.in_(PENDING_ACTION))
    bounds = {OVERDUE: (None, now), TODAY: (now, day_end), UPCOMING: (day_end, horizon)}

    def within(window: str):
        start, end = bounds[window]
        return a.due_at < end if start is None else and_(a.due_at >= start, a.due_at < end)

    counts = session.execute(select(*(count_if(within(w)) for w in WINDOWS)).where(*mine, a.due_at < horizon)).one()
    out = {}
    for window, total in zip(WINDOWS, counts):
        first: list[tuple[NextAction, Customer]] = []
        offset = page_offset((pages or {}).get(window, 0), int(total), limit)
        if total:
            stmt = (select(NextAction, Customer).join(Customer, Customer.id == NextAction.customer_id)
                    .where(*mine, within(window)).order_by(a.due_at, a.id).offset(offset).limit(limit))
            first = [(action, customer) for action, customer in session.exec(stmt)]
        out[window] = ActionList(total=int(total), first=first, offset=offset)
    return out


@dataclass(frozen=True)
class CustomerCounts:
    by_stage: dict[str, int]   # stage code -> customers the owner has in it (stages with none left out)
    attention: int             # active customers (converted, mature) whose health band is yellow or red

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


def customer_counts(*, session: Session, owner_id: str) -> CustomerCounts:
    """One GROUP BY over the owner's customers (index on owner_id, stage)."""
    rows = session.execute(
        select(Customer.stage, Customer.health_band, func.count()).where(Customer.owner_id == owner_id)
        .group_by(Customer.stage, Customer.health_band)
    ).all()
    by_stage: dict[str, int] = {}
    attention = 0
    for stage, band, count in rows:
        by_stage[stage] = by_stage.get(stage, 0) + int(count)
        if stage in ACTIVE_STAGES and band in (YELLOW, RED):
            attention += int(count)
    return CustomerCounts(by_stage=by_stage, attention=attention)
