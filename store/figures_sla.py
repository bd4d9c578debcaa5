"""SLA compliance and first-response time of tickets, in SQL, judged as store.sla_clock judges a clock.

A ticket keeps no due time once a clock stops (store.ticket_sla.refresh sets response_due_at /
resolution_due_at to NULL), so compliance is worked out from what a ticket does keep: its
created_at, the stop instant (first_response_at, solved_at), pending_since, the paused minutes and
the target minutes. A clock's used time is its elapsed time from created_at to the stop (or, not
stopped, to `now`, or to pending_since while paused), less its paused minutes; calendar time for a
P1-style ticket (sla_business false), otherwise the team's working hours: the Calendar's working
windows of the span are passed to the query as a VALUES list of microsecond instants, and each
ticket's business time is the sum of its overlaps with them. Like store.sla_clock.state:
    met      stopped, used <= target
    missed   used > target (stopped late, or still running or paused and already over)
    pending  not stopped and not over yet: in neither count

Tickets count in the period they were *created* in, and belong to their customer's current owner.
    sla response compliance   met response clocks / (met + missed) among those tickets
    sla resolution compliance the same for the resolution clock
    median first response     the median wall-clock time from created_at to first_response_at
                              among those tickets answered (pauses and nights included); PostgreSQL
                              percentile_cont, SQLite the middle one or two rows by ORDER BY/LIMIT/OFFSET
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, and_, case, column, func, literal, or_, values
from sqlmodel import Session, select

from store.figures_base import Page, Period, Rate, Trend, count_if, epoch_us, greatest, least, owned, us
from store.models import Customer, Ticket
from store.sla import Calendar, working_window  # one day's working hours as UTC instants, store.sla.s rule

MET, MISSED = 1, 0
MINUTE_US = literal(60_000_000, BigInteger())  # a BIGINT: minutes * 60e6 overflows PostgreSQL's integer


def working_windows(cal: Calendar, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """Each working window of the local days from start's to end's, as microsecond instants."""
    zone = ZoneInfo(cal.tz)
    day, last, out = start.astimezone(zone).date(), end.astimezone(zone).date(), []
    while day <= last:
        window = working_window(cal, day)
        if window is not None:
            out.append((us(window[0]), us(window[1])))
        day += timedelta(days=1)
    return out


def _windows_cte(cal: Calendar, start: datetime, end: datetime):
    rows = working_windows(cal, start, end) or [(0, 0)]  # (0, 0) overlaps nothing: VALUES needs a row
    return values(column("opens", BigInteger), column("closes", BigInteger), name="w").data(rows).cte("sla_windows")


def _span(session: Session, *, since: datetime, until: datetime, owner_ids, now: datetime) -> datetime:
    """The latest instant any clock of those tickets runs to: now, or a later stop."""
    stmt = (select(func.max(Ticket.first_response_at), func.max(Ticket.solved_at))
            .join(Customer, Customer.id == Ticket.customer_id)
            .where(owned(Customer.owner_id, owner_ids), Ticket.created_at >= since, Ticket.created_at < until))
    return max([now, *(at for at in session.execute(stmt).one() if at is not None)])


def clock_states(session: Session, *, since: datetime, until: datetime, owner_ids, now: datetime, calendar: Calendar):
    """A CTE, one row per ticket created in [since, until) of the owners' customers: id,
    created_at, response and resolution (1 met, 0 missed, NULL pending)."""
    now_us = literal(us(now), BigInteger())
    created = epoch_us(Ticket.created_at)
    pend = epoch_us(Ticket.pending_since)
    running_end = case((and_(Ticket.pending_since.is_not(None), pend < now_us), pend), else_=now_us)
    t = (
        select(
            Ticket.id, Ticket.created_at, Ticket.sla_business, created.label("created_us"),
            func.coalesce(epoch_us(Ticket.first_response_at), running_end).label("resp_end"),
            func.coalesce(epoch_us(Ticket.solved_at), running_end).label("res_end"),
            (Ticket.first_response_at.is_not(None)).label("resp_stopped"),
            (Ticket.solved_at.is_not(None)).label("res_stopped"),
            ((Ticket.response_minutes + Ticket.response_paused_minutes) * MINUTE_US).label("resp_limit"),
            ((Ticket.resolution_minutes + Ticket.resolution_paused_minutes) * MINUTE_US).label("res_limit"),
        )
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(owned(Customer.owner_id, owner_ids), Ticket.created_at >= since, Ticket.created_at < until)
        .cte("sla_tickets").prefix_with("MATERIALIZED")  # each instant converted once, not once per window
    )
    w = _windows_cte(calendar, since, _span(session, since=since, until=until, owner_ids=owner_ids, now=now))

    def state(end, stopped, limit):
        business = (select(func.coalesce(func.sum(least(w.c.closes, end) - greatest(w.c.opens, t.c.created_us)), 0))
                    .where(w.c.opens < end, w.c.closes > t.c.created_us).scalar_subquery())
        elapsed = case((t.c.sla_business, business), else_=greatest(end - t.c.created_us, 0))
        return case((elapsed > limit, MISSED), (stopped, MET), else_=None)

    # MATERIALIZED: computed once, not inlined into every aggregate that reads a state (SQLite would)
    return select(
        t.c.id, t.c.created_at,
        state(t.c.resp_end, t.c.resp_stopped, t.c.resp_limit).label("response"),
        state(t.c.res_end, t.c.res_stopped, t.c.res_limit).label("resolution"),
    ).cte("clocks").prefix_with("MATERIALIZED")


@dataclass(frozen=True)
class SlaFigures:
    response: Trend[Rate]
    resolution: Trend[Rate]
    median_first_response: Trend[timedelta | None]


def sla_figures(*, session: Session, period: Period, previous: Period, owner_ids, now: datetime,
                calendar: Calendar) -> SlaFigures:
    s = clock_states(session, since=previous.start, until=period.end, owner_ids=owner_ids, now=now, calendar=calendar)
    cols = []
    for p in (period, previous):
        within = p.contains(s.c.created_at)
        for clock in (s.c.response, s.c.resolution):
            cols += [count_if(and_(within, clock == MET)), count_if(and_(within, clock.is_not(None)))]
    n = [int(v) for v in session.execute(select(*cols)).one()]
    medians = _medians(session, (period, previous), owner_ids)
    return SlaFigures(response=Trend(Rate(n[0], n[1]), Rate(n[4], n[5])),
                      resolution=Trend(Rate(n[2], n[3]), Rate(n[6], n[7])),
                      median_first_response=Trend(*medians))


def _medians(session: Session, periods: tuple[Period, ...], owner_ids) -> list[timedelta | None]:
    """The median first wait of the tickets created in each period (answered ones only)."""
    wait = epoch_us(Ticket.first_response_at) - epoch_us(Ticket.created_at)
    answered = (Customer.id == Ticket.customer_id, owned(Customer.owner_id, owner_ids), Ticket.first_response_at.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        cols = [func.percentile_cont(0.5).within_group(wait).filter(p.contains(Ticket.created_at)) for p in periods]
        span = (Ticket.created_at >= min(p.start for p in periods), Ticket.created_at < max(p.end for p in periods))
        found = session.execute(select(*cols).where(*answered, *span)).one()
    else:
        found = []
        for p in periods:
            waits = select(wait.label("x")).where(*answered, p.contains(Ticket.created_at)).subquery()
            n = select(func.count()).select_from(waits).scalar_subquery()
            middle = select(waits.c.x).order_by(waits.c.x).limit(2 - n % 2).offset((n - 1) // 2).subquery()
            found.append(session.execute(select(func.avg(middle.c.x))).scalar())
    return [None if v is None else timedelta(microseconds=round(float(v))) for v in found]


@dataclass(frozen=True)
class SlaBreach:
    ticket_id: int
    code: str
    customer_id: int
    customer_name: str
    owner_id: str
    assignee_id: str | None
    priority: str
    created_at: datetime
    response_missed: bool
    resolution_missed: bool


def sla_breaches(*, session: Session, period: Period, scope, now: datetime, calendar: Calendar = Calendar(),
                 limit: int = 20) -> Page[SlaBreach]:
    """Tickets created in the period (of the scope's customers) with a missed clock, oldest first."""
    owner_ids = scope.owner_ids(session)
    s = clock_states(session, since=period.start, until=period.end, owner_ids=owner_ids, now=now, calendar=calendar)
    missed = or_(s.c.response == MISSED, s.c.resolution == MISSED)
    total = session.execute(select(func.count()).select_from(s).where(missed)).scalar_one()
    stmt = (select(Ticket.id, Ticket.code, Customer.id, Customer.name, Customer.owner_id, Ticket.assignee_id, Ticket.priority,
                   Ticket.created_at, s.c.response == MISSED, s.c.resolution == MISSED)
            .join(s, s.c.id == Ticket.id).join(Customer, Customer.id == Ticket.customer_id)
            .where(missed).order_by(Ticket.created_at, Ticket.id).limit(limit))
    items = [SlaBreach(*row[:8], bool(row[8]), bool(row[9])) for row in session.execute(stmt)]
    return Page(items, int(total))

