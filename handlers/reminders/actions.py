"""A due next action in the owner's DM: Done, Snooze 1 hour, Tomorrow 9:00, Reschedule; the same
four in the overflow menu of each action on the Home tab (ids.HOME_ACTION_MENU), which publishes
the tab again at the pages it showed."""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context, escape, fmt_datetime, input_block, mention, modal, option, plain, section
from handlers.context import crm_of, fetch_profile, Profile, reply_profile
from handlers.dates import When, read_when
from handlers.reminders.messages import closed_blocks
from handlers.i18n import t
from handlers.delivery.items import item_of, update_item
from handlers.payload import (MalformedPayload, clicked_value, element_state, option_of, read_metadata, record_id,
                              state_values, text_of)
from handlers.forms import answer, redraw, when_read, when_time
from store.actions import action_with_customer, complete, get_action, refuse_stranger, reschedule
from handlers.words import action_text
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
    app.action(ids.HOME_ACTION_MENU)(on_home_menu)
    app.action(ids.RESCHEDULE_WHEN)(on_reschedule_typed)
    app.view(ids.RESCHEDULE_VIEW)(submit_reschedule)


# -- the buttons -----------------------------------------------------------------------------

def _where(body: dict) -> tuple[str, str]:
    container = body.get("container") or {}
    return (container.get("channel_id") or (body.get("channel") or {}).get("id", ""),
            container.get("message_ts") or (body.get("message") or {}).get("ts", ""))


HOME_STATE_MAX = 500  # the Home tab's pages, handed back to it: anything longer is not ours


def home_state(body: dict) -> str | None:
    """The private_metadata of the Home tab a click came from (which page each window showed), for
    the Home feature to read back; None from anywhere else or when it is not what we wrote."""
    view = body.get("view") if isinstance(body, dict) else None
    state = view.get("private_metadata") if isinstance(view, dict) and view.get("type") == "home" else None
    return state if isinstance(state, str) and len(state) <= HOME_STATE_MAX else None


def _from_home(body: dict) -> bool:
    """A click on the App Home tab (handlers/home/views.py draws the same Done and Snooze buttons there)."""
    return (body.get("view") or {}).get("type") == "home"


def tomorrow_nine(now: datetime, profile: Profile) -> datetime:
    day = now.astimezone(profile.zone).date() + timedelta(days=1)
    return datetime.combine(day, time(9), tzinfo=profile.zone)


def _clicked(body: dict, value: str | None = None) -> tuple[int | None, str, str, str | None, list[dict] | None]:
    """(action id, channel, ts, item in a grouped message, the message's blocks) of a click; `value`
    instead of the clicked one's (the id part of a Home menu option)."""
    value, clicked = clicked_value(body) if value is None else value, body["actions"][0]
    channel, ts = _where(body)
    return (record_id(value), channel, ts, item_of(clicked.get("block_id")),
            (body.get("message") or {}).get("blocks"))


def _apply(*, body: dict, client: WebClient, context: dict, change, value: str | None = None) -> None:
    """Run `change(session, action_id, profile, now) -> note` and show the result on the message."""
    crm = crm_of(context)
    now = crm.defaults.clock()
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    action_id, channel, ts, item, blocks = _clicked(body, value)
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
        crm.defaults.hooks.publish_home(client=client, db=crm.db, defaults=crm.defaults, user_id=profile.user_id,
                                        state=home_state(body))
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
                new_blocks=closed_blocks(session, action, customer, profile, note), text=escape(f"{action_text(action, profile.locale)} · {note}"))


def _refuse(*, client: WebClient, context: dict, profile: Profile, action_id: int, error: DomainError, where: dict) -> None:
    crm = crm_of(context)
    loc = profile.locale
    params = dict(error.params)
    if "status" in params:
        params["status"] = t(loc, f"status_{params['status']}")
    if error.key == "err_action_closed":  # show the current state instead of stale buttons (and why the bot closed it)
        why = params.pop("why", "")
        note = t(loc, "already_closed_why", why=t(loc, f"action_close_reason_{why}"), **params) if why else t(loc, "already_closed", **params)
        with transaction(crm.db) as session:
            update_message(session=session, client=client, action_id=action_id, profile=profile, note=note, **where)
        return
    answer(client=client, channel=where["channel"], user=profile.user_id, text=t(loc, error.key, **params))


def _complete(session, action_id, profile, now):
    complete(session=session, action_id=action_id, user_id=profile.user_id, now=now)
    return t(profile.locale, "done_by", user=mention(profile.user_id), time=fmt_datetime(now, profile))


