"""What the lifecycle modals (stage, grade, needs, deals, contacts) share: form elements, reading a
submitted view, refusals in the reader's words, opening a modal from a card button, and answering
the user ephemerally where they clicked."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from handlers.blocks import fmt_datetime, mention, option, plain
from handlers.context import Profile, fetch_profile
from handlers.i18n import CATALOG, t
from handlers.payload import (Metadata, clicked_value, date_of, dump_metadata, option_of, read_metadata, record_id,
                              state_values, text_of)
from store.errors import DomainError, FieldErrors
from store.lifecycle import NEXT_STAGES, STAGE_STATUSES
from store.db import transaction
from store.models import PENDING_ACTION, Customer, NextAction
from store.permissions import Viewer, can_edit, can_read, forbidden, viewer_for
from store.vocab import codes

log = logging.getLogger(__name__)
# Where an ephemeral cannot go (the bot is not in that channel, or it is a DM between people): the DM.
NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}


# -- elements ----------------------------------------------------------------------------------

def inp(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None,
        dispatch: bool = False) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_input(action_id: str, *, limit: int, initial: str = "", multiline: bool = False,
               placeholder: str | None = None) -> dict:
    element = {"type": "plain_text_input", "action_id": action_id, "max_length": limit, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:limit]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def static_select(action_id: str, options: list[dict], *, initial: str | None = None) -> dict:
    element = {"type": "static_select", "action_id": action_id, "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def datepicker(action_id: str, *, initial: date | None = None) -> dict:
    element = {"type": "datepicker", "action_id": action_id}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element


def vocab(locale: str, kind: str, code: str | None) -> str:
    """A stored code's label in the reader's language (the code itself when the catalog has none)."""
    key = f"vocab_{kind}_{code}"
    return t(locale, key) if key in CATALOG else (code or "—")


def vocab_options(locale: str, kind: str, only: Iterable[str] | None = None) -> list[dict]:
    return [option(vocab(locale, kind, code), code) for code in (only if only is not None else codes(kind))]


def modal(callback_id: str, title: str, blocks: list[dict], *, metadata: dict, locale: str, submit: bool = True) -> dict:
    view = {"type": "modal", "callback_id": callback_id, "title": plain(title, 24),
            "close": plain(t(locale, "cancel" if submit else "lc_close"), 24),
            "private_metadata": dump_metadata(metadata), "blocks": blocks}
    if submit:
        view["submit"] = plain(t(locale, "save"), 24)
    return view


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


def block_in(view: dict, base: str) -> str | None:
    """The id of the view's block `base` (or `base.<mode>`), None when the view has none."""
    return next((b["block_id"] for b in view.get("blocks", [])
                 if b.get("block_id") == base or str(b.get("block_id", "")).startswith(base + ".")), None)


def field_errors(error: DomainError, locale: str, view: dict, blocks: dict[str, str], fallback: str) -> dict[str, str]:
    """Each refusal on the block of its field; one the view has no block for on `fallback`."""
    shown: dict[str, str] = {}
    home = block_in(view, fallback) or fallback
    for e in error.errors if isinstance(error, FieldErrors) else [error]:
        block = block_in(view, blocks.get(e.field or "", fallback)) or home
        shown.setdefault(block, refusal(locale, e))
    return shown


# -- refusals ----------------------------------------------------------------------------------

def _stage_list(locale: str, stages: Iterable[str]) -> str:
    return t(locale, "lc_list_sep").join(vocab(locale, "stage", s) for s in codes("stage") if s in set(stages))


