"""The customer lifecycle: stages, their statuses, which moves are allowed, and the time limits
that create next actions.

Stages and statuses (labels in store/vocab.py):
    lead       to_nurture 待培育 | low_intent 低意向 | high_intent 高意向
    nurturing  clear_intent 意向明确 | needs_follow_up 需跟进 | to_abandon 待放弃
    converted  signed 已签约 | implementing 实施中 | delivered 已交付
    mature     high_loyalty 高忠诚度 | stable 稳定 | needs_attention 需关注
    churned    winning_back 挽回中 | won_back 已挽回 | win_back_failed 挽回失败 | lost_for_good 不可挽回

Moves between stages (any status change within a stage is allowed):
    lead -> nurturing, converted            nurturing -> lead, converted, churned
    converted -> mature, churned            mature -> churned
    churned -> nurturing, converted, mature (a customer won back)
Entering a stage without a status gives its default (to_nurture, needs_follow_up, signed,
stable); churned has none: say whether the customer is being won back (in progress, while it is
recoverable and its plan is open), was won back, failed or is lost for good (store/winback.py).
Entering churned cancels every pending next action of the earlier stages (a satisfaction check,
a review, a follow-up, typed ones too), each with close_reason "churned" so a reader is told why.

Time limits (TimeLimits, passed in), each an action for the customer's owner, in the owner's zone
on the team's calendar (store/workdays.py): the first contact one working day of business time
later; the others on the day the limit is reached, or the next working day, at the start of the
working hours (never creation time + N days at 01:28):
    new lead                 first contact within 1 working day (store.sla.Calendar)
    entering nurturing       needs research within 2 weeks of the first contact (or of now)
    a deal enters negotiation  signing within 1 week            (store/deals.py)
    status delivered         satisfaction check within 1 week
    entering mature          review every quarter (review_sweep makes the next one)
    entering churned         win-back within 1 month
Leaving lead, nurturing, mature or churned cancels that stage's pending time-limit action.
"""
from __future__ import annotations

import calendar as _calendar
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from store import audit
from store.auto_actions import cancel_all_pending, close_pending, open_once
from store.crm_models import StageChange
from store.cs_owners import CsOwners, cs_owner_for
from store.errors import DomainError
from store.models import PENDING_ACTION, ActionStatus, Customer, NextAction
from store.permissions import Viewer, can_edit, require
from store.sla import Calendar, add_business
from store.workdays import owner_calendar, working_day_start
from store.text import clean_line
from store.db import get_for_update
from store.tuning import TimeLimits

STAGE_STATUSES: dict[str, tuple[str, ...]] = {
    "lead": ("to_nurture", "low_intent", "high_intent"),
    "nurturing": ("clear_intent", "needs_follow_up", "to_abandon"),
    "converted": ("signed", "implementing", "delivered"),
    "mature": ("high_loyalty", "stable", "needs_attention"),
    "churned": ("winning_back", "won_back", "win_back_failed", "lost_for_good"),
}
DEFAULT_STATUS: dict[str, str] = {"lead": "to_nurture", "nurturing": "needs_follow_up", "converted": "signed", "mature": "stable"}
NEXT_STAGES: dict[str, frozenset[str]] = {
    "lead": frozenset({"nurturing", "converted"}),
    "nurturing": frozenset({"lead", "converted", "churned"}),
    "converted": frozenset({"mature", "churned"}),
    "mature": frozenset({"churned"}),
    "churned": frozenset({"nurturing", "converted", "mature"}),
}
REASON_MAX = 500
FIRST_CONTACT = "lifecycle:first_contact"
NEEDS_RESEARCH = "lifecycle:needs_research"
SATISFACTION_CHECK = "lifecycle:satisfaction_check"
QUARTERLY_REVIEW = "lifecycle:quarterly_review"
WIN_BACK = "lifecycle:win_back"
# Pending time-limit actions that lose their point when the customer leaves the stage: cancelled.
LEFT_BEHIND: dict[str, tuple[str, ...]] = {
    "lead": (FIRST_CONTACT,), "nurturing": (NEEDS_RESEARCH,), "mature": (QUARTERLY_REVIEW,), "churned": (WIN_BACK,),
}
CLOSED_BY_CHURN = "churned"  # NextAction.close_reason of the actions a churn cancelled


