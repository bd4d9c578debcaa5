"""Figures of the reps' own work and of deals, in SQL.

Work counts for the person who did it: an interaction for its author, a next action for its owner
(not the customer's owner). For a period [s, e):

    interactions            interactions that happened on one of the period's days (occurred_on,
                            the day in the author's own zone, against the period's local days:
                            Period.holds_day), whenever they were logged; in all and by way of
                            contact
    logged late             of those, the ones logged more than 24 hours after they happened.
                            occurred_on has no time of day, so: logged_on (the day logged, in the
                            author's zone) two or more days after occurred_on (a Sunday visit
                            logged on Tuesday; one logged on Monday may be within 24 hours).
                            Interactions whose logged_on is unknown count as on time. Share:
                            logged late / interactions
    actions due             next actions whose due_at is in [s, e), not cancelled, and either done
                            or already due at `now` (those not yet due are left out). due_at is the
                            current due time: a snooze or reschedule moves it.
      done on time          of those, done with done_at <= due_at
      done late             done with done_at > due_at
      still open            not done (open or snoozed) and due_at < now
    completion rate         done on time / actions due
    overdue now             every open or snoozed action with due_at < now, whatever the period
    deals won               deals in stage won whose closed_at (when marked won) is in [s, e), for
                            the deal's owner: count and amount per currency
    repurchase rate         as of e: customers (current owner) with two or more won deals closed
                            before e / customers with at least one
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from store.crm_models import Deal
from store.figures_base import Period, Rate, Trend, count_if, owned, plus_days
from store.models import PENDING_ACTION, ActionStatus, Customer, Interaction, NextAction

DONE = ActionStatus.done.value
COUNTED = (*PENDING_ACTION, DONE)  # every status but cancelled, spelt out so (status, due_at) indexes apply
CENT = Decimal("0.01")


LATE_DAYS = 2  # logged_on at least this many days after occurred_on: more than 24 hours after it happened


def late(i=Interaction):
    """SQL: the interaction was logged late (see the module's docstring)."""
    return and_(i.logged_on.is_not(None), i.logged_on >= plus_days(i.occurred_on, LATE_DAYS))


def _spans(period: Period, previous: Period, column):
    first, after = previous.days()[0], period.days()[1]
    return and_(column >= first, column < after)


def interaction_counts(*, session: Session, period: Period, previous: Period, owner_ids) -> dict[str, Trend[int]]:
    """Per way of contact (only ways with interactions in either period)."""
    i = Interaction
    stmt = (select(i.way, count_if(period.holds_day(i.occurred_on)), count_if(previous.holds_day(i.occurred_on)))
            .where(owned(i.author_id, owner_ids), _spans(period, previous, i.occurred_on))
            .group_by(i.way).order_by(i.way))
    return {way: Trend(int(cur), int(prev)) for way, cur, prev in session.execute(stmt)}


def logged_late(*, session: Session, period: Period, previous: Period, owner_ids) -> Trend[Rate]:
    """Interactions of each period logged late, of all that happened in it."""
    i = Interaction
    stmt = (select(count_if(and_(period.holds_day(i.occurred_on), late())), count_if(period.holds_day(i.occurred_on)),
                   count_if(and_(previous.holds_day(i.occurred_on), late())), count_if(previous.holds_day(i.occurred_on)))
            .where(owned(i.author_id, owner_ids), _spans(period, previous, i.occurred_on)))
    n = [int(x) for x in session.execute(stmt).one()]
    return Trend(Rate(n[0], n[1]), Rate(n[2], n[3]))


@dataclass(frozen=True)
class ActionCounts:
    due: int = 0
    done_on_time: int = 0
    done_late: int = 0
    still_open: int = 0

    @property
    def completion(self) -> Rate:
        return Rate(self.done_on_time, self.due)


def _action_columns(p: Period, now: datetime):
    a = NextAction
    within = and_(p.contains(a.due_at), a.status.in_(COUNTED))
    on_time = and_(within, a.status == DONE, a.done_at <= a.due_at)
    late = and_(within, a.status == DONE, a.done_at > a.due_at)
    still_open = and_(within, a.status.in_(PENDING_ACTION), a.due_at < now)
    return [count_if(on_time), count_if(late), count_if(still_open)]


def _counts(on_time, late, still_open) -> ActionCounts:
    on_time, late, still_open = int(on_time), int(late), int(still_open)
    return ActionCounts(on_time + late + still_open, on_time, late, still_open)


def action_counts(*, session: Session, period: Period, previous: Period, owner_ids, now: datetime) -> Trend[ActionCounts]:
    a = NextAction
    stmt = (select(*_action_columns(period, now), *_action_columns(previous, now))
            .where(owned(a.owner_id, owner_ids), a.status.in_(COUNTED), a.due_at >= previous.start, a.due_at < period.end))
    n = session.execute(stmt).one()
    return Trend(_counts(*n[:3]), _counts(*n[3:]))


def overdue_now(*, session: Session, owner_ids, now: datetime) -> int:
    a = NextAction
    stmt = select(func.count()).select_from(a).where(owned(a.owner_id, owner_ids), a.status.in_(PENDING_ACTION), a.due_at < now)
    return int(session.execute(stmt).scalar_one())


@dataclass(frozen=True)
class RepLine:
    owner_id: str
    logged: int                   # interactions that happened in the period
    overdue_now: int
    due: int
    done_on_time: int
    done_late: int
    logged_late: int = 0          # of `logged`, logged more than 24 hours after they happened

    @property
    def late_rate(self) -> Rate:
        return Rate(self.logged_late, self.logged)


def per_rep(*, session: Session, period: Period, owner_ids, now: datetime) -> list[RepLine]:
    """One line per owner id given (sorted), zeros included: interactions that happened in the
    period and how many of them were logged late, actions overdue now, and of the actions due in
    the period, done on time and done late."""
    ids = sorted(set(owner_ids))
    i, a = Interaction, NextAction
    logged = {author: (int(n), int(n_late)) for author, n, n_late in session.execute(
        select(i.author_id, func.count(), count_if(late())).where(i.author_id.in_(ids), period.holds_day(i.occurred_on))
        .group_by(i.author_id))}
    overdue = dict(session.execute(
        select(a.owner_id, func.count()).where(a.owner_id.in_(ids), a.status.in_(PENDING_ACTION), a.due_at < now)
        .group_by(a.owner_id)).all())
    stmt = (select(a.owner_id, *_action_columns(period, now))
            .where(a.owner_id.in_(ids), a.status.in_(COUNTED), period.contains(a.due_at)).group_by(a.owner_id))
    actions = {row[0]: _counts(*row[1:]) for row in session.execute(stmt)}
    lines = []
    for owner in ids:
        counts = actions.get(owner, ActionCounts())
        n, n_late = logged.get(owner, (0, 0))
        lines.append(RepLine(owner, n, int(overdue.get(owner, 0)), counts.due, counts.done_on_time, counts.done_late, n_late))
    return lines


@dataclass(frozen=True)
class Won:
    count: int
    amount: Decimal


def deals_won(*, session: Session, period: Period, previous: Period, owner_ids) -> Trend[dict[str, Won]]:
    """Per currency (only currencies won in that period)."""
    d = Deal
    cols = []
    for p in (period, previous):
        amount = func.coalesce(func.sum(case((p.contains(d.closed_at), d.amount), else_=0)), 0)
        cols += [count_if(p.contains(d.closed_at)), amount]
    stmt = (select(d.currency, *cols)
            .where(owned(d.owner_id, owner_ids), d.stage == "won", d.closed_at >= previous.start, d.closed_at < period.end)
            .group_by(d.currency).order_by(d.currency))
    cur, prev = {}, {}
    for currency, n_cur, amount_cur, n_prev, amount_prev in session.execute(stmt):
        if n_cur:
            cur[currency] = Won(int(n_cur), Decimal(amount_cur).quantize(CENT))
        if n_prev:
            prev[currency] = Won(int(n_prev), Decimal(amount_prev).quantize(CENT))
    return Trend(cur, prev)


def repurchase_rate(*, session: Session, period: Period, previous: Period, owner_ids) -> Trend[Rate]:
    d = Deal
    per_customer = (select(d.customer_id, count_if(d.closed_at < period.end).label("cur"),
                           count_if(d.closed_at < previous.end).label("prev"))
                    .join(Customer, Customer.id == d.customer_id)
                    .where(owned(Customer.owner_id, owner_ids), d.stage == "won", d.closed_at < period.end)
                    .group_by(d.customer_id).subquery())
    c = per_customer.c
    n = session.execute(select(count_if(c.cur >= 2), count_if(c.cur >= 1), count_if(c.prev >= 2), count_if(c.prev >= 1))).one()
    return Trend(Rate(int(n[0]), int(n[1])), Rate(int(n[2]), int(n[3])))