def refusal(locale: str, error: DomainError) -> str:
    """The catalog's text for a store refusal, its codes shown as labels; the lifecycle's own
    refusals also say what is possible instead."""
    p = dict(error.params)
    if error.key == "err_transition":
        return t(locale, "lc_err_transition", stage_from=vocab(locale, "stage", p["stage_from"]),
                 stage_to=vocab(locale, "stage", p["stage_to"]),
                 allowed=_stage_list(locale, NEXT_STAGES.get(str(p["stage_from"]), ())))
    if error.key == "err_status" and p.get("stage") in STAGE_STATUSES:
        return t(locale, "lc_err_status", status=vocab(locale, "status", p["status"]), stage=vocab(locale, "stage", p["stage"]),
                 allowed=t(locale, "lc_list_sep").join(vocab(locale, "status", s) for s in STAGE_STATUSES[p["stage"]]))
    if error.key == "err_status_required" and p.get("stage") in STAGE_STATUSES:
        return t(locale, "lc_err_status_required", stage=vocab(locale, "stage", p["stage"]),
                 allowed=t(locale, "lc_list_sep").join(vocab(locale, "status", s) for s in STAGE_STATUSES[p["stage"]]))
    if error.key == "lc_err_stage_word":
        p["allowed"] = _stage_list(locale, codes("stage"))
    if error.key in ("err_deal_closed", "err_deal_stage") and "stage" in p:
        p["stage"] = vocab(locale, "deal_stage", str(p["stage"]))
    if error.key not in CATALOG:
        log.warning("no text for refusal %s", error.key)
        return t(locale, "err_internal")
    return t(locale, error.key, **p)


# -- the viewer, automatic next actions --------------------------------------------------------

def viewer_of(session: Session, context: dict) -> Viewer:
    defaults = context["defaults"]
    return viewer_for(session=session, user_id=context["who"].user_id, visibility=defaults.visibility, admins=defaults.admins)


def pending_auto(session: Session, customer_id: int) -> set[int]:
    """Ids of the customer's pending actions that a rule made (index on customer_id, status)."""
    stmt = select(NextAction.id).where(NextAction.customer_id == customer_id, NextAction.status.in_(PENDING_ACTION),
                                       NextAction.origin.is_not(None))
    return set(session.exec(stmt).all())


def new_auto(session: Session, customer_id: int, before: set[int]) -> list[NextAction]:
    """The pending rule-made actions that were not there `before`, soonest first."""
    ids = pending_auto(session, customer_id) - before
    if not ids:
        return []
    return list(session.exec(select(NextAction).where(NextAction.id.in_(sorted(ids))).order_by(NextAction.due_at, NextAction.id)))


def auto_lines(actions: list[NextAction], profile: Profile) -> list[str]:
    """"Next action created: …, due …, owner …" for each, its title in the reader's language."""
    lines = []
    for action in actions:
        kind = (action.origin or "").split(":")[1] if ":" in (action.origin or "") else (action.origin or "")
        title = vocab(profile.locale, "auto_action", kind) if f"vocab_auto_action_{kind}" in CATALOG else action.title
        lines.append(t(profile.locale, "lc_auto_action", title=title, due=fmt_datetime(action.due_at, profile),
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
    customer_id, channel = clicked_customer(body)
    if customer_id is None:
        return None
    with transaction(context["db"]) as session:
        customer = session.get(Customer, customer_id)
        viewer = viewer_of(session, context)
    allowed = may or (can_edit if edit else can_read)
    if customer is not None and allowed(viewer, customer):
        return customer, viewer, channel
    error = DomainError("err_unknown_customer") if customer is None else forbidden(viewer, customer, action="edit" if edit else "read")
    answer(client=client, channel=channel, user=viewer.id, text=refusal(context["who"].locale, error))
    return None


def open_modal(*, client: WebClient, context: dict, trigger_id: str, build: Callable[[Profile], dict], channel: str) -> None:
    """views.open first (the trigger_id lives 3 s), drawn for the profile we have; then the user's
    zone and locale from Slack, and the modal redrawn if they differ. When Slack will not open it
    (an expired trigger), the user is told where they clicked."""
    who: Profile = context["who"]
    try:
        opened = client.views_open(trigger_id=trigger_id, view=build(who))
    except SlackApiError as e:
        error = e.response.get("error") or "?"
        log.warning("modal not opened for %s: %s", who.user_id, error)
        answer(client=client, channel=channel, user=who.user_id, text=t(who.locale, "err_slack", error=error))
        return
    fresh = fetch_profile(client=client, db=context["db"], user_id=who.user_id, defaults=context["defaults"])
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
    return fetch_profile(client=client, db=context["db"], user_id=context["who"].user_id, defaults=context["defaults"])
