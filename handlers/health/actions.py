"""The churn-risk ping's buttons, and the outbox kind that draws the ping (handlers/health/messages.py).

Start win-back plan   opens the churn feature's open_retention_plan (a hook); once the plan is saved it calls
                      `plan_started`, which redraws the ping saying who started it
Log interaction       the /crm log modal with the customer chosen
Snooze 7 days         no ping for a week (store/risk.py); the ping says who snoozed it until when
Not at risk           a modal asking why (required); the answer and the score are kept, and the
                      ping says so
Only the customer-success owner, the account owner, their managers and admins may answer; anyone
else is told who can.
"""
from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers import ids
from handlers.blocks import clip, escape, fmt_datetime, input_block, mention, modal, section
from handlers.context import crm_of, fetch_profile, Profile, viewer_of
from handlers.i18n import t
from handlers.refs import customer_ref
from handlers.delivery.items import item_of
from handlers.payload import clicked_value, read_metadata
from handlers.forms import answer as tell, state, typed
from handlers.health.messages import parse_value, redraw
from store.db import transaction
from store.errors import DomainError
from store.models import Customer
from store.risk import REASON_MAX, may_answer, not_at_risk, snooze

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.RISK_WINBACK)(on_winback)
    app.action(ids.RISK_LOG)(on_log)
    app.action(ids.RISK_SNOOZE)(on_snooze)
    app.action(ids.RISK_NOT_AT_RISK)(on_not_at_risk)
    app.view(ids.RISK_REASON_VIEW)(submit_not_at_risk)


# -- redrawing the ping ----------------------------------------------------------------------------

# -- the buttons -----------------------------------------------------------------------------------

def _clicked(body: dict) -> dict | None:
    """customer, outbox id, and where the ping is drawn (its message and its item there)."""
    parsed = parse_value(clicked_value(body))
    if parsed is None:
        return None
    clicked, container = body["actions"][0], body.get("container") or {}
    return {"customer": parsed[0], "outbox": parsed[1],
            "channel": container.get("channel_id") or (body.get("channel") or {}).get("id", ""),
            "ts": container.get("message_ts") or (body.get("message") or {}).get("ts", ""),
            "item": item_of(clicked.get("block_id"))}


def refusal(error: DomainError, loc: str) -> str:
    if error.key == "risk_err_forbidden":
        cs_owner, owner = error.params.get("cs_owner"), error.params.get("owner", "")
        if cs_owner:
            return t(loc, "risk_err_forbidden", cs_owner=mention(cs_owner), owner=mention(owner))
        return t(loc, "risk_err_forbidden_owner", owner=mention(owner))
    return t(loc, error.key, **error.params)


def _allowed(context: dict, customer_id: int) -> tuple[Customer | None, DomainError | None]:
    """The customer, or why the caller may not answer for it (indexed lookups: safe before views.open)."""
    crm = crm_of(context)
    with transaction(crm.db) as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return None, DomainError("err_unknown_customer")
        if not may_answer(viewer_of(session, context), customer):
            return None, DomainError("risk_err_forbidden", cs_owner=customer.cs_owner_id or "", owner=customer.owner_id)
    return customer, None


def _checked(body: dict, client: WebClient, context: dict) -> tuple[dict, Customer] | None:
    crm = crm_of(context)
    where = _clicked(body)
    if where is None:
        return None
    customer, error = _allowed(context, where["customer"])
    if error is not None:
        who: Profile = crm.who
        tell(client=client, channel=where["channel"], user=who.user_id, text=refusal(error, who.locale))
        return None
    return where, customer


def on_winback(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    checked = _checked(body, client, context)
    if checked is None:
        return
    where, customer = checked
    crm_of(context).defaults.hooks.open_retention_plan(client=client, trigger_id=body["trigger_id"], crm=crm_of(context), customer_id=customer.id, source={"channel": where["channel"], "ts": where["ts"], "outbox": where["outbox"]})


def on_log(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    checked = _checked(body, client, context)
    if checked is None:
        return
    where, customer = checked
    crm_of(context).defaults.hooks.open_log(client=client, context=context, trigger_id=body["trigger_id"], channel=where["channel"], customer=customer)


def on_snooze(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    where = _clicked(body)
    if where is None:
        return
    now = crm.defaults.clock()
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    try:
        with transaction(crm.db) as session:
            answer = snooze(session=session, viewer=viewer_of(session, context), customer_id=where["customer"], now=now)
    except DomainError as e:
        tell(client=client, channel=where["channel"], user=profile.user_id, text=refusal(e, profile.locale))
        return
    note = t(profile.locale, "risk_snoozed", user=mention(profile.user_id), until=fmt_datetime(answer.until, profile))
    redraw(client=client, db=crm.db, outbox_id=where["outbox"], customer_id=where["customer"], profile=profile, note=note,
           channel=where["channel"], ts=where["ts"], item=where["item"], now=now, calendar=crm.defaults.calendar,
           message_blocks=(body.get("message") or {}).get("blocks"))


# -- Not at risk: the reason -------------------------------------------------------------------------

def reason_view(profile: Profile, customer: Customer, metadata: dict) -> dict:
    loc = profile.locale
    element = {"type": "plain_text_input", "action_id": ids.RISK_REASON, "multiline": True, "max_length": REASON_MAX}
    blocks = [section(t(loc, "risk_reason_about", customer=customer_ref(loc, customer),
                        score=customer.health_score if customer.health_score is not None else "—")),
              input_block(ids.RISK_REASON_BLOCK, t(loc, "risk_reason_label"), element, hint=t(loc, "risk_reason_hint"))]
    return modal(callback_id=ids.RISK_REASON_VIEW, title=t(loc, "risk_reason_title"), submit=t(loc, "save"),
                 close=t(loc, "cancel"), blocks=blocks, metadata=metadata)


def on_not_at_risk(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    checked = _checked(body, client, context)
    if checked is None:
        return
    where, customer = checked
    client.views_open(trigger_id=body["trigger_id"], view=reason_view(crm.who, customer, where))


def submit_not_at_risk(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Saved before ack(): a refusal stays on the modal."""
    crm = crm_of(context)
    who: Profile = crm.who
    now = crm.defaults.clock()
    meta, reason = read_metadata(view), typed(state(view), ids.RISK_REASON)
    customer_id, outbox_id, channel, ts = meta.id("customer"), meta.optional_id("outbox"), meta.text("channel"), meta.text("ts")
    try:
        with transaction(crm.db) as session:
            answer = not_at_risk(session=session, viewer=viewer_of(session, context), customer_id=customer_id,
                                 reason=reason, now=now)
    except DomainError as e:
        ack(response_action="errors", errors={ids.RISK_REASON_BLOCK: refusal(e, who.locale)})
        return
    ack()
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults, now=now)
    note = t(profile.locale, "risk_marked_fine", user=mention(profile.user_id), time=fmt_datetime(now, profile),
             reason=escape(clip(answer.reason, 300)))
    if outbox_id is not None:
        redraw(client=client, db=crm.db, outbox_id=outbox_id, customer_id=answer.customer_id, profile=profile,
               note=note, channel=channel, ts=ts, item=meta.optional_text("item"), now=now,
               calendar=crm.defaults.calendar)
