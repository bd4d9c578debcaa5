"""The buttons and modals of payment schedules: Payments (on a won deal), Set payment schedule,
Record payment, and the two modals' submissions. A button inside a modal pushes the next modal over
it; one in a message (`/crm pay`, an overdue alert) opens it. Lookups before views.open/push are
primary-key ones (the trigger_id lives 3 s)."""
from __future__ import annotations

from datetime import date

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import ids
from handlers.blocks import escape, field_errors, fmt_date, refusal
from handlers.context import Profile, crm_of, viewer_of
from handlers.forms import answer, metadata, picked_date, profile_now, state, typed
from handlers.i18n import t
from handlers.payload import clicked_value, record_id
from handlers.numbers import money as money_in
from handlers.payments.views import instalment_line, list_view, receive_view, schedule_blocks, schedule_view
from handlers.refs import customer_ref
from store.db import transaction
from store.errors import DomainError
from store.payments import (instalment_with_deal, plan_by_hand, plan_from_terms, readable_schedule, record_receipt,
                            set_schedule)
from store.permissions import can_edit, forbidden
from store.profile import money


def register(app: App) -> None:
    app.action(ids.DEAL_PAYMENTS)(on_payments)
    app.action(ids.PAY_SCHEDULE_OPEN)(on_schedule_open)
    app.action(ids.PAY_RECEIVE_OPEN)(on_receive_open)
    app.view(ids.PAY_SCHEDULE_VIEW)(submit_schedule)
    app.view(ids.PAY_RECEIVE_VIEW)(submit_receive)


def today_of(context: dict, profile: Profile | None = None) -> date:
    crm = crm_of(context)
    return crm.defaults.clock().astimezone((profile or crm.who).zone).date()


def _where(body: dict) -> tuple[bool, str]:
    """(clicked inside a modal, the channel answers go to)."""
    view = body.get("view")
    if view:
        return True, metadata(view).text("channel")
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id", "")
    return False, channel


def _show(client: WebClient, body: dict, view: dict, *, in_modal: bool, channel: str, context: dict) -> None:
    try:
        if in_modal:
            client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as e:
        crm = crm_of(context)
        answer(client=client, channel=channel, user=crm.who.user_id, text=t(crm.who.locale, "err_slack", error=e.response.get("error") or "?"))


def _refuse(client: WebClient, context: dict, channel: str, error: DomainError) -> None:
    crm = crm_of(context)
    answer(client=client, channel=channel, user=crm.who.user_id, text=refusal(crm.who.locale, error))


def _deal(context: dict, deal_id: int | None, *, edit: bool):
    """(deal, customer, instalments, editable) for a reader (an editor when `edit`); DomainError otherwise."""
    crm = crm_of(context)
    with transaction(crm.db) as session:
        viewer = viewer_of(session, context)
        deal, customer, instalments = readable_schedule(session=session, viewer=viewer, deal_id=deal_id)
        editable = can_edit(viewer, customer)
    if edit and not editable:
        raise forbidden(viewer, customer, action="edit")
    return deal, customer, instalments, editable


def on_payments(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """Payments on a won deal: its schedule as a modal."""
    ack()
    crm = crm_of(context)
    in_modal, channel = _where(body)
    try:
        deal, customer, instalments, editable = _deal(context, record_id(clicked_value(body)), edit=False)
    except DomainError as e:
        _refuse(client, context, channel, e)
        return
    blocks = schedule_blocks(crm.who, deal, customer, instalments, today=today_of(context), editable=editable)
    _show(client, body, list_view(crm.who, blocks, {"deal": deal.id, "channel": channel}), in_modal=in_modal, channel=channel,
          context=context)


def on_schedule_open(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    in_modal, channel = _where(body)
    try:
        deal, customer, _, _ = _deal(context, record_id(clicked_value(body)), edit=True)
    except DomainError as e:
        _refuse(client, context, channel, e)
        return
    _show(client, body, schedule_view(crm.who, deal, customer, {"deal": deal.id, "channel": channel}), in_modal=in_modal,
          channel=channel, context=context)


def on_receive_open(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    in_modal, channel = _where(body)
    with transaction(crm.db) as session:
        found = instalment_with_deal(session=session, instalment_id=record_id(clicked_value(body)))
    try:
        if found is None:
            raise DomainError("pay_err_unknown_instalment")
        deal, customer, _, _ = _deal(context, found[1].id, edit=True)
    except DomainError as e:
        _refuse(client, context, channel, e)
        return
    instalment = found[0]
    view = receive_view(crm.who, deal, customer, instalment, today=today_of(context),
                        meta={"instalment": instalment.id, "channel": channel})
    _show(client, body, view, in_modal=in_modal, channel=channel, context=context)


def submit_schedule(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Saved before ack(): refusals go on their field; then every modal of the stack closes."""
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    deal_id, channel = meta.id("deal"), meta.text("channel")
    terms, hand = typed(values, ids.PAY_TERMS), typed(values, ids.PAY_HAND)
    try:
        with transaction(crm.db) as session:
            viewer = viewer_of(session, context)
            deal, customer, _ = readable_schedule(session=session, viewer=viewer, deal_id=deal_id)
            if hand.strip():
                planned = plan_by_hand(total=deal.amount, currency=deal.currency, text=hand)
            elif terms.strip():
                planned = plan_from_terms(total=deal.amount, terms=terms, first=picked_date(values, ids.PAY_FIRST),
                                          every_days=typed(values, ids.PAY_EVERY), dates_text=typed(values, ids.PAY_DATES))
            else:
                raise DomainError("pay_err_hand_empty", field="terms")
            made = set_schedule(session=session, viewer=viewer, deal_id=deal.id, planned=planned, now=crm.defaults.clock())
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.PAY_FIELD_BLOCKS, fallback=ids.PAY_TERMS_BLOCK))
        return
    ack(response_action="clear")
    profile = profile_now(client, context)
    today = today_of(context, profile)
    lines = "\n".join(f"• {instalment_line(profile, i, today)}" for i in made)
    answer(client=client, channel=channel, user=profile.user_id,
           text=t(profile.locale, "pay_scheduled", title=escape(deal.title), customer=customer_ref(profile.locale, customer), count=len(made),
                  lines=lines))


def submit_receive(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    channel = meta.text("channel")
    try:
        with transaction(crm.db) as session:
            viewer = viewer_of(session, context)
            instalment = record_receipt(session=session, viewer=viewer, instalment_id=meta.id("instalment"),
                                        amount=typed(values, ids.PAY_AMOUNT), received_on=picked_date(values, ids.PAY_DAY),
                                        today=today_of(context), now=crm.defaults.clock())
            _, deal, customer = instalment_with_deal(session=session, instalment_id=instalment.id)
            receipt_amount = typed(values, ids.PAY_AMOUNT)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.PAY_FIELD_BLOCKS, fallback=ids.PAY_AMOUNT_BLOCK))
        return
    ack(response_action="clear")
    profile = profile_now(client, context)
    ploc = profile.locale
    rest = instalment.amount - instalment.received
    state_text = (t(ploc, "pay_received_full") if instalment.paid_on is not None
                  else t(ploc, "pay_received_rest", outstanding=money_in(rest, instalment.currency, ploc)))
    answer(client=client, channel=channel, user=profile.user_id,
           text=t(ploc, "pay_received", title=escape(deal.title), customer=customer_ref(ploc, customer), seq=instalment.seq,
                  amount=money_in(money(receipt_amount), instalment.currency, ploc),
                  day=fmt_date(picked_date(values, ids.PAY_DAY), profile), state=state_text))


__all__ = ["register", "schedule_blocks", "today_of"]
