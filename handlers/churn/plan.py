"""The retention plan a churn-risk ping's "Start win-back plan" opens for a customer not churned;
once saved, the ping redraws itself (the health feature's `plan_started`, through Defaults.hooks)."""
from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers import ids
from handlers.picked import pick_errors
from handlers.blocks import clip, escape, fmt_datetime, mention
from handlers.churn.commands import churn_refusal, plan_errors, tell_assigned
from handlers.churn.winback import may_first
from handlers.churn.forms import customer_ref, form_of, labels, plan_request, retention_view, target_of
from handlers.context import CRM, Crm, crm_of, viewer_of
from handlers.forms import answer, metadata, open_modal, profile_now, state
from handlers.i18n import t
from handlers.payload import MalformedPayload, Metadata, is_channel_id, is_message_ts, record_id
from store.db import transaction
from store.errors import DomainError
from store.models import Customer
from store.permissions import forbidden
from store.retention import start_retention
from store.risk import may_answer

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.view(ids.RETENTION_VIEW)(submit_retention)


# -- the retention plan (from a churn-risk ping) --------------------------------------------------------

def open_retention_plan(*, client: WebClient, trigger_id: str, crm: Crm, customer_id: int, source: dict) -> None:
    """The plan modal for a customer at risk; `source` (where the ping is) comes back to
    the health feature's plan_started (a hook) once the plan is saved."""
    context, who = {CRM: crm}, crm.who
    with transaction(crm.db) as session:
        customer = session.get(Customer, customer_id)
        viewer = viewer_of(session, context)
        allowed = customer is not None and may_answer(viewer, customer)
        target = target_of(session, customer) if allowed else None
    if target is None:
        error = DomainError("err_unknown_customer") if customer is None else forbidden(viewer, customer, action="edit")
        answer(client=client, channel="", user=who.user_id, text=churn_refusal(who, error))
        return
    meta = {"customer": customer_id, "source": _small(source)}
    open_modal(client=client, context=context, trigger_id=trigger_id, channel="", build=lambda p: retention_view(p, target, meta, now=crm.defaults.clock()))


def _small(source: dict) -> dict:
    """Where the ping is, as ids only (the outbox row, the channel and the message's ts): anything
    else is refused here, never cut to fit private_metadata."""
    outbox, channel, ts = source.get("outbox"), source.get("channel"), source.get("ts")
    if (outbox is not None and record_id(outbox) is None) or not (channel == "" or is_channel_id(channel)) \
            or not (ts == "" or is_message_ts(ts)):
        raise MalformedPayload(f"a risk ping's place is not ids: {source!r:.80}")
    return {"outbox": outbox, "channel": channel, "ts": ts}


def _source(meta: Metadata) -> Metadata:
    """Where the ping the plan was started from is drawn, its types checked before anything is saved."""
    source = meta.part("source")
    source.optional_id("outbox"), source.text("channel"), source.text("ts")
    return source


def submit_retention(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    who, meta, form, now = crm.who, metadata(view), form_of(state(view)), crm.defaults.clock()
    customer_id, source = meta.id("customer"), _source(meta)
    refused = pick_errors(client, locale=who.locale, submitter=who.user_id, picks={ids.WINBACK_OWNER_BLOCK: form.owner})
    if refused:
        ack(response_action="errors", errors=refused)
        return
    try:
        with transaction(crm.db) as session:
            may_first(session, context, customer_id, may_answer)
            kept = start_retention(session=session, viewer=viewer_of(session, context), customer_id=customer_id,
                                   plan=plan_request(form, who), now=now)
            customer = session.get(Customer, kept.response.customer_id)
            told = tell_assigned(session, action_ids=[a.id for a in kept.actions], owner=kept.owner_id, by=who.user_id,
                             key=f"retention:{kept.response.id}", now=now)
    except DomainError as e:
        ack(response_action="errors", errors=plan_errors(e, who, view, ids.WINBACK_ACTIONS_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    loc = profile.locale
    lines = [t(loc, "retention_done", customer=customer_ref(loc, customer), owner=mention(kept.owner_id),
               actions=labels(loc, "action", kept.plan.actions), deadline=fmt_datetime(kept.plan.deadline, profile))]
    if kept.response.reason:
        lines.append(t(loc, "winback_note_line", note=escape(clip(kept.response.reason, 500))))
    if told:
        lines.append(t(loc, "winback_told", owner=mention(kept.owner_id)))
    answer(client=client, channel=source.text("channel"), user=profile.user_id, text="\n".join(lines))
    if told:
        crm.wake()
    crm.defaults.hooks.plan_started(client=client, db=crm.db, source=source.raw, customer_id=customer.id, who=profile, now=now,
                  calendar=crm.defaults.calendar)
