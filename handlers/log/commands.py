"""`/crm log`: the modal, its customer type-ahead, and saving what was submitted."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import ids
from handlers.refs import customer_option, load_customer_options
from handlers.router import Subcommand
from handlers.blocks import (block_in, clip, context as context_block, escape, field_errors, fmt_date, fmt_datetime, input_block, mention,
                             modal, option, plain, section, text_input, unescape)
from handlers.context import crm_of, fetch_profile, Profile, viewer_of
from handlers.dates import When
from handlers.forms import open_modal, redraw, when_from_meta, when_meta, when_read, when_time
from handlers.i18n import t
from handlers.payload import (MalformedPayload, clicked_value, customer_choice, datetime_of, dump_metadata, option_of,
                              read_metadata, state_values, text_of, user_of)
from handlers.picked import pick_errors
from handlers.prefill import Prefill, parse_free_text
from store.alert_kinds import ACTION_ASSIGNED
from store.behaviour_tags import OUTCOMES
from store.db import transaction
from store.errors import DomainError
from store.interactions import Logged, log_interaction
from store.lifecycle import add_months
from store.models import Customer, Way
from store.permissions import can_read
from store.outbox import enqueue
from store.text import ACTION_MAX, FEEDBACK_MAX, PARTICIPANTS_MAX, SUMMARY_MAX

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.options(ids.LOG_CUSTOMER)(load_customer_options)
    app.action(ids.LOG_DUE_OTHER)(on_due_other)
    app.view(ids.LOG_VIEW)(submit_log)


def _log_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    open_log_modal(client=client, context=context, trigger_id=body["trigger_id"], channel=body.get("channel_id", ""),
                   text=unescape(text), respond=respond)


SUBCOMMANDS = (Subcommand("log", ("记录", "l"), _log_command, "help_log"),)


# -- opening ---------------------------------------------------------------------------------

def default_due(now: datetime, profile: Profile) -> datetime:
    """Tomorrow 09:00 in the user's zone."""
    local = now.astimezone(profile.zone).date() + timedelta(days=1)
    return datetime.combine(local, time(9), tzinfo=profile.zone)


def build_log_view(profile: Profile, prefill: Prefill, *, now: datetime, metadata: dict) -> dict:
    loc = profile.locale
    today = now.astimezone(profile.zone).date()
    picker = {"type": "external_select", "action_id": ids.LOG_CUSTOMER, "min_query_length": 0,
              "placeholder": plain(t(loc, "f_customer_placeholder"), 150)}
    if prefill.customer is not None:
        picker["initial_option"] = customer_option(prefill.customer, profile)
    ways = [option(t(loc, f"way_{w.value}"), w.value) for w in Way]
    way = {"type": "static_select", "action_id": ids.LOG_WAY, "options": ways}
    if prefill.way:
        way["initial_option"] = next(o for o in ways if o["value"] == prefill.way)
    due = prefill.due or default_due(now, profile)
    blocks = [
        input_block(ids.LOG_CUSTOMER_BLOCK, t(loc, "f_customer"), picker, hint=t(loc, "f_customer_hint")),
        input_block(ids.LOG_WAY_BLOCK, t(loc, "f_way"), way),
        input_block(ids.LOG_DATE_BLOCK, t(loc, "f_date"), {"type": "datepicker", "action_id": ids.LOG_DATE, "initial_date": today.isoformat()}),
        input_block(ids.LOG_OUTCOME_BLOCK, t(loc, "f_outcome"),
                    {"type": "static_select", "action_id": ids.LOG_OUTCOME, "options": [option(t(loc, f"outcome_{o}"), o) for o in OUTCOMES]},
                    optional=True, hint=t(loc, "f_outcome_hint")),
        input_block(ids.LOG_PARTICIPANTS_BLOCK, t(loc, "f_participants"),
               text_input(ids.LOG_PARTICIPANTS, limit=PARTICIPANTS_MAX, placeholder=t(loc, "f_participants_placeholder")), optional=True),
        input_block(ids.LOG_SUMMARY_BLOCK, t(loc, "f_summary"), text_input(ids.LOG_SUMMARY, limit=SUMMARY_MAX, initial=prefill.summary, multiline=True)),
        input_block(ids.LOG_FEEDBACK_BLOCK, t(loc, "f_feedback"), text_input(ids.LOG_FEEDBACK, limit=FEEDBACK_MAX, multiline=True), optional=True),
        input_block(ids.LOG_ACTION_BLOCK, t(loc, "f_action"),
               text_input(ids.LOG_ACTION, limit=ACTION_MAX, initial=prefill.action, placeholder=t(loc, "f_action_placeholder"))),
        _due_input(ids.LOG_DUE_BLOCK, t(loc, "f_due"), due),
        *(due_reading_blocks(profile, prefill.reading, prefill.due_words) if prefill.reading is not None else []),
        *([{**context_block(t(loc, "log_due_unread", text=escape(clip(prefill.unread, 60)), time=fmt_datetime(due, profile))),
            "block_id": ids.LOG_DUE_READ_BLOCK}] if prefill.unread else []),
        input_block(ids.LOG_OWNER_BLOCK, t(loc, "f_owner"), {"type": "users_select", "action_id": ids.LOG_OWNER, "initial_user": profile.user_id}),
    ]
    if prefill.reading is not None:
        metadata = {**metadata, "due": when_meta(prefill.reading), "words": clip(prefill.due_words, 60)}
    return modal(callback_id=ids.LOG_VIEW, title=t(loc, "log_title"), submit=t(loc, "save"), close=t(loc, "cancel"),
                 blocks=blocks, metadata=metadata)


