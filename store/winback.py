"""Churn and win-back: why a customer left, whether it can be won back, and the plan to win it back.

`mark_churned` records a ChurnCase (the main reason, one of REASONS; whether the customer is
recoverable; free-text lessons) and moves the customer to churned with store.lifecycle.change_stage.
A customer not recoverable gets lost_for_good; a recoverable one winning_back (挽回中, in progress)
until its plan closes, and only the plan's outcome (OUTCOMES) sets the final status, so the history
never records a failure that did not happen. `status` chooses another. A person moving the customer by
hand (`change_stage_by_hand`) may not set won_back, nor any outcome while the plan is open. Entering churned cancels the
earlier stages' pending actions (store.lifecycle.move); `Churned.cancelled` lists them. A customer
gets one case per time it churned.

Win-back plans. A recoverable high-value customer (value_tier "high") must get one with its case;
another recoverable customer may (then or later, `plan_winback`); one not recoverable may not, and
its pending win-back action (the lifecycle's, made on entering churned) is cancelled. A plan has an
owner (by default the manager of the customer's owner, store.users.manager_of, else the owner),
actions (a non-empty set of ACTIONS), a deadline after now and at most one calendar month ahead
(store.lifecycle.add_months: Jan 31 -> Feb 28), and a note. The pending win-back action follows the
plan: its owner and due time become the plan's. `close_plan` records the outcome (OUTCOMES, the
churned stage's final statuses), sets the customer's status to it while the customer is still churned
(store.lifecycle.move: the plan's owner may close it without the right to edit the customer, so the
permission is checked here) and marks the win-back action done. A customer won back then returns to
the stage it left (RETURN_STATUS: mature as needs_attention, converted with the status it had,
nurturing as needs_follow_up; converted when nothing says), reason WON_BACK: a second history line,
and a converted or mature customer is scored for health again.

`monthly_review`: churn cases of a period by reason, plans closed in it and how many won the
customer back (recovery rate), and the lessons written. Periods are [start, end).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func
from sqlmodel import Session, select

from store.auto_actions import close_pending, pending_with_origin
from store.errors import Checker, DomainError
from store.crm_models import StageChange
from store.lifecycle import CLOSED_BY_CHURN, WIN_BACK, TimeLimits, add_months, change_stage, move
from store.models import ActionStatus, ChurnCase, Customer, NextAction, WinbackPlan
from store.permissions import Viewer, can_edit, require
from store.text import clean, require as require_text
from store.users import manager_of
from store.db import get_for_update

REASONS = ("service_quality", "product_competitiveness", "price", "relationship", "business_change", "other")
ACTIONS = ("price", "service_upgrade", "specific_fix")
IN_PROGRESS = "winning_back"
OUTCOMES = ("won_back", "win_back_failed", "lost_for_good")  # the churned stage's final statuses
CHURNED = "churned"
WON_BACK = "won_back"  # StageChange.reason of the return to the stage it left
RETURN_STATUS = {"mature": "needs_attention", "nurturing": "needs_follow_up"}  # converted: the status it had
HIGH_VALUE = "high"
LESSONS_MAX, NOTE_MAX = 2000, 500


@dataclass(frozen=True)
class PlanRequest:
    actions: Collection[str]
    deadline: datetime
    owner_id: str | None = None  # None: the owner's manager, else the owner
    note: str = ""


@dataclass(frozen=True)
class Churned:
    case: ChurnCase
    plan: WinbackPlan | None
    cancelled: list[NextAction]  # the earlier stages' pending actions the churn cancelled


def check_plan(c: Checker, plan: PlanRequest, now: datetime) -> PlanRequest:
    """The plan with its actions as a sorted list and its note cleaned, or the refusals in `c`."""
    chosen = {plan.actions} if isinstance(plan.actions, str) else set(plan.actions)
    if not chosen or not chosen <= set(ACTIONS):
        c.fail("winback_err_actions", field="actions")
    if plan.deadline.tzinfo is None or plan.deadline.utcoffset() is None:
        raise ValueError("deadline must be aware")
    latest = add_months(now, 1)
    if plan.deadline <= now:
        c.fail("winback_err_deadline_past", field="deadline")
    elif plan.deadline > latest:
        c.fail("winback_err_deadline_month", field="deadline", latest=latest.isoformat())
    note = c.check(require_text, clean(plan.note), field="note", limit=NOTE_MAX, required=False)
    return PlanRequest(actions=sorted(chosen), deadline=plan.deadline, owner_id=plan.owner_id, note=note or "")


def _locked_customer(session: Session, customer_id: int) -> Customer:
    customer = get_for_update(session, Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    return customer


def _make_plan(session: Session, case: ChurnCase, customer: Customer, plan: PlanRequest, *, by: str,
               now: datetime) -> WinbackPlan:
    """Write a checked plan (see check_plan) and hand it the lifecycle's win-back action."""
    owner = plan.owner_id or manager_of(session=session, user_id=customer.owner_id) or customer.owner_id
    row = WinbackPlan(churn_case_id=case.id, customer_id=customer.id, owner_id=owner, actions=list(plan.actions),
                      note=plan.note, deadline=plan.deadline, created_at=now, created_by=by)
    session.add(row)
    action = pending_with_origin(session, customer.id, WIN_BACK)
    if action is not None:  # the lifecycle's "win the customer back" action is this plan's
        action.owner_id, action.due_at, action.announce_at, action.updated_at = owner, plan.deadline, plan.deadline, now
        session.add(action)
    session.flush()
    return row


