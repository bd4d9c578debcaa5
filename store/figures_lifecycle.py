"""Figures of the customer lifecycle from the stage history (stage_change), in SQL.

A customer's stage at an instant t is the from_stage of its first stage_change at or after t
(NULL, "not a customer yet", when that is its creation), or its current stage when nothing has
changed since t. Customers count for their current owner. For a period [s, e):

    new leads               customers created in [s, e) (every new customer starts as a lead)
    lead -> nurturing       customers that were leads at some time in the period (lead at s, or
                            entering lead in it, creation included) / of those, the ones that moved
                            from lead to nurturing or straight to converted in it
    nurturing -> converted  the same for nurturing, moving to converted
    lead -> converted       of those leads, the ones that moved into converted in the period
    churn rate              customers active (converted or mature) at s that moved to churned in
                            the period / customers active at s
    high-value churn rate   the same among customers whose value_tier is "high" (today's tier)
    retention rate          customers active at s that are active at e / customers active at s
    average days in stage   over stage changes leaving a stage in the period (status-only changes
                            aside), the time since the customer entered that stage (the change
                            that entered it; its created_at when the history has none), in days
    sales cycle             over moves into converted from lead or nurturing in the period, the
                            time since the customer was created, in days
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, true
from sqlmodel import Session, select

from store.crm_models import StageChange
from store.figures_base import Period, Rate, Trend, count_if, days, epoch_us, owned
from store.lifecycle import STAGE_STATUSES
from store.models import Customer

ACTIVE = ("converted", "mature")
HIGH_VALUE = "high"


def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def _in_scope(column, owner_ids):
    """SQL: the customer id is one of the owners' customers (always true for everyone)."""
    if owner_ids is None:
        return true()
    return column.in_(select(Customer.id).where(owned(Customer.owner_id, owner_ids)))


def _history(periods: tuple[Period, Period], owner_ids):
    """Per customer with a stage change since the earlier period's start: its stage at each of
    the three instants (has_i, from_i) and what happened in each period."""
    previous, period = periods
    instants = (previous.start, period.start, period.end)
    sc = StageChange
    # MATERIALIZED: SQLite would otherwise read the whole table in (customer_id, at) order for the window
    recent = (select(sc.id, sc.customer_id, sc.at, sc.from_stage, sc.to_stage)
              .where(sc.at >= previous.start, _in_scope(sc.customer_id, owner_ids))
              .cte("recent_changes").prefix_with("MATERIALIZED"))
    # the change before this one since previous.start (NULL for the first): one sort for all three instants
    before = func.lag(recent.c.at).over(partition_by=recent.c.customer_id, order_by=(recent.c.at, recent.c.id))
    rows = (select(recent.c.customer_id, recent.c.at, recent.c.from_stage, recent.c.to_stage, before.label("before"))
            .subquery("changes"))
    r = rows.c
    moved = or_(r.from_stage.is_(None), r.from_stage != r.to_stage)
    cols = []
    for i, t in enumerate(instants):
        first = and_(r.at >= t, or_(r.before.is_(None), r.before < t))  # the first change at or after t
        cols += [_flag(r.at >= t).label(f"has{i}"), func.max(case((first, r.from_stage), else_=None)).label(f"from{i}")]
    for name, p in (("prev", previous), ("cur", period)):
        within = p.contains(r.at)
        cols += [
            _flag(and_(within, moved, r.to_stage == "lead")).label(f"entered_lead_{name}"),
            _flag(and_(within, moved, r.to_stage == "nurturing")).label(f"entered_nurturing_{name}"),
            _flag(and_(within, r.from_stage == "lead", r.to_stage.in_(("nurturing", "converted")))).label(f"lead_on_{name}"),
            _flag(and_(within, r.from_stage == "nurturing", r.to_stage == "converted")).label(f"nurturing_on_{name}"),
            _flag(and_(within, r.from_stage.in_(("lead", "nurturing")), r.to_stage == "converted")).label(f"converted_{name}"),
            _flag(and_(within, moved, r.to_stage == "churned")).label(f"churned_{name}"),
        ]
    return select(r.customer_id, *cols).group_by(r.customer_id).subquery("history")


@dataclass(frozen=True)
class LifecycleFigures:
    new_leads: Trend[int]
    lead_to_nurturing: Trend[Rate]
    nurturing_to_converted: Trend[Rate]
    lead_to_converted: Trend[Rate]
    churn_rate: Trend[Rate]
    high_value_churn_rate: Trend[Rate]
    retention_rate: Trend[Rate]


