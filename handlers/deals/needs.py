"""A customer's needs: `/crm need` and the card's Needs button open the needs modal (the list, and a
new one to add)."""
from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, field_errors, input_block, modal, refusal, section, static_select, text_input, vocab, vocab_options
from handlers.deals.commands import named_customer
from handlers.router import Subcommand
from handlers.context import crm_of, Profile, viewer_of
from handlers.i18n import t
from handlers.refs import customer_ref
from handlers.forms import answer, card_customer, metadata, open_modal, picked, profile_now, state, typed
from store.db import transaction
from store.errors import DomainError
from store.models import Customer
from store.needs import DESCRIPTION_MAX, add_need, needs_of

NEEDS_SHOWN, OPEN_SHOWN, CLOSED_SHOWN, LISTED = 5, 10, 5, 30


def register(app: App) -> None:
    app.action(ids.CARD_NEED)(on_need_button)
    app.view(ids.NEED_VIEW)(submit_need)


def need_line(locale: str, need) -> str:
    return t(locale, "lc_need_line", description=escape(clip(need.description, 200)), kind=vocab(locale, "need_kind", need.kind),
             priority=vocab(locale, "priority", need.priority), status=vocab(locale, "need_status", need.status))


def build_need_view(profile: Profile, customer: Customer, needs: list, meta: dict) -> dict:
    loc = profile.locale
    kinds = vocab_options(loc, "need_kind")
    blocks = [section(t(loc, "lc_need_header", customer=customer_ref(loc, customer)))]
    if needs:
        blocks.append(context_block("\n".join(need_line(loc, n) for n in needs[:NEEDS_SHOWN])))
    blocks += [
        input_block(ids.NEED_KIND_BLOCK, t(loc, "lc_f_need_kind"),
            {"type": "radio_buttons", "action_id": ids.NEED_KIND, "options": kinds, "initial_option": kinds[0]}),
        input_block(ids.NEED_DESCRIPTION_BLOCK, t(loc, "lc_f_need_description"),
            text_input(ids.NEED_DESCRIPTION, limit=DESCRIPTION_MAX, multiline=True, placeholder=t(loc, "lc_f_need_placeholder"))),
        input_block(ids.NEED_PRIORITY_BLOCK, t(loc, "lc_f_priority"),
            static_select(ids.NEED_PRIORITY, vocab_options(loc, "priority"), initial="medium")),
        input_block(ids.NEED_STATUS_BLOCK, t(loc, "lc_f_need_status"),
            static_select(ids.NEED_STATUS, vocab_options(loc, "need_status"), initial="not_started")),
    ]
    return modal(callback_id=ids.NEED_VIEW, title=t(loc, "lc_need_title"), blocks=blocks, metadata=meta, submit=t(loc, "save"), close=t(loc, "cancel"))


def on_need_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    found = card_customer(body=body, client=client, context=context, edit=True)
    if found is None:
        return
    customer, _, channel = found
    with transaction(crm.db) as session:  # index on (customer_id, status)
        needs = needs_of(session=session, customer_id=customer.id, open_only=True)
    meta = {"customer": customer.id, "channel": channel}
    open_modal(client=client, context=context, trigger_id=body["trigger_id"], channel=channel,
               build=lambda p: build_need_view(p, customer, needs, meta))


def _need_added(profile: Profile, customer: Customer, need) -> str:
    return t(profile.locale, "lc_need_added", customer=customer_ref(profile.locale, customer), need=need_line(profile.locale, need))


def submit_need(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    customer_id, channel = meta.id("customer"), meta.text("channel")
    try:
        with transaction(crm.db) as session:
            need = add_need(session=session, viewer=viewer_of(session, context), customer_id=customer_id, now=crm.defaults.clock(),
                            description=typed(values, ids.NEED_DESCRIPTION), kind=picked(values, ids.NEED_KIND) or "current",
                            priority=picked(values, ids.NEED_PRIORITY) or "medium",
                            status=picked(values, ids.NEED_STATUS) or "not_started")
            customer = session.get(Customer, customer_id)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.NEED_FIELD_BLOCKS, fallback=ids.NEED_DESCRIPTION_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    answer(client=client, channel=channel, user=profile.user_id, text=_need_added(profile, customer, need))


def _need_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    profile = profile_now(client, context)
    try:
        with transaction(crm.db) as session:
            customer, description = named_customer(session, text)
            if not description:
                raise DomainError("lc_need_usage")
            need = add_need(session=session, viewer=viewer_of(session, context), customer_id=customer.id,
                            description=description, now=crm.defaults.clock())
    except DomainError as e:
        respond(response_type="ephemeral", text=refusal(profile.locale, e))
        return
    respond(response_type="ephemeral", text=_need_added(profile, customer, need))


SUBCOMMAND = Subcommand("need", ("需求",), _need_command, "help_need")