def on_done(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    _apply(body=body, client=client, context=context, change=_complete)


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


def on_home_menu(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """A choice in a Home tab action's menu: "done:<id>", "snooze:<id>", "tomorrow:<id>", "reschedule:<id>"."""
    ack()
    verb, _, ident = clicked_value(body).partition(":")
    if verb == "reschedule":
        _open_reschedule(body=body, client=client, context=context, value=ident)
        return
    change = {"done": _complete, "snooze": _snoozer(lambda now, _p: now + SNOOZE), "tomorrow": _snoozer(tomorrow_nine)}.get(verb)
    if change is not None:
        _apply(body=body, client=client, context=context, change=change, value=ident)


# -- reschedule modal --------------------------------------------------------------------------

def reschedule_view(profile: Profile, action: NextAction, metadata: dict, *, text: str = "",
                    when: When | None = None, again: bool = False) -> dict:
    """The "new time" field; as the user types, what it understood ("= 2026年12月9日 周三 09:00",
    with both clocks when the text named a zone) and, for words with two readings ("下周三" said
    on a Sunday, "2/3" without a locale that orders them), a choice between them, the first picked."""
    loc = profile.locale
    when_input = {"type": "plain_text_input", "action_id": ids.RESCHEDULE_WHEN, "max_length": 100,
                  "placeholder": plain(t(loc, "reschedule_placeholder"), 150),
                  "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed", "on_character_entered"]}}
    if text:
        when_input["initial_value"] = text[:100]   # the words stay when the view is replaced on Save
    blocks = [
        section(f"*{escape(clip(action_text(action, loc), 500))}*"),
        input_block(ids.RESCHEDULE_BLOCK, t(loc, "reschedule_label"), when_input, dispatch=True,
                    hint=t(loc, "reschedule_hint", due=fmt_datetime(action.due_at, profile))),
    ]
    if when is not None:
        blocks.append({**context(escape(when_read(when, profile))), "block_id": ids.RESCHEDULE_READ_BLOCK})
    if when is not None and when.others:
        choices = [option(when_time(d, when, profile), str(int(d.timestamp()))) for d in (when.at, *when.others)]
        pick = {"type": "radio_buttons", "action_id": ids.RESCHEDULE_PICK, "options": choices, "initial_option": choices[0]}
        label = t(loc, "when_pick_again", text=clip(text, 100)) if again else t(loc, "when_pick")
        # a new block per reading, so Slack shows this reading's first choice, not an older pick
        blocks.append(input_block(f"{ids.RESCHEDULE_PICK_BLOCK}.{int(when.at.timestamp())}", label, pick))
    return modal(callback_id=ids.RESCHEDULE_VIEW, title=t(loc, "reschedule_title"), submit=t(loc, "save"),
                 close=t(loc, "cancel"), blocks=blocks, metadata=metadata)


def on_reschedule(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    _open_reschedule(body=body, client=client, context=context)


def _open_reschedule(*, body: dict, client: WebClient, context: dict, value: str | None = None) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    action_id, channel, ts, item, _ = _clicked(body, value)
    with transaction(crm.db) as session:  # primary-key lookup only: the trigger_id is short-lived
        action = get_action(session=session, action_id=action_id) if action_id else None
    if action is None:
        return
    try:
        refuse_stranger(action, who.user_id)
    except DomainError as e:  # its title is not theirs to read either
        answer(client=client, channel=channel, user=who.user_id, text=t(reply_profile(client=client, context=context).locale, e.key, **e.params))
        return
    metadata = {"action": action.id, "channel": channel, "ts": ts, "item": item,
                **({"home": home_state(body) or "{}"} if _from_home(body) else {})}
    client.views_open(trigger_id=body["trigger_id"], view=reschedule_view(who, action, metadata))


def _own_action(session: Session, action_id: int | None, user_id: str) -> NextAction | None:
    action = get_action(session=session, action_id=action_id) if action_id else None
    return action if action is not None and action.owner_id == user_id else None


def on_reschedule_typed(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """Each change to the "new time" field: the modal again with what it understood."""
    ack()
    crm = crm_of(context)
    who: Profile = crm.who
    view = body.get("view") or {}
    try:
        meta = read_metadata(view)
        text = text_of(element_state(state_values(view), ids.RESCHEDULE_WHEN))
        action_id = meta.id("action")
    except MalformedPayload:
        return
    with transaction(crm.db) as session:
        action = _own_action(session, action_id, who.user_id)
    if action is None:
        return
    when = read_when(text, now=crm.defaults.clock(), tz=who.tz, locale=who.locale)
    redraw(client=client, body=body, view=reschedule_view(who, action, meta.raw, text=text, when=when))


def _picked(values: dict, when: When) -> datetime | None:
    """The reading the user picked among `when`'s (None when the choice shown was for other words)."""
    block = values.get(f"{ids.RESCHEDULE_PICK_BLOCK}.{int(when.at.timestamp())}")
    if isinstance(block, dict):
        chosen = option_of(block.get(ids.RESCHEDULE_PICK) or {})
        return next((d for d in (when.at, *when.others) if str(int(d.timestamp())) == chosen), None)
    return None


def submit_reschedule(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    now = crm.defaults.clock()
    meta, values = read_metadata(view), state_values(view)
    text = text_of(element_state(values, ids.RESCHEDULE_WHEN))
    action_id, channel, ts = meta.id("action"), meta.text("channel"), meta.text("ts")
    when = read_when(text, now=now, tz=who.tz, locale=who.locale)
    if when is None:
        ack(response_action="errors", errors={ids.RESCHEDULE_BLOCK: t(who.locale, "err_when_unparsed")})
        return
    due = _picked(values, when) if when.others else when.at
    if due is None:  # two readings and no choice made for these words: show both, save nothing
        with transaction(crm.db) as session:
            action = _own_action(session, action_id, who.user_id)
        if action is not None:
            ack(response_action="update", view=reschedule_view(who, action, meta.raw, text=text, when=when, again=True))
            return
        due = when.at   # not theirs or gone: reschedule() below says so
    try:
        with transaction(crm.db) as session:
            reschedule(session=session, action_id=action_id, user_id=who.user_id, due_at=due, now=now, snooze=False)
    except DomainError as e:
        params = {k: (t(who.locale, f"status_{v}") if k == "status" else v) for k, v in e.params.items()}
        ack(response_action="errors", errors={ids.RESCHEDULE_BLOCK: t(who.locale, e.key, **params)})
        return
    ack()
    home = meta.optional_text("home")
    if home is not None:  # from the Home tab: the tab again, at the pages it showed
        crm.defaults.hooks.publish_home(client=client, db=crm.db, defaults=crm.defaults, user_id=who.user_id, state=home)
        return
    with transaction(crm.db) as session:
        update_message(session=session, client=client, action_id=action_id, profile=who, item=meta.optional_text("item"),
                       channel=channel, ts=ts, note=t(who.locale, "rescheduled_to", time=fmt_datetime(due, who)))