def add_months(at: datetime, months: int) -> datetime:
    """The same day and time `months` later, on the month's last day when it is shorter."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, _calendar.monthrange(year, month)[1]))


def working_day_minutes(cal: Calendar) -> int:
    end = cal.end.hour * 60 + cal.end.minute or 24 * 60
    return end - (cal.start.hour * 60 + cal.start.minute)


def first_contact_due(cal: Calendar, created_at: datetime, limits: TimeLimits) -> datetime:
    """A working day is the calendar's working hours: Fri 15:00 + 1 -> Mon 15:00."""
    return add_business(cal, created_at, limits.first_contact_working_days * working_day_minutes(cal))


def limit_due(session: Session, owner_id: str, limits: TimeLimits, reached: datetime) -> datetime:
    """A time limit reached at `reached` (creation + N days, + N months): due on the owner's working
    day of that date, or the next one, at the start of their working hours, in their zone."""
    return working_day_start(owner_calendar(session, limits.calendar, owner_id), reached)


def check_move(stage_from: str, stage_to: str, status: str | None) -> str:
    """The status the customer will have, or DomainError(err_stage | err_transition | err_status...)."""
    if stage_to not in STAGE_STATUSES:
        raise DomainError("err_stage", field="stage", stage=stage_to)
    if stage_to != stage_from and stage_to not in NEXT_STAGES.get(stage_from, frozenset()):
        raise DomainError("err_transition", field="stage", stage_from=stage_from, stage_to=stage_to)
    if status is None:
        if stage_to == stage_from:
            raise DomainError("err_status_required", field="status", stage=stage_to)
        status = DEFAULT_STATUS.get(stage_to)
        if status is None:
            raise DomainError("err_status_required", field="status", stage=stage_to)
    if status not in STAGE_STATUSES[stage_to]:
        raise DomainError("err_status", field="status", stage=stage_to, status=status)
    return status


def open_first_contact(session: Session, customer: Customer, *, cal: Calendar, limits: TimeLimits, now: datetime,
                       by: str) -> NextAction | None:
    """Due one working day (business time) later on the team calendar laid on the owner's zone."""
    due = first_contact_due(owner_calendar(session, cal, customer.owner_id), now, limits)
    return open_once(session, customer_id=customer.id, owner_id=customer.owner_id, origin=FIRST_CONTACT,
                     kind="first_contact", due_at=due, now=now, created_by=by)


def move(session: Session, customer: Customer, *, stage: str, status: str | None, by: str, now: datetime,
         limits: TimeLimits, reason: str = "", cs_owner: CsOwners | None = None) -> StageChange | None:
    """Move without a permission check (the caller did it, or a rule moves it: a deal won).
    `cs_owner`: the team defaults of customer-success owners (CRM_CS_OWNER, store/cs_owners.py): a
    customer that converts without one gets the one of its owner's team."""
    status = check_move(customer.stage, stage, status)
    if (stage, status) == (customer.stage, customer.status):
        return None
    before_stage, before_status = customer.stage, customer.status
    change = StageChange(customer_id=customer.id, at=now, by=by, from_stage=before_stage, from_status=before_status,
                         to_stage=stage, to_status=status, reason=clean_line(reason)[:REASON_MAX])
    session.add(change)
    audit.record(session, at=now, by=by, customer_id=customer.id, field="stage", old=before_stage, new=stage)
    audit.record(session, at=now, by=by, customer_id=customer.id, field="status", old=before_status, new=status)
    customer.stage, customer.status = stage, status
    audit.stamp(customer, now)
    if stage != before_stage:
        customer.stage_changed_at = now
    chosen = cs_owner_for(cs_owner, session=session, owner_id=customer.owner_id) if cs_owner and stage == "converted" and not customer.cs_owner_id else None
    if stage != before_stage and chosen:
        audit.record(session, at=now, by=by, customer_id=customer.id, field="cs_owner_id", old=None, new=chosen)
        customer.cs_owner_id = chosen
    session.add(customer)
    session.flush()
    if stage == "churned" and before_stage != "churned":
        cancel_all_pending(session, customer_id=customer.id, now=now, reason=CLOSED_BY_CHURN)
    if stage != before_stage and before_stage in LEFT_BEHIND:
        close_pending(session, customer_id=customer.id, origins=LEFT_BEHIND[before_stage], by=by, now=now,
                      status=ActionStatus.cancelled.value)
    _time_limits(session, customer, entered_stage=stage != before_stage, entered_status=status != before_status,
                 limits=limits, now=now, by=by)
    return change


