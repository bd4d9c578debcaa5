"""Interactions, written together with the next action they leave."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from store.audit import stamp
from store.auto_actions import close_pending
from store.behaviour_tags import OUTCOMES
from store.customers import create_customer, get_customer
from store.errors import Checker, DomainError
from store.permissions import Viewer, can_log
from store.grading import CADENCE
from store.lifecycle import FIRST_CONTACT
from store.models import Customer, Interaction, NextAction, SlackUser, Way
from store.text import ACTION_MAX, FEEDBACK_MAX, NAME_MAX, PARTICIPANTS_MAX, SUMMARY_MAX, clean, clean_line, require


@dataclass(frozen=True)
class Logged:
    customer: Customer
    interaction: Interaction
    action: NextAction
    customer_created: bool


def log_interaction(
    *,
    session: Session,
    author_id: str,
    customer_id: int | None,
    new_customer_name: str | None,
    way: str,
    occurred_on: date,
    summary: str,
    feedback: str,
    participants: str,
    action_title: str,
    due_at: datetime,
    action_owner_id: str,
    now: datetime,
    viewer: Viewer | None = None,
    tz: str | None = None,
    outcome: str | None = None,
) -> Logged:
    """Validate everything first, then write customer (if new), interaction and next action.

    The caller's transaction makes it one unit: any DomainError leaves nothing written. `tz` is the
    author's zone (default: the one cached for them), for the day it was logged (logged_on).
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be aware")
    c = Checker()
    if way not in {w.value for w in Way}:
        c.fail("err_way", field="way")
    if outcome is not None and outcome not in OUTCOMES:
        c.fail("err_outcome", field="outcome")
    summary = c.check(require, clean(summary), field="summary", limit=SUMMARY_MAX)
    feedback = c.check(require, clean(feedback), field="feedback", limit=FEEDBACK_MAX, required=False)
    participants = c.check(require, clean_line(participants), field="participants", limit=PARTICIPANTS_MAX, required=False)
    action_title = c.check(require, clean_line(action_title), field="action", limit=ACTION_MAX)
    if due_at <= now:
        c.fail("err_due_past", field="due")
    logged_on = _local_day(session, author_id, tz, now)
    # the author's own today when their zone is known; else a day ahead of UTC covers every zone's
    # "today". Later than that is a typo (and would count in a period still to come).
    if occurred_on > (logged_on if logged_on is not None else now.date() + timedelta(days=1)):
        c.fail("err_date_future", field="date")
    if not action_owner_id:
        c.fail("err_required", field="owner")
    if customer_id is None and not new_customer_name:
        c.fail("err_required", field="customer")
    elif customer_id is None:
        c.check(require, clean_line(new_customer_name), field="customer", limit=NAME_MAX)
    c.done()

    created = False
    if customer_id is not None:
        customer = get_customer(session=session, customer_id=customer_id)
        if customer is None:
            raise DomainError("err_unknown_customer", field="customer")
        if viewer is not None and not can_log(viewer, customer):
            raise DomainError("err_not_your_customer", field="customer", owner=customer.owner_id)
    else:
        customer = create_customer(session=session, name=new_customer_name, owner_id=author_id, created_by=author_id, now=now)
        created = True

    interaction = Interaction(
        customer_id=customer.id,
        occurred_on=occurred_on,
        way=way,
        participants=participants,
        summary=summary,
        feedback=feedback,
        author_id=author_id,
        created_at=now,
        logged_on=logged_on,
        outcome=outcome,
    )
    session.add(interaction)
    session.flush()
    action = NextAction(
        customer_id=customer.id,
        interaction_id=interaction.id,
        title=action_title,
        due_at=due_at,
        announce_at=due_at,
        owner_id=action_owner_id,
        created_by=author_id,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    stamp(customer, now)
    touched(session, customer, at=now, by=author_id)
    session.add(customer)
    session.flush()
    return Logged(customer=customer, interaction=interaction, action=action, customer_created=created)


def _local_day(session: Session, author_id: str, tz: str | None, now: datetime) -> date | None:
    """`now`'s date in the author's zone; None when the zone is not known."""
    if tz is None:
        user = session.get(SlackUser, author_id)
        tz = user.tz if user is not None else None
    try:
        return now.astimezone(ZoneInfo(tz)).date() if tz else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def touched(session: Session, customer: Customer, *, at: datetime, by: str) -> None:
    """An interaction was logged at `at`: keep first/last interaction times (what the cadence
    sweep and the digests read) and close the first-contact and cadence actions it answers."""
    if customer.last_interaction_at is None or at > customer.last_interaction_at:
        customer.last_interaction_at = at
    if customer.first_contact_at is None or at < customer.first_contact_at:
        customer.first_contact_at = at
    close_pending(session, customer_id=customer.id, origins=(FIRST_CONTACT, CADENCE), by=by, now=at)
