"""A due next action in the owner's DM: Done, Snooze 1 hour, Tomorrow 9:00, Reschedule."""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, escape, fmt_datetime, input_block, mention, modal, plain, section
from handlers.context import crm_of, fetch_profile, Profile, reply_profile
from handlers.dates import parse_when
from handlers.home.views import publish
from handlers.reminders.messages import closed_blocks
from handlers.i18n import t
from handlers.delivery.items import item_of, update_item
from handlers.payload import clicked_value, element_state, read_metadata, record_id, state_values, text_of
from handlers.forms import answer
from store.actions import action_with_customer, complete, get_action, refuse_stranger, reschedule
from store.auto_actions import title_in
from store.db import transaction
from store.errors import DomainError
from store.models import NextAction

log = logging.getLogger(__name__)
SNOOZE = timedelta(hours=1)


def register(app: App) -> None:
    app.action(ids.DUE_DONE)(on_done)
    app.action(ids.DUE_SNOOZE)(on_snooze)
    app.action(ids.DUE_TOMORROW)(on_tomorrow)
    app.action(ids.DUE_RESCHEDULE)(on_reschedule)
    app.view(ids.RESCHEDULE_VIEW)(submit_reschedule)


# -- the buttons -----------------------------------------------------------------------------

def _where(body: dict) -> tuple[str, str]:
    container = body.get("container") or {}
    return (container.get("channel_id") or (body.get("channel") or {}).get("id", ""),
            container.get("message_ts") or (body.get("message") or {}).get("ts", ""))


def _from_home(body: dict) -> bool:
    """A click on the App Home tab (handlers/home/views.py draws the same Done and Snooze buttons there)."""
    return (body.get("view") or {}).get("type") == "home"


def tomorrow_nine(now: datetime, profile: Profile) -> datetime:
    day = now.astimezone(profile.zone).date() + timedelta(days=1)
    return datetime.combine(day, time(9), tzinfo=profile.zone)


def _clicked(body: dict) -> tuple[int | None, str, str, str | None, list[dict] | None]:
    """(action id, channel, ts, item in a grouped message, the message's blocks) of a click."""
    value, clicked = clicked_value(body), body["actions"][0]
    channel, ts = _where(body)
    return (record_id(value), channel, ts, item_of(clicked.get("block_id")),
            (body.get("message") or {}).get("blocks"))


def _apply(*, body: dict, client: WebClient, context: dict, change) -> None:
    """Run `change(session, action_id, profile, now) -> note` and show the result on the message."""
    crm = crm_of(context)
    now = crm.defaults.clock()
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    action_id, channel, ts, item, blocks = _clicked(body)
    if action_id is None:
        return
    where = dict(channel=channel, ts=ts, item=item, message_blocks=blocks)
    home = _from_home(body)
    try:
        with transaction(crm.db) as session:
            note = change(session, action_id, profile, now)
    except DomainError as e:
        if not home or e.key not in ("err_action_closed", "err_action_missing"):
            _refuse(client=client, context=context, profile=profile, action_id=action_id, error=e, where=where)
            return
    if home:  # no message to redraw: the tab again, as it is now (also when it was closed or removed elsewhere)

        publish(client=client, db=crm.db, defaults=crm.defaults, user_id=profile.user_id)
        return
    with transaction(crm.db) as session:  # Slack is called after the commit, not under the row lock
        update_message(session=session, client=client, action_id=action_id, profile=profile, note=note, **where)


def update_message(*, session: Session, client: WebClient, action_id: int, profile: Profile, channel: str, ts: str, note: str,
                   item: str | None = None, message_blocks: list[dict] | None = None) -> None:
    """Redraw the action's part of the message (the whole message when it stands alone)."""
    found = action_with_customer(session=session, action_id=action_id)
    if found is None:
        return
    action, customer = found
    update_item(client=client, channel=channel, ts=ts, item=item, message_blocks=message_blocks,
                new_blocks=closed_blocks(session, action, customer, profile, note), text=escape(f"{title_in(action, profile.locale)} · {note}"))