def open_case(session: Session, customer: Customer) -> ChurnCase | None:
    """The case recorded since the customer last entered churned, if it is churned."""
    if customer.stage != CHURNED:
        return None
    stmt = select(ChurnCase).where(ChurnCase.customer_id == customer.id)
    if customer.stage_changed_at is not None:
        stmt = stmt.where(ChurnCase.at >= customer.stage_changed_at)
    return session.exec(stmt.limit(1)).first()


def change_stage_by_hand(*, session: Session, viewer: Viewer, customer_id: int, stage: str, status: str | None = None,
                         reason: str = "", now: datetime, limits: TimeLimits = TimeLimits(), cs_owner=None) -> StageChange | None:
    """store.lifecycle.change_stage for a person moving a customer by hand (`/crm stage`, the card's
    Change stage), where the churned stage's outcomes are the win-back plan's to set: won_back is
    refused (closing a plan as won back returns the customer to the stage it left; set by hand it
    would sit in churned, left out of health scoring, its plan still open), and so is any outcome
    while the customer's plan is open (closing the plan with it sets the status)."""
    customer = session.get(Customer, customer_id)
    if customer is not None and stage == CHURNED and status in OUTCOMES:
        require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
        if status == WON_BACK:
            raise DomainError("winback_err_won_back_by_hand", field="status", code=customer.code)
        case = open_case(session, customer)
        plan = plan_of(session=session, case_id=case.id) if case is not None else None
        if plan is not None and plan.outcome is None:
            raise DomainError("winback_err_plan_open", field="status", code=customer.code)
    return change_stage(session=session, viewer=viewer, customer_id=customer_id, stage=stage, status=status, reason=reason,
                        now=now, limits=limits, cs_owner=cs_owner)


def last_case(session: Session, customer_id: int) -> ChurnCase | None:
    """The customer's latest churn case, churned or not (a customer won back has left churned)."""
    stmt = select(ChurnCase).where(ChurnCase.customer_id == customer_id).order_by(ChurnCase.at.desc(), ChurnCase.id.desc())
    return session.exec(stmt.limit(1)).first()


