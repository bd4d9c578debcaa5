"""What the features' modals share beyond blocks.py: reading a submitted view, opening a modal from
a card button (and redrawing it in the user's own language), and answering the user ephemerally
where they clicked."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import showdates as show
from handlers.blocks import clip, escape, fmt_datetime, mention, refusal
from handlers.context import crm_of, fetch_profile, Profile, reply_profile, viewer_of
from handlers.dates import When
from handlers.i18n import t
from handlers.payload import (Metadata, clicked_value, date_of, option_of, read_metadata, record_id,
                              state_values, text_of)
from handlers.words import action_text
from store.errors import DomainError
from store.db import transaction
from store.models import Customer, NextAction
from store.permissions import Viewer, can_edit, can_read, forbidden

log = logging.getLogger(__name__)
# Where an ephemeral cannot go (the bot is not in that channel, or it is a DM between people): the DM.
NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}
CANCELLED_SHOWN = 10  # actions named in a "cancelled" line; the rest counted


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


# -- what a due-time field understood ------------------------------------------------------------

def when_read(when: When, profile: Profile) -> str:
    """"= 2026年12月9日周三 09:00"; with a zone the text named, its clock too:
    "= 2026年12月9日周三 01:00（PST 12月8日 09:00）" / "= Wed, Dec 9, 2026, 1:00 AM (9:00 AM PST, Dec 8)"."""
    return t(profile.locale, "when_read", time=when_time(when.at, when, profile))


def when_time(at: datetime, when: When, profile: Profile) -> str:
    """One of `when`'s instants in the reader's zone and, when the text named a zone, on that
    zone's clock as well (its day only when it is not the reader's): "Tue, Dec 8, 2026, 12:00 PM
    (9:00 AM PST)"; once only when that clock reads the same as the reader's."""
    time = fmt_datetime(at, profile)
    loc, there = profile.locale, at.astimezone(when.zone or profile.zone)
    if when.zone is None or there.utcoffset() == at.astimezone(profile.zone).utcoffset():
        return time   # no zone named, or one whose clock is the reader's ("北京时间" in Shanghai)
    label = when.label or getattr(when.zone, "key", None) or str(when.zone)
    if label.isascii() and " " not in label:
        label = label.upper()   # "pst", "gmt+8" as the zone's short name is written
    clock = show.clock(there.time(), loc)
    if there.date() == at.astimezone(profile.zone).date():
        return t(loc, "when_zone", time=time, clock=clock, zone=label)
    return t(loc, "when_zone_day", time=time, clock=clock, zone=label, day=show.month_day(there.date(), loc))


def when_meta(when: When) -> dict:
    """A reading in a view's private_metadata: its instants (unix seconds, the chosen one first)
    and the zone the text named (an IANA name or minutes east of UTC) with the user's label."""
    zone = when.zone
    named = getattr(zone, "key", None) if zone is not None else None
    offset = int(zone.utcoffset(None).total_seconds() // 60) if zone is not None and named is None else None
    return {"at": [int(d.timestamp()) for d in (when.at, *when.others)], "zone": named, "offset": offset,
            "label": when.label}


def when_from_meta(raw: object, profile: Profile, chosen: int | None = None) -> When | None:
    """when_meta back, with `chosen` (one of its instants) first and the others in turn after it;
    None for anything else."""
    if not isinstance(raw, dict) or not isinstance(raw.get("at"), list) or not raw["at"]:
        return None
    stamps = [s for s in raw["at"] if isinstance(s, int) and not isinstance(s, bool) and 0 < s < 32503680000]
    if len(stamps) != len(raw["at"]) or (chosen is not None and chosen not in stamps):
        return None
    first = chosen if chosen is not None else stamps[0]
    zone: tzinfo | None = None
    try:
        if isinstance(raw.get("zone"), str):
            zone = ZoneInfo(raw["zone"])
        elif isinstance(raw.get("offset"), int) and abs(raw["offset"]) <= 14 * 60:
            zone = timezone(timedelta(minutes=raw["offset"]))
    except (ValueError, KeyError, OSError):
        return None
    label = raw.get("label") if isinstance(raw.get("label"), str) else ""

    def at(s: int) -> datetime:
        return datetime.fromtimestamp(s, profile.zone)

    i = stamps.index(first)
    return When(at(first), tuple(at(s) for s in stamps[i + 1:] + stamps[:i] if s != first), zone, label[:40])


# -- automatic next actions --------------------------------------------------------

def auto_lines(actions: list[NextAction], profile: Profile) -> list[str]:
    """"Next action created: …, due …, owner …" for each, its title in the reader's language."""
    lines = []
    for action in actions:
        lines.append(t(profile.locale, "lc_auto_action", title=escape(action_text(action, profile.locale)), due=fmt_datetime(action.due_at, profile),
                       owner=mention(action.owner_id)))
    return lines


def action_name(action: NextAction, loc: str) -> str:
    """An action's title in the reader's language (a rule's, by its stored kind) or as typed (escaped)."""
    return escape(clip(action_text(action, loc), 100))


def cancelled_line(actions: list[NextAction], profile: Profile, *, reason: str) -> str | None:
    """"Cancelled 2 open next actions (the customer churned): …", None when there were none."""
    if not actions:
        return None
    loc = profile.locale
    names = t(loc, "lc_list_sep").join(action_name(a, loc) for a in actions[:CANCELLED_SHOWN])
    more = t(loc, "action_cancelled_more", n=len(actions) - CANCELLED_SHOWN) if len(actions) > CANCELLED_SHOWN else ""
    return t(loc, "action_cancelled_line", count=len(actions), why=t(loc, f"action_close_reason_{reason}"), names=names + more)


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
