"""Keeping customers: a retention plan started from a churn-risk ping, and the churn case's
lessons as the win-back goes on.

`start_retention` answers a churn-risk ping for a customer not (yet) churned with a plan checked by
the same rules as a win-back plan (store/winback.py: actions, a deadline after now and within one
calendar month, a note): it records RiskResponse(kind="winback", score = the customer's health
score, reason = the note) and one dated next action per chosen action for the plan's owner (by
default the manager of the customer's owner, else the owner), due at the deadline, with origin
"retention:<action>". A customer has at most one pending action of an origin (the partial unique
index on next_action), so a second plan takes over the pending actions of the first.

`current_case` is the churn case of a churned customer; `append_lessons` adds what was learnt to a
case when its win-back plan closes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from store.auto_actions import pending_with_origin, title_for
from store.errors import Checker, DomainError
from store.models import ActionStatus, ChurnCase, Customer, NextAction, RiskResponse
from store.permissions import Viewer, require
from store.risk import may_answer
from store.text import clean, require as require_text
from store.users import manager_of
# A retention plan keeps the win-back plan's rules; the current case is the one mark_churned checks for.
from store.winback import LESSONS_MAX, PlanRequest, check_plan, open_case
from store.db import get_for_update

ORIGIN = "retention"
KIND = "winback"  # RiskResponse.kind of a plan started from a ping
# An action `code` of the plan is the rule-made action of kind "retention_<code>" (store/vocab.py).


@dataclass(frozen=True)
class Retention:
    response: RiskResponse
    owner_id: str
    plan: PlanRequest          # as checked: its actions sorted, its note cleaned
    actions: list[NextAction]  # one per action of the plan, in its order


def origin_of(action: str) -> str:
    return f"{ORIGIN}:{action}"


def start_retention(*, session: Session, viewer: Viewer, customer_id: int, plan: PlanRequest, now: datetime) -> Retention:
    """Whoever may answer the customer's churn-risk ping starts one (store.risk.may_answer)."""
    customer = get_for_update(session, Customer, customer_id)  # one plan at a time per customer
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    require(may_answer(viewer, customer), viewer=viewer, customer=customer, action="edit")
    c = Checker()
    plan = check_plan(c, plan, now)
    c.done()
    owner = plan.owner_id or manager_of(session=session, user_id=customer.owner_id) or customer.owner_id
    response = RiskResponse(customer_id=customer.id, kind=KIND, by=viewer.id, at=now, score=customer.health_score,
                            reason=plan.note)
    session.add(response)
    made = []
    for code in plan.actions:
        action = pending_with_origin(session, customer.id, origin_of(code))
        if action is None:
            kind = f"retention_{code}"
            action = NextAction(customer_id=customer.id, title=title_for(kind), kind=kind, origin=origin_of(code), created_by=viewer.id,
                                status=ActionStatus.open.value, due_at=plan.deadline, owner_id=owner, created_at=now)
        action.owner_id, action.due_at, action.announce_at, action.updated_at = owner, plan.deadline, plan.deadline, now
        session.add(action)
        made.append(action)
    session.flush()
    return Retention(response=response, owner_id=owner, plan=plan, actions=made)


def current_case(*, session: Session, customer: Customer) -> ChurnCase | None:
    """The case recorded since the customer last became churned, while it is churned."""
    return open_case(session, customer)


def append_lessons(*, session: Session, case_id: int, lessons: str) -> ChurnCase:
    """Add a paragraph to the case's lessons (the caller checked who may). Nothing to add: unchanged."""
    case = get_for_update(session, ChurnCase, case_id)
    if case is None:
        raise DomainError("winback_err_unknown_case")
    c = Checker()
    added = c.check(require_text, clean(lessons), field="lessons", limit=LESSONS_MAX, required=False)
    c.done()
    if added:
        case.lessons = f"{case.lessons}\n{added}" if case.lessons else added
        session.add(case)
        session.flush()
    return case
