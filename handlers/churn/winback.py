"""The win-back plan: `/crm winback <customer>` and the card's win-back button open the plan modal
of a recoverable case without one, or the close modal of the open plan (outcome, and lessons added
to the case). A plan given to someone else reaches them as the usual "action_assigned" DM."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.picked import pick_errors
from handlers.blocks import fmt_date, mention
from handlers.churn.forms import close_view, customer_ref, form_of, label, plan_lines, plan_request, plan_view, stage_of, target_of
from handlers.churn.commands import churn_refusal, named, plan_errors, winback_assigned
from handlers.router import Subcommand
from handlers.context import crm_of, Profile, reply_profile, viewer_of
from handlers.i18n import t
from handlers.forms import answer, clicked_customer, metadata, open_modal, profile_now, state
from store.db import transaction
from store.errors import DomainError
from store.models import ChurnCase, Customer
from store.permissions import can_edit, can_read, require
from store.retention import append_lessons, current_case
from store.winback import CHURNED, WON_BACK, close_plan, last_case, plan_of, plan_winback

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.CARD_WINBACK)(on_winback_button)
    app.view(ids.WINBACK_PLAN_VIEW)(submit_plan)
    app.view(ids.WINBACK_CLOSE_VIEW)(submit_close)


@dataclass(frozen=True)
class Step:
    """What `/crm winback` and the card's button lead to: a modal, or a few words."""
    modal: Callable[[Profile], dict] | None = None
    text: Callable[[Profile], str] | None = None


def winback_step(session: Session, context: dict, customer: Customer, channel: str) -> Step:
    viewer = viewer_of(session, context)
    case = current_case(session=session, customer=customer)
    if case is None and customer.stage != CHURNED:  # won back (or moved on): its last plan's outcome, if it has one
        case = last_case(session, customer.id)
    plan = plan_of(session=session, case_id=case.id) if case is not None else None
    if case is not None and customer.stage != CHURNED and (plan is None or plan.outcome is None):
        case = plan = None
    closer = plan is not None and plan.outcome is None and viewer.id == plan.owner_id  # may close it, whatever they read
    require(can_read(viewer, customer) or closer, viewer=viewer, customer=customer, action="read")
    if case is None:
        return Step(text=lambda p: t(p.locale, "winback_no_case", customer=customer_ref(p.locale, customer)))
    if not case.recoverable:
        return Step(text=lambda p: t(p.locale, "winback_lost", customer=customer_ref(p.locale, customer),
                                     reason=label(p.locale, "reason", case.reason)))
    if plan is None:
        require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
        target, meta = target_of(session, customer), {"customer": customer.id, "case": case.id, "channel": channel}
        return Step(modal=lambda p: plan_view(p, target, case, meta, now=crm_of(context).defaults.clock()))
    if plan.outcome is not None:
        return Step(text=lambda p: "\n".join([
            t(p.locale, "winback_was_closed", customer=customer_ref(p.locale, customer), outcome=label(p.locale, "outcome", plan.outcome),
              date=fmt_date(plan.closed_at.astimezone(p.zone).date(), p)), *plan_lines(plan, p)]))
    require(can_edit(viewer, customer) or closer, viewer=viewer, customer=customer, action="edit")
    meta = {"plan": plan.id, "channel": channel}
    return Step(modal=lambda p: close_view(p, customer, case, plan, meta))


def _winback(*, client: WebClient, context: dict, trigger_id: str, channel: str, find: Callable[[Session], Customer],
             tell: Callable[[str], None]) -> None:
    """Indexed lookups, then views.open (or the words)."""
    crm = crm_of(context)
    try:
        with transaction(crm.db) as session:
            step = winback_step(session, context, find(session), channel)
    except DomainError as e:  # the first reply: in the asker's language, users.info if never asked
        tell(churn_refusal(reply_profile(client=client, context=context), e))
        return
    if step.modal is not None:
        open_modal(client=client, context=context, trigger_id=trigger_id, channel=channel, build=step.modal)
    else:
        tell(step.text(profile_now(client, context)))


