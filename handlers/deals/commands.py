"""Deals in Slack: the customer card's Deal button and its modal (a deal moves through a modal pushed
over the deal list) and `/crm deals <customer>`; needs are in handlers/deals/needs.py."""
from __future__ import annotations

from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, datepicker, escape, field_errors, fmt_date, input_block, modal, plain, refusal, section, static_select, text_input, unescape, vocab, vocab_options
from handlers.router import Subcommand
from handlers.context import crm_of, Profile, viewer_of
from handlers.i18n import t
from handlers.numbers import money
from handlers.words import collected_text, stage_status
from handlers.refs import customer_ref
from handlers.prefill import leading_customer
from handlers.payload import clicked_value, record_id
from handlers.forms import answer, auto_lines, card_customer, metadata, open_modal, picked, picked_date, profile_now, redraw, state, typed
from store.auto_actions import new_auto_actions, pending_auto_ids
from store.customers import find_exact
from store.db import transaction
from store.errors import DomainError
from store.deals import CONTRACT_MAX, DEAL_STAGES, OPEN_STAGES, TERMS_MAX, TITLE_MAX, WonTerms, create_deal, deals_of, move_deal
from store.models import Customer, Deal
from store.payments import Collected, collected_by_deal
from store.permissions import can_edit, can_read, forbidden, require
from store.text import clean

NEEDS_SHOWN, OPEN_SHOWN, CLOSED_SHOWN, LISTED = 5, 10, 5, 30
AMOUNT_MAX = 24


def register(app: App) -> None:
    app.action(ids.CARD_DEAL)(on_deal_button)
    app.view(ids.DEAL_VIEW)(submit_deal)
    app.action(ids.DEAL_MOVE_OPEN)(on_move_button)
    app.action(ids.DEAL_MOVE_STAGE)(on_move_stage)
    app.view(ids.DEAL_MOVE_VIEW)(submit_move)


def named_customer(session: Session, text: str) -> tuple[Customer, str]:
    """The customer named at the start of a command's words (exact, indexed lookups), and the rest."""
    text = clean(unescape(text))
    customer = find_exact(session=session, text=text)
    if customer is not None:
        return customer, ""
    customer, rest = leading_customer(text, session=session)
    if customer is None:
        raise DomainError("lc_err_customer", customer=escape(clip(text.split()[0] if text else "", 60)))
    return customer, rest


# -- deals -----------------------------------------------------------------------------------------

def deal_line(profile: Profile, deal: Deal, collected: Collected | None = None) -> str:
    """One deal; a won deal with a payment schedule says what is collected."""
    loc = profile.locale
    parts = [t(loc, "lc_deal_line", title=escape(deal.title), amount=money(deal.amount, deal.currency, loc),
               stage=vocab(loc, "deal_stage", deal.stage))]
    if deal.stage in OPEN_STAGES and deal.expected_close_on:
        parts.append(t(loc, "lc_deal_expected", day=fmt_date(deal.expected_close_on, profile)))
    if deal.stage == "won" and deal.contract_no:
        parts.append(t(loc, "lc_deal_contract", contract=escape(deal.contract_no)))
    if deal.stage == "lost" and deal.lost_reason:
        parts.append(escape(deal.lost_reason))
    if collected is not None:
        parts.append(collected_text(loc, received=collected.received, scheduled=collected.scheduled, currency=deal.currency,
                                    paid=collected.paid, count=collected.instalments))
    return " · ".join(parts)


