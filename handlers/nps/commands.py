"""NPS with a closed loop: `/crm nps`, its modal, and `record_and_alert`, which every source (Slack,
the CSV import, the webhook) goes through.

A detractor (0-6) gives the customer's owner a close-the-loop next action due two business days
after the response (announced by the scheduler like any other) and a DM with the score, the
comment and the history; another detractor of the same customer within 90 days before it also
goes to the owner's manager, or to the admins when there is none. Each alert once per response.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, escape, fmt_datetime, input_block, mention, modal, option, plain, unescape
from handlers.router import Subcommand
from handlers.context import crm_of, Defaults, fetch_profile, Profile, viewer_of
from handlers.i18n import t
from handlers.refs import customer_option, load_customer_options
from handlers.payload import customer_choice, option_of, state_values, text_of
from handlers.nps.messages import subject
from store.alert_kinds import NPS_ESCALATION, NPS_LOW
from store.customers import find_exact, get_customer
from store.db import transaction
from store.errors import DomainError, FieldErrors
from store.models import Customer, NextAction, NpsResponse
from store.nps import (COMMENT_MAX, category, create_loop_action, is_detractor, loop_due, parse_score, prior_detractor,
                       record_response)
from store.outbox import enqueue
from store.permissions import can_log, forbidden
from store.users import admin_ids, get_user, manager_of
from store.workdays import owner_calendar

log = logging.getLogger(__name__)
MAX_NAME_TOKENS = 4
_SCORE = re.compile(r"([0-9]{1,2})(?:分|/10)?")
_FIELD_BLOCKS = {"customer": ids.NPS_CUSTOMER_BLOCK, "score": ids.NPS_SCORE_BLOCK, "comment": ids.NPS_COMMENT_BLOCK}


def register(app: App) -> None:
    app.options(ids.NPS_CUSTOMER)(load_customer_options)
    app.view(ids.NPS_VIEW)(submit_nps)


# -- the one way in ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    response: NpsResponse
    created: bool
    customer: Customer
    action: NextAction | None = None          # the close-the-loop action, for a new detractor
    escalated_to: tuple[str, ...] = ()


def record_and_alert(*, session: Session, defaults: Defaults, customer_id: int, score: object, comment: str | None, source: str,
                     external_id: str | None, responded_at: datetime, recorded_by: str | None, now: datetime) -> Recorded:
    """Record the response and, for a new detractor, queue the alerts and the close-the-loop action
    in the same transaction. The caller commits, then wakes the scheduler (or, in a one-off process, delivers)."""
    response, created = record_response(session=session, customer_id=customer_id, score=score, comment=comment, source=source,
                                        external_id=external_id, responded_at=responded_at, recorded_by=recorded_by, now=now)
    customer = get_customer(session=session, customer_id=response.customer_id)
    if not created or not is_detractor(response.score):
        return Recorded(response=response, created=created, customer=customer)
    owner = customer.owner_id
    cached = get_user(session=session, user_id=owner)
    locale = (cached.locale if cached else None) or defaults.locale
    due = loop_due(owner_calendar(session, defaults.calendar, owner), response.responded_at)  # the owner's working days
    action = create_loop_action(session=session, response=response, owner_id=owner, title=t(locale, "nps_loop_title", score=response.score),
                                due_at=due, created_by=recorded_by or owner, now=now)
    data = {"response_id": response.id, "action_id": action.id}
    enqueue(session=session, kind=NPS_LOW, subject=subject(response.id, owner), due_key="response", recipient=owner, now=now, data=data)
    escalated: tuple[str, ...] = ()
    if prior_detractor(session=session, response=response) is not None:
        manager = manager_of(session=session, user_id=owner)
        people = [manager] if manager else admin_ids(session=session, bootstrap=defaults.admins)
        escalated = tuple(p for p in people if p != owner)
        for person in escalated:
            enqueue(session=session, kind=NPS_ESCALATION, subject=subject(response.id, person), due_key="response",
                    recipient=person, now=now, data=data)
    return Recorded(response=response, created=True, customer=customer, action=action, escalated_to=escalated)


def confirmation(recorded: Recorded, profile: Profile) -> str:
    loc, r = profile.locale, recorded.response
    if not recorded.created:
        return t(loc, "nps_duplicate", score=r.score)
    kind = t(loc, f"nps_cat_{category(r.score)}")
    lines = [t(loc, "nps_recorded", customer=escape(recorded.customer.name), score=r.score, category=kind)]
    if (loop := recorded.action) is not None:
        lines.append(t(loc, "nps_recorded_loop", owner=mention(loop.owner_id), due=fmt_datetime(loop.due_at, profile)))
    if recorded.escalated_to:
        lines.append(t(loc, "nps_recorded_escalated", people=", ".join(mention(p) for p in recorded.escalated_to)))
    return "\n".join(lines)


# -- /crm nps <customer> <score> [comment] ---------------------------------------------------------

@dataclass(frozen=True)
class Said:
    customer: Customer | None
    score_word: str   # the word after the customer's name ("" when nothing follows it)
    comment: str


def parse_command(text: str, *, session: Session) -> Said:
    """The longest leading words naming a customer (exact name or code) and followed by a score win."""
    words = list(re.finditer(r"\S+", text))
    named: Said | None = None
    for k in range(min(MAX_NAME_TOKENS, len(words)), 0, -1):
        customer = find_exact(session=session, text=text[: words[k - 1].end()])
        if customer is None:
            continue
        following = words[k] if k < len(words) else None
        said = Said(customer, following.group() if following else "", text[following.end():].strip() if following else "")
        if following is not None and _SCORE.fullmatch(following.group()):
            return said
        named = named or said
    return named or Said(None, "", "")


def may_record(session: Session, context: dict, customer: Customer) -> None:
    """A score (and its close-the-loop action) is recorded by whoever may log on the customer."""
    viewer = viewer_of(session, context)
    if not can_log(viewer, customer):
        raise forbidden(viewer, customer, action="edit", field="customer")


def _score_of(word: str) -> int:
    m = _SCORE.fullmatch(word)
    return parse_score(int(m.group(1)) if m else word)


def run_nps(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    text = unescape(text).strip()
    if not text:
        open_nps_modal(body=body, client=client, context=context, customer=None)
        return
    with transaction(crm.db) as session:  # indexed lookups only: the modal may still have to open
        said = parse_command(text, session=session)
        if said.customer is not None:
            may_record(session, context, said.customer)
    if said.customer is None:
        head = re.split(r"\s+\d{1,2}(?:分|/10)?(?:\s|$)", text, maxsplit=1)[0]
        raise DomainError("nps_err_customer_unknown", customer=escape(clip(head, 40)))
    if not said.score_word:
        open_nps_modal(body=body, client=client, context=context, customer=said.customer)
        return
    score = _score_of(said.score_word)
    now = crm.defaults.clock()
    with transaction(crm.db) as session:
        recorded = record_and_alert(session=session, defaults=crm.defaults, customer_id=said.customer.id, score=score,
                                    comment=said.comment, source="slack", external_id=body.get("trigger_id") or None,
                                    responded_at=now, recorded_by=who.user_id, now=now)
    respond(response_type="ephemeral", text=confirmation(recorded, who))
    crm.wake()


SUBCOMMANDS = (Subcommand("nps", ("评分",), run_nps, "help_nps"),)


# -- the modal -------------------------------------------------------------------------------------

def build_nps_view(profile: Profile, *, customer: Customer | None, metadata: dict) -> dict:
    loc = profile.locale
    picker = {"type": "external_select", "action_id": ids.NPS_CUSTOMER, "min_query_length": 0,
              "placeholder": plain(t(loc, "f_customer_placeholder"), 150)}
    if customer is not None:
        picker["initial_option"] = customer_option(customer, profile)
    scores = [option(t(loc, "nps_score_0") if n == 0 else t(loc, "nps_score_10") if n == 10 else str(n), str(n)) for n in range(11)]
    comment = {"type": "plain_text_input", "action_id": ids.NPS_COMMENT, "multiline": True, "max_length": COMMENT_MAX}
    blocks = [
        input_block(ids.NPS_CUSTOMER_BLOCK, t(loc, "nps_f_customer"), picker, hint=t(loc, "nps_f_customer_hint")),
        input_block(ids.NPS_SCORE_BLOCK, t(loc, "nps_f_score"), {"type": "static_select", "action_id": ids.NPS_SCORE, "options": scores},
                    hint=t(loc, "nps_f_score_hint")),
        input_block(ids.NPS_COMMENT_BLOCK, t(loc, "nps_f_comment"), comment, optional=True),
    ]
    return modal(callback_id=ids.NPS_VIEW, title=t(loc, "nps_title"), submit=t(loc, "save"), close=t(loc, "cancel"),
                 blocks=blocks, metadata=metadata)


def open_nps_modal(*, body: dict, client: WebClient, context: dict, customer: Customer | None) -> None:
    """views.open first (the trigger_id lives 3 s); then, if Slack tells us another language, redraw."""
    crm = crm_of(context)
    who: Profile = crm.who
    metadata = {"channel": body.get("channel_id", "")}
    opened = client.views_open(trigger_id=body["trigger_id"], view=build_nps_view(who, customer=customer, metadata=metadata))
    fresh = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults)
    if fresh.locale == who.locale:
        return
    view = opened["view"]
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=build_nps_view(fresh, customer=customer, metadata=metadata))
    except SlackApiError as e:  # the user already moved on or closed it: keep theirs
        log.info("NPS modal not redrawn: %s", e.response.get("error"))


def _picked(values: dict, block: str, action: str) -> str:
    return option_of((values.get(block) or {}).get(action) or {}) or ""


def submit_nps(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Saved before ack() (indexed writes, milliseconds), so any refusal stays on the modal."""
    crm = crm_of(context)
    who: Profile = crm.who
    now = crm.defaults.clock()
    values = state_values(view)
    customer_id, new_name = customer_choice(_picked(values, ids.NPS_CUSTOMER_BLOCK, ids.NPS_CUSTOMER))
    if new_name is not None:
        ack(response_action="errors", errors={ids.NPS_CUSTOMER_BLOCK: t(who.locale, "nps_err_new_customer")})
        return
    comment = text_of((values.get(ids.NPS_COMMENT_BLOCK) or {}).get(ids.NPS_COMMENT) or {})
    try:
        if customer_id is None:
            raise DomainError("err_required", field="customer")
        with transaction(crm.db) as session:
            customer = get_customer(session=session, customer_id=customer_id)
            if customer is None:
                raise DomainError("err_unknown_customer", field="customer")
            may_record(session, context, customer)
            recorded = record_and_alert(session=session, defaults=crm.defaults, customer_id=customer_id,
                                        score=_picked(values, ids.NPS_SCORE_BLOCK, ids.NPS_SCORE), comment=comment, source="slack",
                                        external_id=view.get("id") or None, responded_at=now, recorded_by=who.user_id, now=now)
    except DomainError as e:
        errors = e.errors if isinstance(e, FieldErrors) else [e]
        shown: dict[str, str] = {}
        for err in errors:
            shown.setdefault(_FIELD_BLOCKS.get(err.field or "", ids.NPS_CUSTOMER_BLOCK), t(who.locale, err.key, **err.params))
        ack(response_action="errors", errors=shown)
        return
    ack()
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults, now=now)
    try:
        client.chat_postMessage(channel=who.user_id, text=confirmation(recorded, profile))
    except SlackApiError as e:  # saved all the same
        log.warning("NPS confirmation to %s not sent: %s", who.user_id, e.response.get("error"))
    crm.wake()
