"""A weekly trend of four figures, for the digest's chart: per local week (Monday first, as
Period.week) of the last `weeks` complete weeks,

    interactions     interactions that happened in the week (occurred_on, Period.holds_day), for their author
    done_on_time     next actions due in the week, not cancelled, done with done_at <= due_at, for
                     the action's owner
    new_leads        customers created in the week, for the customer's current owner
    deals_won        deals in stage won with closed_at in the week (every currency), for the deal's owner

The definitions and the scope filter are those of store.figures_activity and
store.figures_lifecycle (store.figures_base.owned), so each week's numbers equal figures() for that
week. One SQL aggregate per figure, a COUNT per week in one SELECT: no rows are loaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_
from sqlmodel import Session, select

from store.crm_models import Deal
from store.figures_activity import COUNTED, DONE
from store.figures_base import Period, Scope, count_if, owned
from store.models import Customer, Interaction, NextAction

SERIES = ("interactions", "done_on_time", "new_leads", "deals_won")
MAX_WEEKS = 52


@dataclass(frozen=True)
class WeekPoint:
    week: Period
    interactions: int
    done_on_time: int
    new_leads: int
    deals_won: int


def trend_weeks(*, weeks: int, end: Period | datetime, tz: str) -> list[Period]:
    """The last `weeks` complete local weeks ending at or before `end` (a period's end, or an
    instant), oldest first. An `end` on a Monday midnight in `tz` ends the last week exactly."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"a trend has 1 to {MAX_WEEKS} weeks, got {weeks}")
    instant = end.end if isinstance(end, Period) else end
    last = Period.week(instant, tz).previous()
    found = [last]
    while len(found) < weeks:
        found.append(found[-1].previous())
    return found[::-1]


def _per_week(session: Session, weeks: list[Period], column, *where) -> list[int]:
    """One SELECT: COUNT per week of the rows whose `column` falls in it (and meet `where`)."""
    cols = [count_if(week.contains(column)) for week in weeks]
    stmt = select(*cols).where(column >= weeks[0].start, column < weeks[-1].end, *where)
    return [int(n) for n in session.execute(stmt).one()]


def _per_week_by_day(session: Session, weeks: list[Period], column, *where) -> list[int]:
    """_per_week for a date column (a day in someone's own zone): COUNT per week holding that day."""
    cols = [count_if(week.holds_day(column)) for week in weeks]
    stmt = select(*cols).where(column >= weeks[0].days()[0], column < weeks[-1].days()[1], *where)
    return [int(n) for n in session.execute(stmt).one()]


def _done_on_time(session: Session, weeks: list[Period], owner_ids) -> list[int]:
    a = NextAction
    on_time = and_(a.status == DONE, a.done_at <= a.due_at)
    return _per_week(session, weeks, a.due_at, owned(a.owner_id, owner_ids), a.status.in_(COUNTED), on_time)


def weekly_trend(*, session: Session, scope: Scope, weeks: int, end: Period | datetime, tz: str) -> list[WeekPoint]:
    """The four figures per week (see the module's docstring), oldest week first."""
    periods = trend_weeks(weeks=weeks, end=end, tz=tz)
    ids = scope.owner_ids(session)
    i, c, d = Interaction, Customer, Deal
    series = (
        _per_week_by_day(session, periods, i.occurred_on, owned(i.author_id, ids)),
        _done_on_time(session, periods, ids),
        _per_week(session, periods, c.created_at, owned(c.owner_id, ids)),
        _per_week(session, periods, d.closed_at, owned(d.owner_id, ids), d.stage == "won"),
    )
    return [WeekPoint(week, *values) for week, *values in zip(periods, *series)]