def build_deal_view(profile: Profile, customer: Customer, deals: list[Deal], *, editable: bool, meta: dict,
                    collected: dict[int, Collected] | None = None) -> dict:
    """The customer's deals, each open one with a Move button, each won one with Payments (its
    payment schedule, and what is collected); below, the form for a new one (read-only for someone
    who may not edit the customer)."""
    collected = collected or {}
    loc = profile.locale
    blocks = [section(t(loc, "lc_deals_header", customer=customer_ref(loc, customer)))]
    for deal in [d for d in deals if d.stage in OPEN_STAGES][:OPEN_SHOWN]:
        block = section(deal_line(profile, deal))
        if editable:
            block["accessory"] = {"type": "button", "action_id": ids.DEAL_MOVE_OPEN, "value": str(deal.id),
                                  "text": plain(t(loc, "lc_deal_move_button"))}
        blocks.append(block)
    closed = [d for d in deals if d.stage not in OPEN_STAGES][:CLOSED_SHOWN]
    for deal in [d for d in closed if d.stage == "won"]:
        block = section(deal_line(profile, deal, collected.get(deal.id)))
        block["accessory"] = {"type": "button", "action_id": ids.DEAL_PAYMENTS, "value": str(deal.id),
                              "text": plain(t(loc, "pay_btn_deal"))}
        blocks.append(block)
    lost = [d for d in closed if d.stage != "won"]
    if lost:
        blocks.append(context_block("\n".join(deal_line(profile, d) for d in lost)))
    if not deals:
        blocks.append(context_block(t(loc, "lc_deals_none")))
    if editable:
        blocks += [
            {"type": "divider"},
            section(t(loc, "lc_deal_new_header")),
            input_block(ids.DEAL_TITLE_BLOCK, t(loc, "lc_f_deal_title"), text_input(ids.DEAL_TITLE, limit=TITLE_MAX)),
            input_block(ids.DEAL_AMOUNT_BLOCK, t(loc, "lc_f_deal_amount"),
                text_input(ids.DEAL_AMOUNT, limit=AMOUNT_MAX, placeholder=t(loc, "lc_f_deal_amount_placeholder"))),
            input_block(ids.DEAL_CURRENCY_BLOCK, t(loc, "lc_f_deal_currency"), text_input(ids.DEAL_CURRENCY, limit=3, initial="CNY")),
            input_block(ids.DEAL_STAGE_BLOCK, t(loc, "lc_f_deal_stage"),
                static_select(ids.DEAL_STAGE, vocab_options(loc, "deal_stage", (*OPEN_STAGES, "won")), initial="qualification")),
            input_block(ids.DEAL_CLOSE_BLOCK, t(loc, "lc_f_deal_close"), datepicker(ids.DEAL_CLOSE), optional=True),
            # a deal signed already is created as won: its contract number and signing date then
            input_block(ids.DEAL_CONTRACT_BLOCK, t(loc, "lc_f_contract"), text_input(ids.DEAL_CONTRACT, limit=CONTRACT_MAX),
                        optional=True, hint=t(loc, "lc_f_won_only_hint")),
            input_block(ids.DEAL_SIGNED_BLOCK, t(loc, "lc_f_signed_on"), datepicker(ids.DEAL_SIGNED), optional=True,
                        hint=t(loc, "lc_f_won_only_hint")),
        ]
    return modal(callback_id=ids.DEAL_VIEW, title=t(loc, "lc_deal_title"), blocks=blocks, metadata=meta,
                 submit=t(loc, "save") if editable else None, close=t(loc, "cancel" if editable else "lc_close"))


def on_deal_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    found = card_customer(body=body, client=client, context=context, edit=False)
    if found is None:
        return
    customer, viewer, channel = found
    with transaction(crm.db) as session:  # index on (customer_id, stage)
        deals = deals_of(session=session, customer_id=customer.id)
        collected = collected_by_deal(session=session, deal_ids=[d.id for d in deals if d.stage == "won"])
    meta, editable = {"customer": customer.id, "channel": channel}, can_edit(viewer, customer)
    open_modal(client=client, context=context, trigger_id=body["trigger_id"], channel=channel,
               build=lambda p: build_deal_view(p, customer, deals, editable=editable, meta=meta, collected=collected))