def _time_limits(session: Session, customer: Customer, *, entered_stage: bool, entered_status: bool,
                 limits: TimeLimits, now: datetime, by: str) -> None:
    def make(origin: str, kind: str, reached: datetime, owner_id: str | None = None) -> None:
        owner = owner_id or customer.owner_id
        open_once(session, customer_id=customer.id, owner_id=owner, origin=origin, kind=kind,
                  due_at=limit_due(session, owner, limits, reached), now=now, created_by=by)

    if entered_stage and customer.stage == "nurturing":
        make(NEEDS_RESEARCH, "needs_research", (customer.first_contact_at or now) + limits.needs_research)
    if entered_stage and customer.stage == "mature":  # the review goes to customer success, when there is one
        make(QUARTERLY_REVIEW, "quarterly_review", add_months(now, limits.review_months), customer.cs_owner_id)
    if entered_stage and customer.stage == "churned":
        make(WIN_BACK, "win_back", add_months(now, limits.win_back_months))
    if entered_status and customer.status == "delivered":
        make(SATISFACTION_CHECK, "satisfaction_check", now + limits.satisfaction_check)


def change_stage(*, session: Session, viewer: Viewer, customer_id: int, stage: str, status: str | None = None,
                 reason: str = "", now: datetime, limits: TimeLimits = TimeLimits(), cs_owner: CsOwners | None = None) -> StageChange | None:
    """Change a customer's stage and/or status; None when it already was so."""
    customer = get_for_update(session, Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    return move(session, customer, stage=stage, status=status, by=viewer.id, now=now, limits=limits, reason=reason,
                cs_owner=cs_owner)


def stage_history(*, session: Session, customer_id: int) -> list[StageChange]:
    """Newest first."""
    stmt = select(StageChange).where(StageChange.customer_id == customer_id).order_by(StageChange.at.desc(), StageChange.id.desc())
    return list(session.exec(stmt))


def review_sweep(*, session: Session, now: datetime, limits: TimeLimits = TimeLimits(), limit: int = 1000) -> list[NextAction]:
    """The next quarterly review of each mature customer that has none pending: due a quarter
    after the latest review's due time (or after the customer became mature), for its
    customer-success owner (the lifecycle template's 季度回顾), else its owner."""
    mine = (NextAction.customer_id == Customer.id, NextAction.origin == QUARTERLY_REVIEW)
    pending = select(NextAction.id).where(*mine, NextAction.status.in_(PENDING_ACTION))
    last_due = select(func.max(NextAction.due_at)).where(*mine).scalar_subquery()
    stmt = (
        select(Customer, last_due)
        .where(Customer.stage == "mature", ~pending.exists())
        .order_by(Customer.id)
        .limit(limit)
    )
    made = []
    for customer, last in session.exec(stmt).all():
        base = last or customer.stage_changed_at or now
        owner = customer.cs_owner_id or customer.owner_id
        due = limit_due(session, owner, limits, add_months(base, limits.review_months))
        action = open_once(session, customer_id=customer.id, owner_id=owner, origin=QUARTERLY_REVIEW,
                           kind="quarterly_review", due_at=due, now=now)
        if action is not None:
            made.append(action)
    return made
