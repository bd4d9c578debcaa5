"""The reviews the templates schedule. The monthly maintenance summary (multi-market template:
客户经理每月提交维护小结): on the first working day of a month (team calendar: CRM_BUSINESS_DAYS and
CRM_HOLIDAYS), from CRM_MONTHLY_SUMMARY (09:00) in its zone, every rep gets a DM (outbox kind "monthly_summary", unique
per rep and month) with a draft of the month just ended, and writes the success case and the
problems in a modal; the manager's monthly digest then lists who submitted and who has not.

A rep is whoever owns a customer that has not churned, or logged an interaction in the month.
The draft's figures, for the month [start, end) in the team's zone:
    customers touched   distinct customers of the rep's interactions on days of the month
    wins                the rep's deals moved to won (closed_at) within the month, and their sum per currency
    open problems       open tickets (new, open, waiting) on the rep's customers, as of sending
    overdue actions     the rep's open or snoozed next actions due before sending
If the bot was down that morning, the DMs go out at its first tick later that day; a bot that starts
on a later day of the month sends none for that month (a deployment made mid-month does not ask for
last month's summary out of the blue).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, union
from sqlmodel import Session, select

from store.alert_kinds import MONTHLY_SUMMARY
from store.crm_models import Deal
from store.errors import Checker, DomainError
from store.figures_base import Period
from store.models import OPEN_TICKET, PENDING_ACTION, Customer, Interaction, NextAction, Outbox, Stage, Ticket
from store.outbox import enqueue
from store.sla import Calendar, is_working_day
from store.tag_models import MonthlySummary
from store.text import clean, require

SEND_AT = time(9, 0)
CASE_MAX = PROBLEMS_MAX = 2000
SHOWN = 5
_USER_PREFIX = ("U", "W")


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_period(month: str, tz: str) -> Period:
    """"2026-11" -> that month in the zone; DomainError for anything else."""
    try:
        year, number = (int(x) for x in month.split("-"))
        first = date(year, number, 1)
    except (ValueError, TypeError):
        raise DomainError("review_err_month", field="month") from None
    if not 2000 <= year <= 2099 or len(month) != 7:
        raise DomainError("review_err_month", field="month")
    return Period.month(first, tz)


def first_working_day(cal: Calendar, year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_working_day(cal, day) and day.month == month:
        day += timedelta(days=1)
    return day if day.month == month else date(year, month, 1)


def summary_month_due(cal: Calendar, now: datetime, at: time = SEND_AT) -> str | None:
    """The month to summarise when the DMs are due at `now` (the first working day, from `at` to its end), else None."""
    local = now.astimezone(ZoneInfo(cal.tz))
    first = first_working_day(cal, local.year, local.month)
    if local.date() != first or local.time() < at:
        return None
    return month_key(local.date().replace(day=1) - timedelta(days=1))


def reps_of_month(*, session: Session, period: Period) -> list[str]:
    first, last = period.start.astimezone(ZoneInfo(period.tz)).date(), (period.end.astimezone(ZoneInfo(period.tz)) - timedelta(seconds=1)).date()
    ids = union(select(Customer.owner_id).where(Customer.stage != Stage.churned.value),
                select(Interaction.author_id).where(Interaction.occurred_on >= first, Interaction.occurred_on <= last))
    return sorted(x for x in session.execute(ids).scalars() if x and x.startswith(_USER_PREFIX) and x.isalnum())


def queue_monthly(*, session: Session, now: datetime, calendar: Calendar, at: time | None = SEND_AT) -> int:
    """Queue this month's DMs once (outbox key: kind, "summary:<rep>", month); the number queued. `at`
    None (CRM_MONTHLY_SUMMARY=off) sends none."""
    if at is None:
        return 0
    month = summary_month_due(calendar, now, at)
    if month is None:
        return 0
    if session.execute(select(Outbox.id).where(Outbox.kind == MONTHLY_SUMMARY, Outbox.due_key == month).limit(1)).first():
        return 0
    year, number = (int(x) for x in month.split("-"))
    period = Period.month(date(year, number, 1), calendar.tz)
    return sum(enqueue(session=session, kind=MONTHLY_SUMMARY, subject=f"summary:{rep}", due_key=month, recipient=rep, now=now,
                       data={"month": month}) for rep in reps_of_month(session=session, period=period))


@dataclass(frozen=True)
class Win:
    customer: str
    title: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Problem:
    code: str
    customer: str
    description: str


@dataclass(frozen=True)
class Overdue:
    customer: str
    title: str
    due_at: datetime
    kind: str | None = None  # a rule's action: its title is read in the reader's language (handlers/words.action_text)
    params: dict | None = None


@dataclass(frozen=True)
class Draft:
    month: str
    touched: int
    wins: list[Win]            # the first SHOWN
    won_count: int
    won_sums: dict[str, Decimal]
    problems: list[Problem]    # the first SHOWN, oldest first
    problem_count: int
    overdue: list[Overdue]     # the first SHOWN, longest overdue first
    overdue_count: int
    summary: MonthlySummary | None


def draft_of(*, session: Session, rep_id: str, month: str, tz: str, now: datetime) -> Draft:
    period = month_period(month, tz)
    zone = ZoneInfo(tz)
    first, last = period.start.astimezone(zone).date(), (period.end.astimezone(zone) - timedelta(seconds=1)).date()
    touched = session.execute(select(func.count(func.distinct(Interaction.customer_id))).where(
        Interaction.author_id == rep_id, Interaction.occurred_on >= first, Interaction.occurred_on <= last)).scalar_one()
    won = (Deal.owner_id == rep_id, Deal.stage == "won", Deal.closed_at >= period.start, Deal.closed_at < period.end)
    sums = {cur: Decimal(total) for cur, total in session.execute(
        select(Deal.currency, func.sum(Deal.amount)).where(*won).group_by(Deal.currency).order_by(Deal.currency))}
    won_count = session.execute(select(func.count(Deal.id)).where(*won)).scalar_one()
    wins = [Win(*row) for row in session.execute(
        select(Customer.name, Deal.title, Deal.amount, Deal.currency).join(Customer, Customer.id == Deal.customer_id)
        .where(*won).order_by(Deal.amount.desc(), Deal.id).limit(SHOWN))]
    mine_open = (Customer.owner_id == rep_id, Ticket.status.in_(OPEN_TICKET))
    problem_count = session.execute(select(func.count(Ticket.id)).join(Customer, Customer.id == Ticket.customer_id)
                                    .where(*mine_open)).scalar_one()
    problems = [Problem(*row) for row in session.execute(
        select(Ticket.code, Customer.name, Ticket.description).join(Customer, Customer.id == Ticket.customer_id)
        .where(*mine_open).order_by(Ticket.created_at, Ticket.id).limit(SHOWN))]
    late = (NextAction.owner_id == rep_id, NextAction.status.in_(PENDING_ACTION), NextAction.due_at < now)
    overdue_count = session.execute(select(func.count(NextAction.id)).where(*late)).scalar_one()
    overdue = [Overdue(*row) for row in session.execute(
        select(Customer.name, NextAction.title, NextAction.due_at, NextAction.kind, NextAction.params).join(Customer, Customer.id == NextAction.customer_id)
        .where(*late).order_by(NextAction.due_at, NextAction.id).limit(SHOWN))]
    summary = session.exec(select(MonthlySummary).where(MonthlySummary.rep_id == rep_id, MonthlySummary.month == month)).first()
    return Draft(month=month, touched=touched, wins=wins, won_count=won_count, won_sums=sums, problems=problems,
                 problem_count=problem_count, overdue=overdue, overdue_count=overdue_count, summary=summary)


def submit_summary(*, session: Session, rep_id: str, month: str, success_case: str, problems: str, now: datetime,
                   tz: str) -> MonthlySummary:
    """Save (or replace) the rep's summary of `month`; only a month that has begun, within two years."""
    period = month_period(month, tz)
    if period.start > now or period.end < now - timedelta(days=730):
        raise DomainError("review_err_month", field="month")
    c = Checker()
    case = c.check(require, clean(success_case), field="success_case", limit=CASE_MAX)
    issues = c.check(require, clean(problems), field="problems", limit=PROBLEMS_MAX, required=False)
    c.done()
    row = session.exec(select(MonthlySummary).where(MonthlySummary.rep_id == rep_id, MonthlySummary.month == month)
                       .with_for_update()).first()
    if row is None:
        row = MonthlySummary(rep_id=rep_id, month=month, success_case=case, problems=issues, submitted_at=now, updated_at=now)
    else:
        row.success_case, row.problems, row.updated_at = case, issues, now
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class SummaryStatus:
    month: str
    submitted: list[MonthlySummary]   # by rep
    missing: list[str]                # asked (a DM was queued) and not submitted


def summary_status(*, session: Session, month: str, rep_ids: Collection[str] | None) -> SummaryStatus:
    """Who of these reps (None: everyone) submitted `month`'s summary, and who was asked and has not."""
    asked = select(Outbox.recipient).where(Outbox.kind == MONTHLY_SUMMARY, Outbox.due_key == month)
    done = select(MonthlySummary).where(MonthlySummary.month == month)
    if rep_ids is not None:
        scope = sorted(set(rep_ids))
        asked, done = asked.where(Outbox.recipient.in_(scope)), done.where(MonthlySummary.rep_id.in_(scope))
    submitted = list(session.exec(done.order_by(MonthlySummary.rep_id)).all())
    have = {s.rep_id for s in submitted}
    missing = sorted(set(session.execute(asked).scalars()) - have)
    return SummaryStatus(month=month, submitted=submitted, missing=missing)
