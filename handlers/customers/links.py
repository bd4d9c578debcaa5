"""Links from any list of customers (digests, `/crm stats`, `/crm risk`, the Home tab) to their cards.

Slack has no link that runs a command, so a list carries one select, "Open a customer's card",
whose options are the customers it names (at most 100, one block however long the list; in digests
and `/crm stats` the accessory of each list's own section, so it costs no block): choosing
one shows the card to whoever chose it, if they may read that customer. In a message the card
comes as an ephemeral reply there (its buttons work as on `/crm show`); from the Home tab, in a
direct message.
"""
from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import refusal
from handlers import ids
from handlers.context import crm_of, Profile
from handlers.customers.cards import card_blocks, card_text, load_card
from handlers.i18n import t
from handlers.payload import clicked_value, record_id
from store.customers import get_customer
from store.db import transaction
from store.permissions import can_read, forbidden, viewer_for

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.CARD_PICKER)(on_pick)


def on_pick(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    ack()
    crm = crm_of(context)
    who: Profile = crm.who
    chosen = record_id(clicked_value(body))
    d, now = crm.defaults, crm.defaults.clock()
    answer: dict
    with transaction(crm.db) as session:
        viewer = viewer_for(session=session, user_id=who.user_id, visibility=d.visibility, admins=d.admins)
        customer = get_customer(session=session, customer_id=chosen) if chosen is not None else None
        if customer is None:
            answer = {"text": t(who.locale, "err_unknown_customer")}
        elif not can_read(viewer, customer):
            answer = {"text": refusal(who.locale, forbidden(viewer, customer, action="read"))}
        else:
            data = load_card(session, customer, viewer=viewer, cipher=d.cipher, parts=d.hooks.card_parts)
            answer = {"text": card_text(customer, who.locale), "blocks": card_blocks(data, who, now, d.tags)}
    try:
        if body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **answer)
        else:
            client.chat_postMessage(channel=who.user_id, **answer)
    except SlackApiError as e:
        log.warning("card for %s not shown: %s", who.user_id, e.response.get("error"))