def _due_input(block_id: str, label: str, due: datetime) -> dict:
    return input_block(block_id, label, {"type": "datetimepicker", "action_id": ids.LOG_DUE, "initial_date_time": int(due.timestamp())})


def due_reading_blocks(profile: Profile, when: When, words: str) -> list[dict]:
    """Under the due field prefilled from the user's words: what they were read as ("= 2026年12月9日
    周三 09:00", both clocks when they named a zone) and, when they can mean another time, that
    time and a button that puts it in the field."""
    loc = profile.locale
    lines = [when_read(when, profile)]
    if words:
        lines[0] = f"{t(loc, 'log_due_read', text=words)} {lines[0]}"
    lines += [t(loc, "when_other", time=when_time(d, when, profile)) for d in when.others]
    blocks = [{**context_block(escape("\n".join(lines))), "block_id": ids.LOG_DUE_READ_BLOCK}]
    if when.others:  # one button, for the next reading: clicking again goes round them all
        use = {"type": "button", "action_id": ids.LOG_DUE_OTHER, "value": str(int(when.others[0].timestamp())),
               "text": plain(t(loc, "when_use", time=when_time(when.others[0], when, profile)), 75)}
        blocks.append({"type": "actions", "block_id": f"{ids.LOG_DUE_READ_BLOCK}_other", "elements": [use]})
    return blocks