def _refuse(*, client: WebClient, context: dict, profile: Profile, action_id: int, error: DomainError, where: dict) -> None:
    crm = crm_of(context)
    loc = profile.locale
    params = dict(error.params)
    if "status" in params:
        params["status"] = t(loc, f"status_{params['status']}")
    if error.key == "err_action_closed":  # show the current state instead of stale buttons
        with transaction(crm.db) as session:
            update_message(session=session, client=client, action_id=action_id, profile=profile,
                           note=t(loc, "already_closed", **params), **where)
        return
    answer(client=client, channel=where["channel"], user=profile.user_id, text=t(loc, error.key, **params))


def on_done(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()

    def change(session, action_id, profile, now):
        complete(session=session, action_id=action_id, user_id=profile.user_id, now=now)
        return t(profile.locale, "done_by", user=mention(profile.user_id), time=fmt_datetime(now, profile))

    _apply(body=body, client=client, context=context, change=change)


def _snoozer(due_of):
    def change(session, action_id, profile, now):
        due = due_of(now, profile)
        reschedule(session=session, action_id=action_id, user_id=profile.user_id, due_at=due, now=now, snooze=True)
        return t(profile.locale, "snoozed_until", time=fmt_datetime(due, profile))

    return change


def on_snooze(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    _apply(body=body, client=client, context=context, change=_snoozer(lambda now, _p: now + SNOOZE))


def on_tomorrow(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    _apply(body=body, client=client, context=context, change=_snoozer(tomorrow_nine))


# -- reschedule modal --------------------------------------------------------------------------

def reschedule_view(profile: Profile, action: NextAction, metadata: dict) -> dict:
    loc = profile.locale
    when = {"type": "plain_text_input", "action_id": ids.RESCHEDULE_WHEN, "max_length": 100,
            "placeholder": plain(t(loc, "reschedule_placeholder"), 150)}
    blocks = [
        section(f"*{escape(clip(title_in(action, loc), 500))}*"),
        input_block(ids.RESCHEDULE_BLOCK, t(loc, "reschedule_label"), when,
                    hint=t(loc, "reschedule_hint", due=fmt_datetime(action.due_at, profile))),
    ]
    return modal(callback_id=ids.RESCHEDULE_VIEW, title=t(loc, "reschedule_title"), submit=t(loc, "save"),
                 close=t(loc, "cancel"), blocks=blocks, metadata=metadata)


def on_reschedule(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    who: Profile = crm.who
    action_id, channel, ts, item, _ = _clicked(body)
    with transaction(crm.db) as session:  # primary-key lookup only: the trigger_id is short-lived
        action = get_action(session=session, action_id=action_id) if action_id else None
    if action is None:
        return
    try:
        refuse_stranger(action, who.user_id)
    except DomainError as e:  # its title is not theirs to read either
        answer(client=client, channel=channel, user=who.user_id, text=t(reply_profile(client=client, context=context).locale, e.key, **e.params))
        return
    metadata = {"action": action.id, "channel": channel, "ts": ts, "item": item}
    client.views_open(trigger_id=body["trigger_id"], view=reschedule_view(who, action, metadata))


def submit_reschedule(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    now = crm.defaults.clock()
    meta, text = read_metadata(view), text_of(element_state(state_values(view), ids.RESCHEDULE_WHEN))
    action_id, channel, ts = meta.id("action"), meta.text("channel"), meta.text("ts")
    due = parse_when(text, now=now, tz=who.tz)
    if due is None:
        ack(response_action="errors", errors={ids.RESCHEDULE_BLOCK: t(who.locale, "err_when_unparsed")})
        return
    try:
        with transaction(crm.db) as session:
            reschedule(session=session, action_id=action_id, user_id=who.user_id, due_at=due, now=now, snooze=False)
    except DomainError as e:
        params = {k: (t(who.locale, f"status_{v}") if k == "status" else v) for k, v in e.params.items()}
        ack(response_action="errors", errors={ids.RESCHEDULE_BLOCK: t(who.locale, e.key, **params)})
        return
    ack()
    with transaction(crm.db) as session:
        update_message(session=session, client=client, action_id=action_id, profile=who, item=meta.optional_text("item"),
                       channel=channel, ts=ts, note=t(who.locale, "rescheduled_to", time=fmt_datetime(due, who)))
