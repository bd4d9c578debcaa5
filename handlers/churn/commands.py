"""Churn and win-back in Slack.

- `/crm churn <customer>` and the card's Mark churned button open the churn modal (the stage modal
  and `/crm stage` send a churn here too, so a churn always has its reason): the main reason,
  whether it can be won back (choosing redraws the modal, keeping what was typed), the lessons, and
  for a recoverable customer the win-back plan (required for a high-value one).
- `/crm winback` and the plan's modals: handlers/churn/winback.py (using the helpers here).
A plan given to someone else reaches them as the usual "action_assigned" DM of its next action.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, escape, field_errors, mention, refusal, unescape
from handlers.churn.forms import (Form, Target, churn_view, customer_ref, form_of, label, plan_lines, plan_request, shown,
                                  stage_of, target_of, wants_plan)
from handlers.router import Subcommand
from handlers.context import crm_of, Profile, reply_profile, viewer_of
from handlers.i18n import t
from handlers.payload import clicked_value
from handlers.prefill import leading_customer
from handlers.forms import answer, cancelled_line, clicked_customer, metadata, open_modal, profile_now, redraw, state
from store.alert_kinds import ACTION_ASSIGNED
from store.auto_actions import pending_with_origin
from store.customers import find_exact
from store.db import transaction
from store.errors import DomainError
from store.lifecycle import CLOSED_BY_CHURN, WIN_BACK, check_move
from store.models import Customer, WinbackPlan
from store.outbox import enqueue
from store.permissions import can_edit, forbidden, require
from store.retention import current_case
from store.text import clean, clip_to
from store.winback import CHURNED, IN_PROGRESS, LESSONS_MAX, Churned, mark_churned

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.CARD_CHURN)(on_churn_button)
    app.action(ids.CHURN_RECOVERABLE)(on_recoverable)
    app.view(ids.CHURN_VIEW)(submit_churn)


def churn_refusal(profile: Profile, error: DomainError) -> str:
    return refusal(profile.locale, shown(error, profile))


def plan_errors(error: DomainError, profile: Profile, view: dict, fallback: str, blocks: dict | None = None) -> dict[str, str]:
    return field_errors(shown(error, profile), profile.locale, view=view, blocks=blocks or ids.WINBACK_FIELD_BLOCKS, fallback=fallback)


def tell_assigned(session: Session, *, action_ids: list[int], owner: str, by: str, key: str, now: datetime) -> bool:
    """The usual "action_assigned" DM of each action given to someone else; True when one was queued."""
    queued = [enqueue(session=session, kind=ACTION_ASSIGNED, subject=f"next_action:{action_id}", due_key=key, recipient=owner,
                      now=now) for action_id in action_ids if owner != by]
    return any(queued)


def winback_assigned(session: Session, plan: WinbackPlan | None, *, by: str, now: datetime) -> bool:
    """The store hands the lifecycle's win-back action to the plan's owner: tell them."""
    if plan is None:
        return False
    action = pending_with_origin(session, plan.customer_id, WIN_BACK)
    return action is not None and tell_assigned(session, action_ids=[action.id], owner=plan.owner_id, by=by,
                                            key=f"winback:{plan.id}", now=now)


def named(session: Session, text: str, usage: str) -> tuple[Customer, str]:
    """The customer a command names (code or whole name, else its first words), and the rest."""
    text = clean(unescape(text))
    if not text:
        raise DomainError(usage)
    customer = find_exact(session=session, text=text)
    if customer is not None:
        return customer, ""
    customer, rest = leading_customer(text, session=session)
    if customer is None:
        raise DomainError("lc_err_customer", customer=escape(clip(text, 60)))
    return customer, rest


# -- the churn modal -------------------------------------------------------------------------------

def churnable(session: Session, context: dict, customer: Customer) -> Target:
    """The customer, if the caller may mark it churned now; else the refusal."""
    viewer = viewer_of(session, context)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    if customer.stage != CHURNED:
        check_move(customer.stage, CHURNED, IN_PROGRESS)
    elif current_case(session=session, customer=customer) is not None:
        raise DomainError("winback_err_recorded")
    return target_of(session, customer)


def open_churn(*, client: WebClient, context: dict, trigger_id: str, channel: str, customer_id: int, lessons: str = "",
               tell: Callable[[str], None]) -> None:
    """The churn modal (indexed lookups before views.open), or why not through `tell`."""
    crm = crm_of(context)
    try:
        with transaction(crm.db) as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise DomainError("err_unknown_customer")
            target = churnable(session, context, customer)
    except DomainError as e:  # a slash command's first reply: in the asker's language, users.info if never asked
        tell(churn_refusal(reply_profile(client=client, context=context), e))
        return
    meta, form = {"customer": customer_id, "channel": channel}, Form(lessons=clip_to(clean(lessons), LESSONS_MAX))
    open_modal(client=client, context=context, trigger_id=trigger_id, channel=channel,
               build=lambda p: churn_view(p, target, meta, form, now=crm.defaults.clock()))


def churn_instead(context: dict, *, customer_id: int, channel: str, lessons: str = "") -> dict | None:
    """For the stage modal choosing churned: the churn modal to show instead; None when the customer
    is churned already or may not be (the stage modal then says why, as for any move)."""
    crm = crm_of(context)
    try:
        with transaction(crm.db) as session:
            customer = session.get(Customer, customer_id)
            if customer is None or customer.stage == CHURNED:
                return None
            target = churnable(session, context, customer)
    except DomainError:
        return None
    form = Form(lessons=clip_to(clean(lessons), LESSONS_MAX))
    return churn_view(crm.who, target, {"customer": customer_id, "channel": channel}, form, now=crm.defaults.clock())


def on_churn_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    customer_id, channel = clicked_customer(body)
    if customer_id is None:
        return
    user = crm.who.user_id
    open_churn(client=client, context=context, trigger_id=body["trigger_id"], channel=channel, customer_id=customer_id,
               tell=lambda text: answer(client=client, channel=channel, user=user, text=text))


def on_recoverable(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """Recoverable chosen or not: the modal redrawn with (or without) the plan, keeping what was typed."""
    ack()
    crm = crm_of(context)
    view = body.get("view") or {}
    meta = metadata(view)
    customer_id, form = meta.id("customer"), replace(form_of(state(view)), recoverable=clicked_value(body) or None)
    with transaction(crm.db) as session:
        customer = session.get(Customer, customer_id)
        viewer = viewer_of(session, context)
        allowed = customer is not None and can_edit(viewer, customer)
        target = target_of(session, customer) if allowed else None
    if customer is not None and not allowed:
        answer(client=client, channel=meta.text("channel"), user=viewer.id,
               text=churn_refusal(crm.who, forbidden(viewer, customer, action="edit")))
    elif target is not None:
        redraw(client=client, body=body, view=churn_view(crm.who, target, meta.raw, form, now=crm.defaults.clock()))


def _churn_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    def tell(message: str) -> None:
        respond(response_type="ephemeral", text=message)

    try:
        with transaction(crm.db) as session:
            customer, rest = named(session, text, "churn_usage")
    except DomainError as e:
        tell(churn_refusal(reply_profile(client=client, context=context), e))
        return
    open_churn(client=client, context=context, trigger_id=body["trigger_id"], channel=body.get("channel_id", ""),
               customer_id=customer.id, lessons=rest, tell=tell)


def _churned_text(profile: Profile, customer: Customer, done: Churned, told: bool) -> str:
    loc, case = profile.locale, done.case
    lines = [t(loc, "churn_done", customer=customer_ref(loc, customer), reason=label(loc, "reason", case.reason),
               recoverable=t(loc, "churn_recoverable" if case.recoverable else "churn_lost")),
             t(loc, "churn_status", stage=stage_of(loc, customer))]
    if done.plan is not None:
        lines += plan_lines(done.plan, profile)
    elif case.recoverable:
        lines.append(t(loc, "churn_plan_later", code=customer.code))
    if told:
        lines.append(t(loc, "winback_told", owner=mention(done.plan.owner_id)))
    cancelled = cancelled_line(done.cancelled, profile, reason=CLOSED_BY_CHURN)
    if cancelled:
        lines.append(cancelled)
    return "\n".join(lines)


def submit_churn(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Saved before ack(): every refusal stays on its field."""
    crm = crm_of(context)
    who, meta, form, now = crm.who, metadata(view), form_of(state(view)), crm.defaults.clock()
    customer_id, channel = meta.id("customer"), meta.text("channel")
    try:
        with transaction(crm.db) as session:
            if form.recoverable not in (ids.CHURN_YES, ids.CHURN_NO):
                raise DomainError("churn_err_recoverable", field="recoverable")
            recoverable = form.recoverable == ids.CHURN_YES  # not: lost for good, even if it was churned before
            done = mark_churned(session=session, viewer=viewer_of(session, context), customer_id=customer_id,
                                reason=form.reason or "", recoverable=recoverable, lessons=form.lessons,
                                plan=plan_request(form, who) if wants_plan(form) else None, now=now,
                                status=None if recoverable else "lost_for_good", limits=crm.defaults.limits)
            customer = session.get(Customer, customer_id)
            told = winback_assigned(session, done.plan, by=who.user_id, now=now)
    except DomainError as e:
        ack(response_action="errors", errors=plan_errors(e, who, view, ids.CHURN_REASON_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    answer(client=client, channel=channel, user=profile.user_id, text=_churned_text(profile, customer, done, told))
    if told:
        crm.wake()


SUBCOMMAND = Subcommand("churn", ("流失",), _churn_command, "help_churn")
