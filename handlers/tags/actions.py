"""The card's behaviour-tag menu: "Remove “frequent contact”" takes the tag off for good (the rules do
not put it back); "Restore “frequent contact”" puts a removed one back under the rules."""
from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers import ids
from handlers.blocks import escape, refusal
from handlers.context import crm_of, viewer_of
from handlers.forms import answer
from handlers.i18n import t
from handlers.payload import clicked_value, record_id
from store.behaviour_tags import BY_CODE, label, remove_tag, restore_tag
from store.db import transaction
from store.errors import DomainError


def register(app: App) -> None:
    app.action(ids.CARD_TAG_REMOVE)(on_tag_menu)


def _tell(*, client: WebClient, body: dict, respond, text: str) -> None:
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text)
        return
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id", "")
    answer(client=client, channel=channel, user=body["user"]["id"], text=text)


def on_tag_menu(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    ack()
    crm = crm_of(context)
    loc = crm.who.locale
    raw_id, _, code = clicked_value(body).partition(":")
    code, _, verb = code.partition(":")  # "<id>:<code>" removes, "<id>:<code>:restore" restores
    customer_id = record_id(raw_id)
    if customer_id is None or code not in BY_CODE or verb not in ("", "restore"):
        _tell(client=client, body=body, respond=respond, text=t(loc, "err_tag_not_on"))
        return
    try:
        with transaction(crm.db) as session:
            change = restore_tag if verb else remove_tag
            customer = change(session=session, viewer=viewer_of(session, context), customer_id=customer_id, code=code,
                              now=crm.defaults.clock())
            name = customer.name
    except DomainError as e:
        _tell(client=client, body=body, respond=respond, text=refusal(loc, e))
        return
    _tell(client=client, body=body, respond=respond,
          text=t(loc, "tags_restored" if verb else "tags_removed", customer=escape(name), label=label(code, loc)))