def submit_deal(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    customer_id, channel = meta.id("customer"), meta.text("channel")
    try:
        with transaction(crm.db) as session:
            before = pending_auto_ids(session=session, customer_id=customer_id)
            deal = create_deal(session=session, viewer=viewer_of(session, context), customer_id=customer_id, now=crm.defaults.clock(),
                               title=typed(values, ids.DEAL_TITLE), amount=typed(values, ids.DEAL_AMOUNT),
                               currency=typed(values, ids.DEAL_CURRENCY) or "CNY",
                               stage=picked(values, ids.DEAL_STAGE) or "qualification",
                               expected_close_on=picked_date(values, ids.DEAL_CLOSE), limits=crm.defaults.limits,
                               won=_terms(values), cs_owner=crm.defaults.cs_owner)
            customer, actions = session.get(Customer, customer_id), new_auto_actions(session=session, customer_id=customer_id, before=before)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.DEAL_FIELD_BLOCKS, fallback=ids.DEAL_TITLE_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    lines = [t(profile.locale, "lc_deal_added", customer=customer_ref(profile.locale, customer), deal=deal_line(profile, deal))]
    answer(client=client, channel=channel, user=profile.user_id, text="\n".join(lines + auto_lines(actions, profile)))


# -- moving a deal -----------------------------------------------------------------------------------

def build_move_view(profile: Profile, deal: Deal, stage: str | None, meta: dict, *, now: datetime) -> dict:
    """The stage to move to; the contract's terms when it is won, the reason when it is lost
    (the stage select redraws the modal)."""
    loc = profile.locale
    stages = [s for s in DEAL_STAGES if s != deal.stage]
    blocks = [
        section(deal_line(profile, deal)),
        input_block(ids.DEAL_MOVE_STAGE_BLOCK, t(loc, "lc_f_deal_move_stage"),
            static_select(ids.DEAL_MOVE_STAGE, vocab_options(loc, "deal_stage", stages), initial=stage), dispatch=True),
    ]
    if stage == "won":
        today = now.astimezone(profile.zone).date()
        blocks += [
            input_block(ids.DEAL_CONTRACT_BLOCK, t(loc, "lc_f_contract"), text_input(ids.DEAL_CONTRACT, limit=CONTRACT_MAX)),
            input_block(ids.DEAL_SIGNED_BLOCK, t(loc, "lc_f_signed_on"), datepicker(ids.DEAL_SIGNED, initial=today)),
            input_block(ids.DEAL_TERMS_BLOCK, t(loc, "lc_f_payment_terms"), text_input(ids.DEAL_TERMS, limit=TERMS_MAX, multiline=True),
                optional=True),
            input_block(ids.DEAL_SERVICE_START_BLOCK, t(loc, "lc_f_service_start"), datepicker(ids.DEAL_SERVICE_START), optional=True),
            input_block(ids.DEAL_SERVICE_END_BLOCK, t(loc, "lc_f_service_end"), datepicker(ids.DEAL_SERVICE_END), optional=True),
            input_block(ids.DEAL_RENEWAL_BLOCK, t(loc, "lc_f_renewal"), datepicker(ids.DEAL_RENEWAL), optional=True),
        ]
    elif stage == "lost":
        blocks.append(input_block(ids.DEAL_LOST_BLOCK, t(loc, "lc_f_lost_reason"), text_input(ids.DEAL_LOST, limit=TERMS_MAX, multiline=True),
                          optional=True))
    return modal(callback_id=ids.DEAL_MOVE_VIEW, title=t(loc, "lc_deal_move_title"), blocks=blocks, metadata=meta, submit=t(loc, "save"), close=t(loc, "cancel"))


def _deal(context: dict, deal_id: int | None, *, client: WebClient, channel: str) -> Deal | None:
    """The deal, for whoever may edit its customer (primary-key lookups); None after telling anyone else why not."""
    crm = crm_of(context)
    if deal_id is None:
        return None
    with transaction(crm.db) as session:
        deal = session.get(Deal, deal_id)
        customer = session.get(Customer, deal.customer_id) if deal is not None else None
        viewer = viewer_of(session, context)
    if customer is None or can_edit(viewer, customer):
        return deal
    error = forbidden(viewer, customer, action="edit")
    answer(client=client, channel=channel, user=viewer.id, text=refusal(crm.who.locale, error))
    return None


def on_move_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """Move, on the deal list: views.push over it (a primary-key lookup before)."""
    ack()
    crm = crm_of(context)
    channel = metadata(body.get("view") or {}).text("channel")
    deal = _deal(context, record_id(clicked_value(body)), client=client, channel=channel)
    if deal is None:
        return
    meta = {"deal": deal.id, "channel": channel}
    client.views_push(trigger_id=body["trigger_id"], view=build_move_view(crm.who, deal, None, meta, now=crm.defaults.clock()))


def on_move_stage(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """A stage picked: the modal redrawn with the fields that stage asks for."""
    ack()
    crm = crm_of(context)
    meta = metadata(body.get("view") or {})
    deal = _deal(context, meta.id("deal"), client=client, channel=meta.text("channel"))
    if deal is not None:
        stage = clicked_value(body) or None
        redraw(client=client, body=body, view=build_move_view(crm.who, deal, stage, meta.raw, now=crm.defaults.clock()))


def _terms(values: dict) -> WonTerms:
    return WonTerms(contract_no=typed(values, ids.DEAL_CONTRACT), signed_on=picked_date(values, ids.DEAL_SIGNED),
                    payment_terms=typed(values, ids.DEAL_TERMS), service_start=picked_date(values, ids.DEAL_SERVICE_START),
                    service_end=picked_date(values, ids.DEAL_SERVICE_END), renewal_on=picked_date(values, ids.DEAL_RENEWAL))


def _moved_text(profile: Profile, deal: Deal, customer: Customer, before: str, customer_before: tuple[str, str]) -> list[str]:
    loc = profile.locale
    lines = [t(loc, "lc_deal_moved", title=escape(deal.title), customer=customer_ref(loc, customer),
               before=vocab(loc, "deal_stage", before), after=vocab(loc, "deal_stage", deal.stage))]
    if deal.stage == "won":
        lines.append(t(loc, "lc_deal_won", contract=escape(deal.contract_no or ""), day=fmt_date(deal.signed_on, profile)))
        if (customer.stage, customer.status) != customer_before:
            lines.append(t(loc, "lc_deal_customer_moved", customer=customer_ref(loc, customer),
                           before=stage_status(loc, *customer_before), after=stage_status(loc, customer.stage, customer.status)))
    if deal.stage == "lost" and deal.lost_reason:
        lines.append(t(loc, "lc_reason", reason=escape(deal.lost_reason)))
    return lines


def submit_move(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Saved before ack(); then every modal of the stack closes (the list under it is out of date)."""
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    deal_id, channel = meta.id("deal"), meta.text("channel")
    stage, won, lost = picked(values, ids.DEAL_MOVE_STAGE) or "", _terms(values), typed(values, ids.DEAL_LOST)
    try:
        with transaction(crm.db) as session:
            deal = session.get(Deal, deal_id)
            if deal is None:
                raise DomainError("err_unknown_deal")
            customer = session.get(Customer, deal.customer_id)
            before, customer_before, auto = deal.stage, (customer.stage, customer.status), pending_auto_ids(session=session, customer_id=customer.id)
            move_deal(session=session, viewer=viewer_of(session, context), deal_id=deal.id, stage=stage, now=crm.defaults.clock(),
                      limits=crm.defaults.limits, won=won if stage == "won" else None, lost_reason=lost, cs_owner=crm.defaults.cs_owner)
            actions = new_auto_actions(session=session, customer_id=customer.id, before=auto)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.DEAL_MOVE_FIELD_BLOCKS, fallback=ids.DEAL_MOVE_STAGE_BLOCK))
        return
    ack(response_action="clear")
    profile = profile_now(client, context)
    lines = _moved_text(profile, deal, customer, before, customer_before) + auto_lines(actions, profile)
    answer(client=client, channel=channel, user=profile.user_id, text="\n".join(lines))


# -- /crm deals ---------------------------------------------------------------------------------------

def _deals_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    profile = profile_now(client, context)
    try:
        with transaction(crm.db) as session:
            if not clean(text):
                raise DomainError("lc_deals_usage")
            customer, _ = named_customer(session, text)
            viewer = viewer_of(session, context)
            require(can_read(viewer, customer), viewer=viewer, customer=customer, action="read")
            deals = deals_of(session=session, customer_id=customer.id)
            collected = collected_by_deal(session=session, deal_ids=[d.id for d in deals[:LISTED] if d.stage == "won"])
    except DomainError as e:
        respond(response_type="ephemeral", text=refusal(profile.locale, e))
        return
    loc = profile.locale
    lines = [t(loc, "lc_deals_header", customer=customer_ref(loc, customer))]
    lines += [t(loc, "lc_bullet", text=deal_line(profile, d, collected.get(d.id))) for d in deals[:LISTED]] or [t(loc, "lc_deals_none")]
    if len(deals) > LISTED:
        lines.append(t(loc, "lc_deals_more", count=len(deals) - LISTED))
    respond(response_type="ephemeral", text="\n".join(lines))


SUBCOMMAND = Subcommand("deals", ("商机",), _deals_command, "help_deals")