def mark_churned(*, session: Session, viewer: Viewer, customer_id: int, reason: str, recoverable: bool, lessons: str,
                 now: datetime, plan: PlanRequest | None = None, status: str | None = None,
                 limits: TimeLimits = TimeLimits()) -> Churned:
    """Record why the customer churned (and its win-back plan), moving it to churned. Every
    refusal at once (FieldErrors) before anything is written."""
    customer = _locked_customer(session, customer_id)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    c = Checker()
    if reason not in REASONS:
        c.fail("winback_err_reason", field="reason", reason=reason)
    lessons = c.check(require_text, clean(lessons), field="lessons", limit=LESSONS_MAX, required=False)
    if status is not None and status not in (IN_PROGRESS, *OUTCOMES):
        c.fail("err_status", field="status", stage=CHURNED, status=status)
    if open_case(session, customer) is not None:
        c.fail("winback_err_recorded", field="customer")
    if plan is not None and not recoverable:
        c.fail("winback_err_not_recoverable", field="plan")
    elif plan is None and recoverable and customer.value_tier == HIGH_VALUE:
        c.fail("winback_err_plan_required", field="plan")
    elif plan is not None:
        plan = check_plan(c, plan, now)
    c.done()
    status = status or (IN_PROGRESS if recoverable else "lost_for_good")
    if (customer.stage, customer.status) != (CHURNED, status):
        change_stage(session=session, viewer=viewer, customer_id=customer.id, stage=CHURNED, status=status, reason=reason,
                     now=now, limits=limits)
    if not recoverable:
        close_pending(session, customer_id=customer.id, origins=(WIN_BACK,), by=viewer.id, now=now,
                      status=ActionStatus.cancelled.value)
    churn = ChurnCase(customer_id=customer.id, at=now, by=viewer.id, reason=reason, recoverable=recoverable, lessons=lessons)
    session.add(churn)
    session.flush()
    made = _make_plan(session, churn, customer, plan, by=viewer.id, now=now) if plan is not None else None
    cancelled = session.exec(select(NextAction).where(NextAction.customer_id == customer.id, NextAction.updated_at == now,
                                                      NextAction.close_reason == CLOSED_BY_CHURN).order_by(NextAction.due_at, NextAction.id))
    return Churned(case=churn, plan=made, cancelled=list(cancelled))


def plan_winback(*, session: Session, viewer: Viewer, case_id: int, plan: PlanRequest, now: datetime) -> WinbackPlan:
    """A win-back plan for a recoverable case that has none yet."""
    churn = session.get(ChurnCase, case_id)
    if churn is None:
        raise DomainError("winback_err_unknown_case")
    customer = _locked_customer(session, churn.customer_id)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    c = Checker()
    if not churn.recoverable:
        c.fail("winback_err_not_recoverable", field="plan")
    if session.exec(select(WinbackPlan.id).where(WinbackPlan.churn_case_id == churn.id)).first() is not None:
        c.fail("winback_err_has_plan", field="plan")
    plan = check_plan(c, plan, now)
    c.done()
    return _make_plan(session, churn, customer, plan, by=viewer.id, now=now)


def close_plan(*, session: Session, viewer: Viewer, plan_id: int, outcome: str, now: datetime,
               limits: TimeLimits = TimeLimits()) -> WinbackPlan:
    """Record the plan's outcome; a customer still churned takes it as its status."""
    plan = get_for_update(session, WinbackPlan, plan_id)
    if plan is None:
        raise DomainError("winback_err_unknown_plan")
    customer = _locked_customer(session, plan.customer_id)
    require(can_edit(viewer, customer) or viewer.id == plan.owner_id, viewer=viewer, customer=customer, action="edit")
    if outcome not in OUTCOMES:
        raise DomainError("winback_err_outcome", field="outcome", outcome=outcome)
    if plan.outcome is not None:
        raise DomainError("winback_err_closed", field="outcome", outcome=plan.outcome)
    plan.outcome, plan.closed_at, plan.closed_by = outcome, now, viewer.id
    session.add(plan)
    close_pending(session, customer_id=customer.id, origins=(WIN_BACK,), by=viewer.id, now=now)
    if customer.stage == CHURNED:
        move(session, customer, stage=CHURNED, status=outcome, by=viewer.id, now=now, limits=limits, reason="winback")
        if outcome == WON_BACK:
            stage, status = stage_left(session, customer)
            move(session, customer, stage=stage, status=status, by=viewer.id, now=now, limits=limits, reason=WON_BACK)
    session.flush()
    return plan