def lifecycle_figures(*, session: Session, period: Period, previous: Period, owner_ids) -> LifecycleFigures:
    h = _history((previous, period), owner_ids)
    c = Customer

    def stage_at(i: int):
        return case((getattr(h.c, f"has{i}") == 1, getattr(h.c, f"from{i}")), else_=c.stage)

    cols = []
    for name, p, (s, e) in (("cur", period, (1, 2)), ("prev", previous, (0, 1))):
        flag = lambda what: getattr(h.c, f"{what}_{name}") == 1  # noqa: E731
        active = stage_at(s).in_(ACTIVE)
        high = and_(active, c.value_tier == HIGH_VALUE)
        in_lead = or_(stage_at(s) == "lead", flag("entered_lead"))
        in_nurturing = or_(stage_at(s) == "nurturing", flag("entered_nurturing"))
        cols += [
            count_if(p.contains(c.created_at)),
            count_if(and_(in_lead, flag("lead_on"))), count_if(in_lead),
            count_if(and_(in_nurturing, flag("nurturing_on"))), count_if(in_nurturing),
            count_if(and_(in_lead, flag("converted"))), count_if(in_lead),
            count_if(and_(active, flag("churned"))), count_if(active),
            count_if(and_(high, flag("churned"))), count_if(high),
            count_if(and_(active, stage_at(e).in_(ACTIVE))), count_if(active),
        ]
    stmt = (select(*cols).select_from(c).outerjoin(h, h.c.customer_id == c.id)
            .where(owned(c.owner_id, owner_ids), c.created_at < period.end))
    n = [int(v) for v in session.execute(stmt).one()]
    cur, prev = n[:13], n[13:]
    rate = lambda i: Trend(Rate(cur[i], cur[i + 1]), Rate(prev[i], prev[i + 1]))  # noqa: E731
    return LifecycleFigures(new_leads=Trend(cur[0], prev[0]), lead_to_nurturing=rate(1), nurturing_to_converted=rate(3),
                            lead_to_converted=rate(5), churn_rate=rate(7), high_value_churn_rate=rate(9),
                            retention_rate=rate(11))


def _moves(period: Period, previous: Period, owner_ids):
    """Every stage-changing row (creation included) of the customers that changed stage in the two
    periods, with the instant the customer entered the stage it leaves (LAG over its history)."""
    sc = StageChange
    changed = or_(sc.from_stage.is_(None), sc.from_stage != sc.to_stage)
    movers = select(sc.customer_id).where(sc.at >= previous.start, sc.at < period.end, sc.from_stage.is_not(None),
                                          sc.from_stage != sc.to_stage, _in_scope(sc.customer_id, owner_ids))
    entered = func.lag(sc.at).over(partition_by=sc.customer_id, order_by=(sc.at, sc.id))
    return (select(sc.customer_id, sc.at, sc.from_stage, sc.to_stage, entered.label("entered_at"))
            .where(sc.customer_id.in_(movers), changed).subquery("moves"))


@dataclass(frozen=True)
class StageTimes:
    days_in_stage: dict[str, Trend[float | None]]  # every stage, in lifecycle order
    sales_cycle_days: Trend[float | None]


def stage_times(*, session: Session, period: Period, previous: Period, owner_ids) -> StageTimes:
    """One query grouped by the stage left; the sales cycle's sums are added up over the lead and
    nurturing groups (a move into converted leaves one of them)."""
    m = _moves(period, previous, owner_ids)
    spent = epoch_us(m.c.at) - epoch_us(func.coalesce(m.c.entered_at, Customer.created_at))
    since_created = epoch_us(m.c.at) - epoch_us(Customer.created_at)

    def sums(value, condition):
        return [x for p in (period, previous) for x in (
            func.coalesce(func.sum(case((and_(condition, p.contains(m.c.at)), value), else_=0)), 0),
            count_if(and_(condition, p.contains(m.c.at))))]

    leaving = m.c.from_stage.is_not(None) & (m.c.from_stage != m.c.to_stage)
    converting = and_(m.c.from_stage.in_(("lead", "nurturing")), m.c.to_stage == "converted")
    stmt = (select(m.c.from_stage, *sums(spent, true()), *sums(since_created, converting))
            .where(Customer.id == m.c.customer_id, owned(Customer.owner_id, owner_ids), leaving).group_by(m.c.from_stage))
    found = {row[0]: [int(v) for v in row[1:]] for row in session.execute(stmt)}
    by_stage = {stage: Trend(days(*found[stage][0:2]), days(*found[stage][2:4])) if stage in found else Trend(None, None)
                for stage in STAGE_STATUSES}
    cycle = [sum(row[4 + i] for row in found.values()) for i in range(4)]
    return StageTimes(days_in_stage=by_stage, sales_cycle_days=Trend(days(*cycle[0:2]), days(*cycle[2:4])))
