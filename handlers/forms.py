"""What the features' modals share beyond blocks.py: reading a submitted view, opening a modal from
a card button (and redrawing it in the user's own language), and answering the user ephemerally
where they clicked."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import escape, fmt_datetime, mention, refusal
from handlers.context import crm_of, fetch_profile, Profile, reply_profile, viewer_of
from handlers.i18n import t
from handlers.payload import (Metadata, clicked_value, date_of, option_of, read_metadata, record_id,
                              state_values, text_of)
from store.errors import DomainError
from store.auto_actions import title_in
from store.db import transaction
from store.models import Customer, NextAction
from store.permissions import Viewer, can_edit, can_read, forbidden

log = logging.getLogger(__name__)
# Where an ephemeral cannot go (the bot is not in that channel, or it is a DM between people): the DM.
NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}


# -- reading a submitted view ------------------------------------------------------------------

def state(view: dict) -> dict[str, dict]:
    """action_id -> its state, whatever block it sits in (our action ids are unique in a view).
    A view without state, or of another shape, raises MalformedPayload (as the readers below do
    for a value of the wrong type)."""
    return {action: value for block in state_values(view).values() for action, value in block.items()}


def picked(values: dict, action_id: str) -> str | None:
    return option_of(values.get(action_id) or {})


def typed(values: dict, action_id: str) -> str:
    return text_of(values.get(action_id) or {})


def picked_date(values: dict, action_id: str) -> date | None:
    return date_of(values.get(action_id) or {})


def metadata(view: dict) -> Metadata:
    """The view's private_metadata; MalformedPayload when it is not the object the bot wrote."""
    return read_metadata(view)


# -- automatic next actions --------------------------------------------------------

def auto_lines(actions: list[NextAction], profile: Profile) -> list[str]:
    """"Next action created: …, due …, owner …" for each, its title in the reader's language."""
    lines = []
    for action in actions:
        lines.append(t(profile.locale, "lc_auto_action", title=escape(title_in(action, profile.locale)), due=fmt_datetime(action.due_at, profile),
                       owner=mention(action.owner_id)))
    return lines


# -- Slack ---------------------------------------------------------------------------------------

def clicked_customer(body: dict) -> tuple[int | None, str]:
    """The customer id a card button carries, and the channel it was clicked in."""
    value = clicked_value(body)
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id", "")
    return record_id(value), channel


def card_customer(*, body: dict, client: WebClient, context: dict, edit: bool,
                  may: Callable[[Viewer, Customer], bool] | None = None) -> tuple[Customer, Viewer, str] | None:
    """For a card button: the customer (primary key) and the viewer (indexed lookups, so safe
    before views.open), and the channel; None after telling the user when they may not `edit`
    (or, with edit=False, read) it, or when `may` says no."""
    crm = crm_of(context)
    customer_id, channel = clicked_customer(body)
    if customer_id is None:
        return None
    with transaction(crm.db) as session:
        customer = session.get(Customer, customer_id)
        viewer = viewer_of(session, context)
    allowed = may or (can_edit if edit else can_read)
    if customer is not None and allowed(viewer, customer):
        return customer, viewer, channel
    error = DomainError("err_unknown_customer") if customer is None else forbidden(viewer, customer, action="edit" if edit else "read")
    answer(client=client, channel=channel, user=viewer.id, text=refusal(reply_profile(client=client, context=context).locale, error))
    return None


def open_modal(*, client: WebClient, context: dict, trigger_id: str, build: Callable[[Profile], dict], channel: str,
               respond: Callable[..., object] | None = None) -> None:
    """views.open first (the trigger_id lives 3 s), drawn for the profile we have; then the user's
    zone and locale from Slack, and the modal redrawn if they differ. When Slack will not open it
    (an expired trigger), the user is told: by `respond` (a slash command's response_url) when
    given, else where they clicked."""
    crm = crm_of(context)
    who: Profile = crm.who
    try:
        opened = client.views_open(trigger_id=trigger_id, view=build(who))
    except SlackApiError as e:
        error = e.response.get("error") or "?"
        log.warning("modal not opened for %s: %s", who.user_id, error)
        text = t(who.locale, "err_slack", error=error)
        if respond is not None:
            respond(response_type="ephemeral", text=text)
        else:
            answer(client=client, channel=channel, user=who.user_id, text=text)
        return
    fresh = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults)
    if (fresh.locale, fresh.tz) == (who.locale, who.tz):
        return
    view = opened["view"]
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=build(fresh))
    except SlackApiError as e:  # the user already moved on (hash_conflict) or closed it: keep theirs
        log.info("modal not redrawn: %s", e.response.get("error"))


def redraw(*, client: WebClient, body: dict, view: dict) -> None:
    """views.update of the modal a dispatched action came from, unless the user changed it since."""
    try:
        client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view)
    except SlackApiError as e:
        log.info("modal not redrawn: %s", e.response.get("error"))


def answer(*, client: WebClient, channel: str, user: str, text: str) -> None:
    """An ephemeral message in the channel the user worked from; their DM with the bot when that
    channel will not take one (or there is none)."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        except SlackApiError as e:
            if e.response.get("error") not in NOT_THERE:
                log.warning("answer to %s not shown in %s: %s", user, channel, e.response.get("error"))
                return
    try:
        client.chat_postMessage(channel=user, text=text)
    except SlackApiError as e:
        log.warning("answer to %s not sent: %s", user, e.response.get("error"))


def profile_now(client: WebClient, context: dict) -> Profile:
    """The user's zone and locale, refreshed from Slack when stale: for answers, after the ack."""
    crm = crm_of(context)
    return fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults)
