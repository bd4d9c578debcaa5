"""The NPS alert's button: Loop closed marks the close-the-loop action done and redraws the alert
(handlers/nps/messages.py draws it)."""
from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import ids
from handlers.blocks import escape, fmt_datetime, mention
from handlers.context import crm_of, fetch_profile, Profile
from handlers.i18n import t
from handlers.nps.messages import low_blocks
from handlers.payload import clicked_value, record_id
from handlers.delivery.items import item_of, update_item
from store.actions import complete
from store.db import transaction
from store.errors import DomainError
from store.models import Customer, NextAction, NpsResponse

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.NPS_LOOP_DONE)(on_loop_done)


def _where(body: dict) -> dict:
    """Where the clicked alert is drawn: its message, and its item when the message groups several."""
    container, clicked = body.get("container") or {}, body["actions"][0]
    return {"channel": container.get("channel_id") or (body.get("channel") or {}).get("id", ""),
            "ts": container.get("message_ts") or (body.get("message") or {}).get("ts", ""),
            "item": item_of(clicked.get("block_id")), "message_blocks": (body.get("message") or {}).get("blocks")}


def _redraw(client: WebClient, db, *, response_id: int, action_id: int, profile: Profile, where: dict, note: str) -> None:
    with transaction(db) as session:
        response, loop = session.get(NpsResponse, response_id), session.get(NextAction, action_id)
        customer = session.get(Customer, response.customer_id) if response is not None else None
        if customer is None or loop is None or loop.customer_id != customer.id:  # a value pairing another's response
            return
        blocks = low_blocks(session, response, customer, loop, profile, note=note)
        text = escape(t(profile.locale, "nps_low_fallback", customer=customer.name, score=response.score))
    update_item(client=client, new_blocks=blocks, text=text, **where)


def on_loop_done(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """Close the loop: the close-the-loop action is done, and the alert says so instead of its button."""
    ack()
    crm = crm_of(context)
    now = crm.defaults.clock()
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    first, _, second = clicked_value(body).partition(":")
    response_id, action_id = record_id(first), record_id(second)
    if response_id is None or action_id is None:
        return
    where, loc = _where(body), profile.locale
    redraw = {"response_id": response_id, "action_id": action_id, "profile": profile, "where": where}
    try:
        with transaction(crm.db) as session:
            complete(session=session, action_id=action_id, user_id=profile.user_id, now=now)
    except DomainError as e:
        if e.key == "err_action_closed":  # show the state it is in instead of a stale button
            _redraw(client, crm.db, note=t(loc, "nps_loop_already", status=t(loc, f"status_{e.params['status']}")), **redraw)
            return
        try:
            client.chat_postEphemeral(channel=where["channel"], user=profile.user_id, text=t(loc, e.key, **e.params))
        except SlackApiError as err:
            log.warning("refusal not shown to %s: %s", profile.user_id, err.response.get("error"))
        return
    note = t(loc, "nps_loop_closed_by", user=mention(profile.user_id), time=fmt_datetime(now, profile))
    _redraw(client, crm.db, note=note, **redraw)