def _winback_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    _winback(client=client, context=context, trigger_id=body["trigger_id"], channel=body.get("channel_id", ""),
             find=lambda session: named(session, text, "winback_usage")[0],
             tell=lambda message: respond(response_type="ephemeral", text=message))


def on_winback_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    customer_id, channel = clicked_customer(body)
    if customer_id is None:
        return

    def find(session: Session) -> Customer:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise DomainError("err_unknown_customer")
        return customer

    user = crm.who.user_id
    _winback(client=client, context=context, trigger_id=body["trigger_id"], channel=channel, find=find,
             tell=lambda text: answer(client=client, channel=channel, user=user, text=text))


def may_first(session: Session, context: dict, customer_id: int, may: Callable) -> None:
    """Who may, checked before what they typed is (the store checks it again when it writes)."""
    customer = session.get(Customer, customer_id)
    if customer is not None:
        viewer = viewer_of(session, context)
        require(may(viewer, customer), viewer=viewer, customer=customer, action="edit")


def submit_plan(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    who, meta, form, now = crm.who, metadata(view), form_of(state(view)), crm.defaults.clock()
    case_id, channel = meta.id("case"), meta.text("channel")
    refused = pick_errors(client, locale=who.locale, submitter=who.user_id, picks={ids.WINBACK_OWNER_BLOCK: form.owner})
    if refused:
        ack(response_action="errors", errors=refused)
        return
    try:
        with transaction(crm.db) as session:
            case = session.get(ChurnCase, case_id)
            may_first(session, context, case.customer_id if case is not None else 0, can_edit)
            plan = plan_winback(session=session, viewer=viewer_of(session, context), case_id=case_id,
                                plan=plan_request(form, who), now=now)
            customer = session.get(Customer, plan.customer_id)
            told = winback_assigned(session, plan, by=who.user_id, now=now)
    except DomainError as e:
        ack(response_action="errors", errors=plan_errors(e, who, view, ids.WINBACK_ACTIONS_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    lines = [t(profile.locale, "winback_planned", customer=customer_ref(profile.locale, customer)), *plan_lines(plan, profile)]
    if told:
        lines.append(t(profile.locale, "winback_told", owner=mention(plan.owner_id)))
    answer(client=client, channel=channel, user=profile.user_id, text="\n".join(lines))
    if told:
        crm.wake()


def submit_close(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """The outcome (the customer's status while churned) and the lessons added to the case."""
    crm = crm_of(context)
    who, meta, form, now = crm.who, metadata(view), form_of(state(view)), crm.defaults.clock()
    plan_id, channel = meta.id("plan"), meta.text("channel")
    try:
        with transaction(crm.db) as session:
            plan = close_plan(session=session, viewer=viewer_of(session, context), plan_id=plan_id,
                              outcome=form.outcome or "", now=now, limits=crm.defaults.limits)
            append_lessons(session=session, case_id=plan.churn_case_id, lessons=form.closing_lessons)
            customer = session.get(Customer, plan.customer_id)
    except DomainError as e:
        blocks = ids.WINBACK_FIELD_BLOCKS | {"lessons": ids.WINBACK_FIELD_BLOCKS["closing_lessons"]}
        ack(response_action="errors", errors=plan_errors(e, who, view, ids.WINBACK_OUTCOME_BLOCK, blocks))
        return
    ack()
    profile = profile_now(client, context)
    loc = profile.locale
    lines = [t(loc, "winback_closed", customer=customer_ref(loc, customer), outcome=label(loc, "outcome", plan.outcome)),
             t(loc, "churn_status", stage=stage_of(loc, customer))]
    if plan.outcome == WON_BACK and customer.stage != CHURNED:
        lines.append(t(loc, "winback_returned"))
    text = "\n".join(lines)
    answer(client=client, channel=channel, user=profile.user_id, text=text)


SUBCOMMAND = Subcommand("winback", ("挽回",), _winback_command, "help_winback")
