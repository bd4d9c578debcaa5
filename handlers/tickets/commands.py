"""Service tickets in Slack: `/crm ticket` and the "Create CRM ticket" message shortcut open the
modal; submitting it saves the ticket and posts its card; the card's buttons move the ticket
along; `/crm tickets` lists your open ones. The card and the alerts are drawn in ticket_cards.py.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import ids
from handlers.blocks import escape, field_errors, input_block, modal, option, plain, section, unescape
from handlers.router import Subcommand
from handlers.context import crm_of, fetch_profile, Profile, viewer_of
from handlers.i18n import t
from handlers.refs import customer_option, load_customer_options
from handlers.picked import pick_errors
from handlers.payload import clicked_value, customer_choice, option_of, read_metadata, record_id, state_values, text_of, user_of
from handlers.prefill import leading_customer
from handlers.sla_words import list_blocks
from handlers.tickets.cards import card_blocks, card_text, last_note
from store.db import transaction
from store.errors import DomainError
from store.models import Customer, TicketType
from store.permissions import can_read
from store.text import clean, clip_to
from store.ticket_sla import DEFAULT_PRIORITY, PRIORITIES
from store.tickets import (CLOSE, DESCRIPTION_MAX, REPLIED, RESUME, SOLVE, TAKE, WAIT, act, create_ticket, open_tickets,
                           set_card, ticket_with_customer)

log = logging.getLogger(__name__)
LIST_SHOWN = 20
UNKNOWN_SHOWN = 60  # characters of an unknown customer's name repeated in the modal
# Where a card cannot go (the bot is not in that channel, or it is a DM between people): the DM.
NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}
ACTIONS = {ids.TICKET_TAKE: TAKE, ids.TICKET_REPLIED: REPLIED, ids.TICKET_PENDING: WAIT, ids.TICKET_RESUME: RESUME,
           ids.TICKET_SOLVED: SOLVE, ids.TICKET_CLOSE: CLOSE}


def register(app: App) -> None:
    app.options(ids.TICKET_CUSTOMER)(load_customer_options)
    app.view(ids.TICKET_VIEW)(submit_ticket)
    app.shortcut(ids.TICKET_SHORTCUT)(on_shortcut)
    for action_id in ACTIONS:
        app.action(action_id)(on_button)


# -- the modal ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prefill:
    customer: Customer | None = None
    description: str = ""
    unknown: str = ""  # the name the command gave that matches no customer the user may read


def _description(profile: Profile, initial: str) -> dict:
    element = {"type": "plain_text_input", "action_id": ids.TICKET_DESCRIPTION, "multiline": True, "max_length": DESCRIPTION_MAX,
               "placeholder": plain(t(profile.locale, "ticket_f_description_placeholder"), 150)}
    if initial:
        element["initial_value"] = initial[:DESCRIPTION_MAX]
    return element


def build_ticket_view(profile: Profile, prefill: Prefill, *, metadata: dict) -> dict:
    loc = profile.locale
    picker = {"type": "external_select", "action_id": ids.TICKET_CUSTOMER, "min_query_length": 0,
              "placeholder": plain(t(loc, "f_customer_placeholder"), 150)}
    if prefill.customer is not None:
        picker["initial_option"] = customer_option(prefill.customer, profile)
    priorities = [option(t(loc, f"ticket_priority_{p}"), p) for p in PRIORITIES]
    priority = {"type": "static_select", "action_id": ids.TICKET_PRIORITY, "options": priorities,
                "initial_option": priorities[PRIORITIES.index(DEFAULT_PRIORITY)]}
    kinds = {"type": "static_select", "action_id": ids.TICKET_TYPE,
             "options": [option(t(loc, f"ticket_type_{k.value}"), k.value) for k in TicketType]}
    blocks = [section(t(loc, "ticket_customer_unknown", name=escape(prefill.unknown)))] if prefill.unknown else []
    blocks += [
        input_block(ids.TICKET_CUSTOMER_BLOCK, t(loc, "ticket_f_customer"), picker, hint=t(loc, "f_customer_hint")),
        input_block(ids.TICKET_PRIORITY_BLOCK, t(loc, "ticket_f_priority"), priority),
        input_block(ids.TICKET_TYPE_BLOCK, t(loc, "ticket_f_type"), kinds),
        input_block(ids.TICKET_DESCRIPTION_BLOCK, t(loc, "ticket_f_description"),
               _description(profile, prefill.description)),
        input_block(ids.TICKET_ASSIGNEE_BLOCK, t(loc, "ticket_f_assignee"),
               {"type": "users_select", "action_id": ids.TICKET_ASSIGNEE, "initial_user": profile.user_id},
               optional=True, hint=t(loc, "ticket_f_assignee_hint")),
    ]
    return modal(callback_id=ids.TICKET_VIEW, title=t(loc, "ticket_title"), submit=t(loc, "ticket_create"),
                 close=t(loc, "cancel"), blocks=blocks, metadata=metadata)


def open_ticket_modal(*, trigger_id: str, client: WebClient, context: dict, prefill: Prefill, metadata: dict) -> None:
    """views.open first (the trigger_id lives 3 s); then the user's zone and locale from Slack, and
    the modal redrawn if they differ from what we had."""
    crm = crm_of(context)
    who: Profile = crm.who
    opened = client.views_open(trigger_id=trigger_id, view=build_ticket_view(who, prefill, metadata=metadata))
    fresh = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults)
    if fresh.locale == who.locale:
        return
    view = opened["view"]
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=build_ticket_view(fresh, prefill, metadata=metadata))
    except SlackApiError as e:  # the user already moved on (hash_conflict) or closed it: keep theirs
        log.info("ticket modal not redrawn: %s", e.response.get("error"))


def _ticket_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    text = clean(unescape(text))
    prefill = Prefill()
    if text:
        with transaction(crm.db) as session:  # exact, indexed lookups only: views.open is next
            customer, rest = leading_customer(text, session=session)
            if customer is not None and not can_read(viewer_of(session, context), customer):
                customer, rest = None, text  # not theirs to see: as if unknown
        unknown = ""
        if customer is None:  # `/crm ticket <customer> <description>`: a first word we do not know is a name, not the problem
            parts = text.split(None, 1)
            if len(parts) == 2:
                unknown, rest = clip_to(parts[0], UNKNOWN_SHOWN), parts[1]
        prefill = Prefill(customer=customer, description=clip_to(rest, DESCRIPTION_MAX), unknown=unknown)
    open_ticket_modal(trigger_id=body["trigger_id"], client=client, context=context, prefill=prefill,
                      metadata={"channel": body.get("channel_id", "")})


def on_shortcut(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """The message shortcut: the message's text as the description; its permalink is asked for
    only after the ticket is saved (Slack's first call here must be views.open)."""
    ack()
    message = body.get("message") or {}
    ts = message.get("ts", "")
    metadata = {"channel": (body.get("channel") or {}).get("id", ""), "source_ts": ts, "thread_ts": message.get("thread_ts") or ts}
    prefill = Prefill(description=clip_to(clean(unescape(message.get("text") or "")), DESCRIPTION_MAX))
    open_ticket_modal(trigger_id=body["trigger_id"], client=client, context=context, prefill=prefill, metadata=metadata)


# -- submitting ---------------------------------------------------------------------------------

def _read(view: dict) -> dict:
    values = state_values(view)

    def value(block: str, action: str) -> dict:
        return (values.get(block) or {}).get(action) or {}

    customer_id, new_name = customer_choice(option_of(value(ids.TICKET_CUSTOMER_BLOCK, ids.TICKET_CUSTOMER)))
    return {
        "customer_id": customer_id,
        "new_customer_name": new_name,
        "priority": option_of(value(ids.TICKET_PRIORITY_BLOCK, ids.TICKET_PRIORITY)) or "",
        "ticket_type": option_of(value(ids.TICKET_TYPE_BLOCK, ids.TICKET_TYPE)) or "",
        "description": text_of(value(ids.TICKET_DESCRIPTION_BLOCK, ids.TICKET_DESCRIPTION)),
        "assignee_id": user_of(value(ids.TICKET_ASSIGNEE_BLOCK, ids.TICKET_ASSIGNEE)),
    }


def submit_ticket(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Saved before ack() (an indexed insert), so a refusal stays on the modal with the text kept;
    then the card is posted."""
    crm = crm_of(context)
    who: Profile = crm.who
    now = crm.defaults.clock()
    meta, fields = read_metadata(view), _read(view)
    channel, source_ts, thread_ts = meta.text("channel"), meta.optional_text("source_ts"), meta.optional_text("thread_ts")
    refused = pick_errors(client, locale=who.locale, submitter=who.user_id, picks={ids.TICKET_ASSIGNEE_BLOCK: fields["assignee_id"]})
    if refused:
        ack(response_action="errors", errors=refused)
        return
    try:
        with transaction(crm.db) as session:
            ticket = create_ticket(session=session, created_by=who.user_id, calendar=crm.defaults.calendar, now=now,
                                   viewer=viewer_of(session, context),
                                   source_channel=channel if source_ts else None, source_ts=source_ts, **fields)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, who.locale, blocks=ids.TICKET_FIELD_BLOCKS, fallback=ids.TICKET_CUSTOMER_BLOCK))
        return
    ack()
    post_card(client=client, context=context, ticket_id=ticket.id, channel=channel,
              thread_ts=thread_ts if source_ts else None, now=now)


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except SlackApiError as e:
        log.info("no permalink for %s/%s: %s", channel, ts, e.response.get("error"))
        return None


def _post(client: WebClient, *, card: dict, channel: str, thread_ts: str | None, dm: str, code: str) -> dict | None:
    """chat.postMessage in `channel`, or in the DM `dm` when the bot cannot post there; None when
    Slack took neither (the ticket is saved all the same, and /crm tickets lists it)."""
    if channel:
        try:
            return client.chat_postMessage(channel=channel, thread_ts=thread_ts, **card)
        except SlackApiError as e:
            if e.response.get("error") not in NOT_THERE:
                log.warning("card of %s not posted in %s: %s", code, channel, e.response.get("error"))
                return None
            log.info("card of %s not posted in %s (%s): to the DM instead", code, channel, e.response.get("error"))
    try:
        return client.chat_postMessage(channel=dm, **card)
    except SlackApiError as e:
        log.warning("card of %s not posted to %s either: %s", code, dm, e.response.get("error"))
        return None


def post_card(*, client: WebClient, context: dict, ticket_id: int, channel: str, thread_ts: str | None, now: datetime) -> None:
    """In the channel it came from (a thread reply under the source message), or in the DM of the
    assignee (else the creator) when the bot cannot post there. A ticket made from a message links
    back to it; any other's alerts link to its card."""
    crm = crm_of(context)
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    with transaction(crm.db) as session:
        ticket, customer = ticket_with_customer(session=session, ticket_id=ticket_id)
    link = _permalink(client, ticket.source_channel, ticket.source_ts) if ticket.source_ts else None
    ticket.source_link = link  # drawn on the card below; saved with the card's place
    card = {"text": card_text(ticket, customer, profile),
            "blocks": card_blocks(ticket, customer, calendar=crm.defaults.calendar, now=now, profile=profile)}
    posted = _post(client, card=card, channel=channel, thread_ts=thread_ts, dm=ticket.assignee_id or ticket.created_by, code=ticket.code)
    if posted is None:
        return
    if link is None:
        link = _permalink(client, posted["channel"], posted["ts"])
    with transaction(crm.db) as session:
        set_card(session=session, ticket_id=ticket_id, channel=posted["channel"], ts=posted["ts"], link=link)


# -- the card's buttons -------------------------------------------------------------------------

def on_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    now = crm.defaults.clock()
    ticket_id, clicked = record_id(clicked_value(body)), body["actions"][0]
    if ticket_id is None:
        return
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    calendar = crm.defaults.calendar
    action = ACTIONS[clicked["action_id"]]
    note = None
    try:
        with transaction(crm.db) as session:
            act(session=session, ticket_id=ticket_id, action=action, user_id=profile.user_id, calendar=calendar, now=now,
                viewer=viewer_of(session, context))
        note = last_note(action=action, user_id=profile.user_id, at=now, profile=profile)
    except DomainError as e:
        _refuse(client=client, body=body, profile=profile, error=e)
        if e.key == "ticket_err_forbidden":  # nothing of the ticket redrawn for them
            return
    redraw(client=client, context=context, ticket_id=ticket_id, profile=profile, now=now, note=note)


def redraw(*, client: WebClient, context: dict, ticket_id: int, profile: Profile, now: datetime, note: str | None = None) -> None:
    """The card as it is now, in the reader's language and zone (after a refusal too, so a card
    showing buttons that no longer apply is brought up to date)."""
    crm = crm_of(context)
    with transaction(crm.db) as session:
        found = ticket_with_customer(session=session, ticket_id=ticket_id)
    if found is None or not (found[0].card_channel and found[0].card_ts):
        return
    ticket, customer = found
    try:
        client.chat_update(channel=ticket.card_channel, ts=ticket.card_ts, text=card_text(ticket, customer, profile),
                           blocks=card_blocks(ticket, customer, calendar=crm.defaults.calendar, now=now, profile=profile, note=note))
    except SlackApiError as e:  # the change is saved; only the card stays as it was
        log.warning("card of %s not updated: %s", ticket.code, e.response.get("error"))


def _refuse(*, client: WebClient, body: dict, profile: Profile, error: DomainError) -> None:
    loc = profile.locale
    params = dict(error.params)
    if "status" in params:
        params["status"] = t(loc, f"ticket_status_{params['status']}")
    if "action" in params:
        params["action"] = t(loc, f"ticket_btn_{params['action']}")
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id", "")
    try:
        client.chat_postEphemeral(channel=channel, user=profile.user_id, text=t(loc, error.key, **params))
    except SlackApiError as e:
        log.warning("refusal not shown to %s: %s", profile.user_id, e.response.get("error"))


# -- /crm tickets -------------------------------------------------------------------------------

def _list_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    now = crm.defaults.clock()
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    with transaction(crm.db) as session:
        items, total = open_tickets(session=session, assignee_id=profile.user_id, limit=LIST_SHOWN)
        summary, blocks = list_blocks(items, total, calendar=crm.defaults.calendar, now=now, profile=profile)
    respond(response_type="ephemeral", text=summary, blocks=blocks)


SUBCOMMANDS = (
    Subcommand("ticket", ("工单",), _ticket_command, "help_ticket"),
    Subcommand("tickets", ("我的工单",), _list_command, "help_tickets"),
)