def stage_left(session: Session, customer: Customer) -> tuple[str, str]:
    """The stage (and status) a won-back customer returns to: the one it left for churned."""
    stmt = (select(StageChange.from_stage, StageChange.from_status)
            .where(StageChange.customer_id == customer.id, StageChange.to_stage == CHURNED,
                   StageChange.from_stage.is_not(None), StageChange.from_stage != CHURNED)
            .order_by(StageChange.at.desc(), StageChange.id.desc()).limit(1))
    left = session.exec(stmt).first()
    stage, status = left if left is not None else ("converted", "signed")
    return stage, RETURN_STATUS.get(stage, status)


def plan_of(*, session: Session, case_id: int) -> WinbackPlan | None:
    return session.exec(select(WinbackPlan).where(WinbackPlan.churn_case_id == case_id)).first()


# -- the monthly review ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Lesson:
    case_id: int
    customer_id: int
    customer_name: str
    reason: str
    at: datetime
    recoverable: bool
    lessons: str


@dataclass(frozen=True)
class WinbackReview:
    start: datetime
    end: datetime
    by_reason: dict[str, int]  # every reason, in REASONS order, zeros included
    recoverable: int
    plans_closed: int
    won_back: int
    lessons: list[Lesson]

    @property
    def churned(self) -> int:
        return sum(self.by_reason.values())

    @property
    def recovery_rate(self) -> float | None:
        """Percent of the plans closed in the period that won the customer back, one decimal
        rounded half up; None when none closed."""
        if not self.plans_closed:
            return None
        exact = Decimal(self.won_back * 100) / Decimal(self.plans_closed)
        return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def monthly_review(*, session: Session, start: datetime, end: datetime,
                   owner_ids: Collection[str] | None = None) -> WinbackReview:
    """Churn cases recorded in [start, end) by reason, plans closed in it, and the lessons; of the
    customers of these owners (None: everyone's). Three queries."""
    if end <= start:
        raise ValueError("a period ends after it starts")

    def scoped(stmt, customer_id):
        stmt = stmt.join(Customer, Customer.id == customer_id)
        return stmt if owner_ids is None else stmt.where(Customer.owner_id.in_(sorted(set(owner_ids))))

    in_period = (ChurnCase.at >= start, ChurnCase.at < end)
    cases = scoped(select(ChurnCase.reason, func.count(ChurnCase.id),
                          func.coalesce(func.sum(case((ChurnCase.recoverable, 1), else_=0)), 0)), ChurnCase.customer_id)
    by_reason, recoverable = dict.fromkeys(REASONS, 0), 0
    for reason, count, recoverable_count in session.execute(cases.where(*in_period).group_by(ChurnCase.reason)):
        by_reason[reason] = by_reason.get(reason, 0) + count
        recoverable += int(recoverable_count)
    closed = scoped(select(func.count(WinbackPlan.id),
                           func.coalesce(func.sum(case((WinbackPlan.outcome == "won_back", 1), else_=0)), 0)),
                    WinbackPlan.customer_id).where(WinbackPlan.closed_at >= start, WinbackPlan.closed_at < end)
    plans_closed, won_back = session.execute(closed).one()
    written = scoped(select(ChurnCase.id, ChurnCase.customer_id, Customer.name, ChurnCase.reason, ChurnCase.at,
                            ChurnCase.recoverable, ChurnCase.lessons), ChurnCase.customer_id)
    written = written.where(*in_period, ChurnCase.lessons != "").order_by(ChurnCase.at, ChurnCase.id)
    return WinbackReview(start=start, end=end, by_reason=by_reason, recoverable=recoverable, plans_closed=int(plans_closed),
                         won_back=int(won_back), lessons=[Lesson(*row) for row in session.execute(written)])