def on_due_other(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """"Use <the other reading>": the due field holds that time (a new block, so Slack shows the
    new initial time), and the line under it offers the reading it held."""
    ack()
    who: Profile = crm_of(context).who
    view = body.get("view") or {}
    try:
        meta = read_metadata(view)
        chosen = int(clicked_value(body) or "")
    except (MalformedPayload, ValueError):
        return
    when = when_from_meta(meta.raw.get("due"), who, chosen)
    due_block = block_in(view, ids.LOG_DUE_BLOCK)
    if when is None or due_block is None:
        return
    words = meta.text("words")
    blocks = []
    for b in view.get("blocks", []):
        block_id = str(b.get("block_id", ""))
        if block_id == due_block:
            blocks.append(_due_input(f"{ids.LOG_DUE_BLOCK}.{chosen}", b["label"]["text"], when.at))
            blocks.extend(due_reading_blocks(who, when, words))
        elif not block_id.startswith(ids.LOG_DUE_READ_BLOCK):
            blocks.append(b)
    new = {k: view[k] for k in ("type", "callback_id", "title", "submit", "close") if k in view}
    new.update(blocks=blocks, private_metadata=dump_metadata({**meta.raw, "due": when_meta(when)}))
    redraw(client=client, body=body, view=new)


def _prefill(session, context: dict, text: str, *, now: datetime, profile: Profile) -> Prefill:
    """What the words say (read in the user's zone and locale); a customer the caller may not read
    is left out, as if unknown."""
    prefill = parse_free_text(text, session=session, now=now, tz=profile.tz, locale=profile.locale) if text else Prefill()
    if prefill.customer is not None and not can_read(viewer_of(session, context), prefill.customer):
        prefill = replace(prefill, customer=None)
    return prefill


def open_log_modal(*, client: WebClient, context: dict, trigger_id: str, channel: str, text: str = "",
                   customer: Customer | None = None, respond: Callable[..., object] | None = None) -> None:
    """The /crm log modal, prefilled from the words after `/crm log` (read in the user's zone) or with
    `customer` chosen; opened first (the trigger_id lives 3 s) and redrawn if Slack says the user's
    zone or language is not what we had (handlers/forms.open_modal)."""
    crm = crm_of(context)
    now = crm.defaults.clock()

    def prefill_for(profile: Profile) -> Prefill:
        crm = crm_of(context)
        if customer is not None or not text:
            return Prefill(customer=customer)
        with transaction(crm.db) as session:
            return _prefill(session, context, text, now=now, profile=profile)

    open_modal(client=client, context=context, trigger_id=trigger_id, channel=channel, respond=respond,
               build=lambda p: build_log_view(p, prefill_for(p), now=now, metadata={"channel": channel}))


# -- type-ahead --------------------------------------------------------------------------------

# -- submitting --------------------------------------------------------------------------------

def _value(values: dict, block: str, action: str) -> dict:
    return (values.get(block) or {}).get(action) or {}


def _due_block(values: dict) -> str:
    """The due field's block: "log_due", or "log_due.<unix time>" after "Use …"."""
    return next((b for b in values if b.startswith(ids.LOG_DUE_BLOCK + ".")), ids.LOG_DUE_BLOCK)


def earliest_day(now: datetime, profile: Profile) -> date:
    """The earliest day the form takes for an interaction: a year before the user's today (the
    same day, 28 February for a 29th). Older is a typo (1970-01-01, a wrong year), and would count
    in figures long closed; a customer's history comes in with `python -m bot import`."""
    return add_months(now.astimezone(profile.zone).date(), -12)


def _read(view: dict, who: Profile, now: datetime) -> tuple[dict, dict[str, str]]:
    """The submitted fields as plain values, plus errors for what cannot even be read."""
    values = state_values(view)
    errors: dict[str, str] = {}
    customer_id, new_name = customer_choice(option_of(_value(values, ids.LOG_CUSTOMER_BLOCK, ids.LOG_CUSTOMER)))
    raw_date = text_of(_value(values, ids.LOG_DATE_BLOCK, ids.LOG_DATE), "selected_date")
    try:
        occurred_on = date.fromisoformat(raw_date)
    except ValueError:
        occurred_on = None
        errors[ids.LOG_DATE_BLOCK] = t(who.locale, "err_date_invalid")
    earliest = earliest_day(now, who)
    if occurred_on is not None and occurred_on < earliest:
        errors[ids.LOG_DATE_BLOCK] = t(who.locale, "err_date_too_old", day=fmt_date(earliest, who))
    due_block = _due_block(values)
    due_at = datetime_of(_value(values, due_block, ids.LOG_DUE))
    if due_at is None:
        errors[due_block] = t(who.locale, "err_required")
    fields = {
        "customer_id": customer_id,
        "new_customer_name": new_name,
        "way": option_of(_value(values, ids.LOG_WAY_BLOCK, ids.LOG_WAY)) or "",
        "occurred_on": occurred_on,
        "participants": text_of(_value(values, ids.LOG_PARTICIPANTS_BLOCK, ids.LOG_PARTICIPANTS)),
        "summary": text_of(_value(values, ids.LOG_SUMMARY_BLOCK, ids.LOG_SUMMARY)),
        "feedback": text_of(_value(values, ids.LOG_FEEDBACK_BLOCK, ids.LOG_FEEDBACK)),
        "action_title": text_of(_value(values, ids.LOG_ACTION_BLOCK, ids.LOG_ACTION)),
        "due_at": due_at,
        "action_owner_id": user_of(_value(values, ids.LOG_OWNER_BLOCK, ids.LOG_OWNER)) or "",
        "outcome": option_of(_value(values, ids.LOG_OUTCOME_BLOCK, ids.LOG_OUTCOME)) or None,
    }
    return fields, errors


def submit_log(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Save in one transaction, then close the modal; any refusal stays on the modal.

    Saving comes before ack() (an indexed insert, milliseconds): a modal that closed before the
    save was known to succeed would lose the rep's text on failure."""
    crm = crm_of(context)
    who: Profile = crm.who
    now = crm.defaults.clock()
    fields, errors = _read(view, who, now)
    errors.update(pick_errors(client, locale=who.locale, submitter=who.user_id, picks={ids.LOG_OWNER_BLOCK: fields["action_owner_id"]}))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        with transaction(crm.db) as session:
            logged = log_interaction(session=session, author_id=who.user_id, now=now, viewer=viewer_of(session, context),
                                     tz=who.tz, **fields)
            if logged.action.owner_id != who.user_id:
                enqueue(session=session, kind=ACTION_ASSIGNED, subject=f"next_action:{logged.action.id}",
                        due_key="assigned", recipient=logged.action.owner_id, now=now)
    except DomainError as e:
        blocks = {**ids.LOG_FIELD_BLOCKS, "due": _due_block(state_values(view))}
        ack(response_action="errors", errors=field_errors(e, who.locale, blocks=blocks, fallback=ids.LOG_CUSTOMER_BLOCK))
        return
    ack()
    _confirm(client=client, context=context, logged=logged, now=now)
    if logged.action.owner_id != who.user_id:
        crm.wake()


def _confirm(*, client: WebClient, context: dict, logged: Logged, now: datetime) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults, now=now)
    loc = profile.locale
    customer, action = logged.customer, logged.action
    due = fmt_datetime(action.due_at, profile)
    blocks = [section(t(loc, "logged", customer=escape(customer.name)))]
    if logged.customer_created:
        blocks.append(section(t(loc, "logged_new_customer", customer=escape(customer.name), code=customer.code)))
    blocks.append(section(t(loc, "logged_next", action=escape(action.title), due=due, owner=mention(action.owner_id))))
    try:
        client.chat_postMessage(channel=who.user_id, blocks=blocks,
                                text=t(loc, "logged_fallback", customer=escape(customer.name), action=escape(action.title), due=due))
    except SlackApiError as e:  # saved all the same; the rep sees it on the next reminder
        log.warning("confirmation to %s not sent: %s", who.user_id, e.response.get("error"))
