"""A customer's stage and grade in Slack: `/crm stage <customer> <stage> [status] [why]`, and the
customer card's Stage and Grade buttons with their modals."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, escape, field_errors, input_block, modal, option, plain, refusal, section, static_select, text_input, unescape, vocab, vocab_options
from handlers.refs import customer_ref
from handlers.router import Subcommand
from handlers.context import crm_of, Profile, viewer_of
from handlers.i18n import EN, ZH, t
from handlers.words import stage_status
from handlers.prefill import leading_customer
from handlers.forms import answer, auto_lines, card_customer, metadata, open_modal, picked, profile_now, state, typed
from store.auto_actions import new_auto_actions, pending_auto_ids
from store.customers import find_exact
from store.db import transaction
from store.errors import DomainError
from store.grading import BANT_FIELDS, set_bant, set_grade
from store.lifecycle import NEXT_STAGES, REASON_MAX, STAGE_STATUSES
from store.models import Customer, NextAction
from store.permissions import can_edit, require
from store.text import clean
from store.vocab import codes
from store.winback import WON_BACK, change_stage_by_hand


def register(app: App) -> None:
    app.action(ids.CARD_STAGE)(on_stage_button)
    app.view(ids.STAGE_VIEW)(submit_stage)
    app.action(ids.CARD_GRADE)(on_grade_button)
    app.view(ids.GRADE_VIEW)(submit_grade)


# -- /crm stage: the words -------------------------------------------------------------------------

def _names(kind: str) -> dict[str, str]:
    """Every way a code may be written: the code, its Chinese and English labels (and a Chinese
    stage without its 期), casefolded."""
    names: dict[str, str] = {}
    for code in codes(kind):
        zh, en = t(ZH, f"vocab_{kind}_{code}"), t(EN, f"vocab_{kind}_{code}")
        for name in (code, code.replace("_", " "), code.replace("_", "-"), zh, en, zh.removesuffix("期")):
            names[" ".join(name.casefold().split())] = code
    return names


STAGE_NAMES, STATUS_NAMES = _names("stage"), _names("status")
_WORD = re.compile(r"\S+")
STATUS_MAX_WORDS = 3  # "Lost for good"


@dataclass(frozen=True)
class StageRequest:
    customer: Customer
    stage: str
    status: str | None
    reason: str


def _status_at(text: str, words: list[re.Match], at: int) -> tuple[str | None, int]:
    """The status written from word `at` (longest label first) and where the reason starts."""
    for n in range(min(STATUS_MAX_WORDS, len(words) - at), 0, -1):
        phrase = " ".join(w.group() for w in words[at:at + n]).casefold()
        if phrase in STATUS_NAMES:
            return STATUS_NAMES[phrase], words[at + n - 1].end()
    return None, words[at].start() if at < len(words) else len(text)


def parse_stage(text: str, *, session: Session) -> StageRequest:
    """`<customer name or code> <stage> [status] [why]`: the customer is the words before a stage
    word that name a known customer exactly (indexed lookups)."""
    text = clean(unescape(text))
    words = list(_WORD.finditer(text))
    for i, word in enumerate(words[1:], start=1):
        stage = STAGE_NAMES.get(word.group().casefold())
        customer = find_exact(session=session, text=text[:word.start()]) if stage else None
        if customer is not None:
            status, reason_at = _status_at(text, words, i + 1)
            return StageRequest(customer=customer, stage=stage, status=status, reason=text[reason_at:].strip())
    if not words:
        raise DomainError("lc_stage_usage")
    customer, rest = leading_customer(text, session=session)
    if customer is None:
        before = next((w.start() for w in words[1:] if w.group().casefold() in STAGE_NAMES), len(text))
        raise DomainError("lc_err_customer", customer=escape(clip(text[:before].strip(), 60)))
    if not rest:
        raise DomainError("lc_stage_usage")
    raise DomainError("lc_err_stage_word", word=escape(clip(rest.split()[0], 40)))


# -- changing the stage ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Changed:
    customer: Customer
    before: tuple[str, str]
    changed: bool
    reason: str
    actions: list[NextAction]


def change(session: Session, context: dict, *, customer_id: int, stage: str, status: str | None, reason: str,
           now: datetime) -> Changed:
    crm = crm_of(context)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="stage")
    before, auto = (customer.stage, customer.status), pending_auto_ids(session=session, customer_id=customer_id)
    done = change_stage_by_hand(session=session, viewer=viewer_of(session, context), customer_id=customer_id, stage=stage,
                                status=status, reason=reason, now=now, limits=crm.defaults.limits, cs_owner=crm.defaults.cs_owner)
    return Changed(customer=customer, before=before, changed=done is not None, reason=done.reason if done else "",
                   actions=new_auto_actions(session=session, customer_id=customer_id, before=auto))


def changed_text(changed: Changed, profile: Profile) -> str:
    loc, customer = profile.locale, changed.customer
    after = stage_status(loc, customer.stage, customer.status)
    if not changed.changed:
        return t(loc, "lc_stage_unchanged", customer=customer_ref(loc, customer), stage=after)
    lines = [t(loc, "lc_stage_changed", customer=customer_ref(loc, customer), before=stage_status(loc, *changed.before),
               after=after)]
    if changed.reason:
        lines.append(t(loc, "lc_reason", reason=escape(changed.reason)))
    return "\n".join(lines + auto_lines(changed.actions, profile))


def _stage_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    churn = None
    try:
        with transaction(crm.db) as session:
            asked = parse_stage(text, session=session)
            if asked.stage == "churned" and asked.customer.stage != "churned":
                churn = asked  # a churn goes through the churn modal, which asks why
            else:
                changed = change(session, context, customer_id=asked.customer.id, stage=asked.stage, status=asked.status,
                                 reason=asked.reason, now=crm.defaults.clock())
    except DomainError as e:
        respond(response_type="ephemeral", text=refusal(profile_now(client, context).locale, e))
        return
    if churn is not None:  # views.open first: the trigger_id lives 3 s
        crm.defaults.hooks.open_churn(client=client, context=context, trigger_id=body["trigger_id"], channel=body.get("channel_id", ""),
                                      customer_id=churn.customer.id, lessons=churn.reason,
                                      tell=lambda message: respond(response_type="ephemeral", text=message))
        return
    respond(response_type="ephemeral", text=changed_text(changed, profile_now(client, context)))


SUBCOMMANDS = (Subcommand("stage", ("阶段",), _stage_command, "help_stage"),)


# -- the stage modal -------------------------------------------------------------------------------

def build_stage_view(profile: Profile, customer: Customer, meta: dict) -> dict:
    """The customer's stage and those it may move to, in lifecycle order; their statuses grouped by
    stage, without Won back (the win-back plan's outcome: refused by hand, store.winback)."""
    loc = profile.locale
    stages = [s for s in codes("stage") if s == customer.stage or s in NEXT_STAGES.get(customer.stage, ())]
    groups = [{"label": plain(vocab(loc, "stage", s)), "options": vocab_options(loc, "status", [x for x in STAGE_STATUSES[s] if x != WON_BACK])}
              for s in stages]
    blocks = [
        section(t(loc, "lc_stage_now", customer=customer_ref(loc, customer),
                  stage=stage_status(loc, customer.stage, customer.status))),
        input_block(ids.STAGE_STAGE_BLOCK, t(loc, "lc_f_stage"),
            static_select(ids.STAGE_STAGE, vocab_options(loc, "stage", stages), initial=customer.stage)),
        input_block(ids.STAGE_STATUS_BLOCK, t(loc, "lc_f_status"),
            {"type": "static_select", "action_id": ids.STAGE_STATUS, "option_groups": groups},
            optional=True, hint=t(loc, "lc_f_status_hint")),
        input_block(ids.STAGE_REASON_BLOCK, t(loc, "lc_f_reason"), text_input(ids.STAGE_REASON, limit=REASON_MAX, multiline=True), optional=True),
    ]
    return modal(callback_id=ids.STAGE_VIEW, title=t(loc, "lc_stage_title"), blocks=blocks, metadata=meta, submit=t(loc, "save"), close=t(loc, "cancel"))


def _open_for_card(*, body: dict, client: WebClient, context: dict, build) -> None:
    """A card button's modal, `build(profile, customer, metadata)`, for those who may edit the customer."""
    found = card_customer(body=body, client=client, context=context, edit=True)
    if found is None:
        return
    customer, _, channel = found
    meta = {"customer": customer.id, "channel": channel}
    open_modal(client=client, context=context, trigger_id=body["trigger_id"], channel=channel,
               build=lambda p: build(p, customer, meta))


def on_stage_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    _open_for_card(body=body, client=client, context=context, build=build_stage_view)


def submit_stage(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Saved before ack() (indexed reads and writes), so a refusal stays on the modal."""
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    customer_id, channel = meta.id("customer"), meta.text("channel")
    if picked(values, ids.STAGE_STAGE) == "churned":  # a churn goes through the churn modal, which asks why
        churn = crm.defaults.hooks.churn_instead(context, customer_id=customer_id, channel=channel,
                                                 lessons=typed(values, ids.STAGE_REASON))
        if churn is not None:
            ack(response_action="update", view=churn)
            return
    try:
        with transaction(crm.db) as session:
            changed = change(session, context, customer_id=customer_id, now=crm.defaults.clock(),
                             stage=picked(values, ids.STAGE_STAGE) or "", status=picked(values, ids.STAGE_STATUS),
                             reason=typed(values, ids.STAGE_REASON))
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.STAGE_FIELD_BLOCKS, fallback=ids.STAGE_STAGE_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    answer(client=client, channel=channel, user=profile.user_id, text=changed_text(changed, profile))


# -- the grade modal -------------------------------------------------------------------------------

def grade_text(locale: str, grade: str | None) -> str:
    return vocab(locale, "grade", grade) if grade else t(locale, "lc_ungraded")


def bant_text(locale: str, customer: Customer) -> str:
    levels = {f: getattr(customer, f"bant_{f}") for f in BANT_FIELDS}
    parts = [t(locale, "lc_bant_part", field=t(locale, f"lc_bant_{f}"),
               level=vocab(locale, "bant_level", level) if level else t(locale, "lc_bant_unknown")) for f, level in levels.items()]
    return t(locale, "lc_list_sep").join(parts)


def build_grade_view(profile: Profile, customer: Customer, meta: dict) -> dict:
    loc = profile.locale
    by_bant = customer.grade_source == "bant"
    modes = [option(t(loc, "lc_grade_by_hand"), ids.GRADE_BY_HAND), option(t(loc, "lc_grade_by_bant"), ids.GRADE_BY_BANT)]
    if customer.grade:
        now = t(loc, "lc_grade_now", customer=customer_ref(loc, customer), grade=grade_text(loc, customer.grade),
                how=t(loc, "lc_grade_how_bant" if by_bant else "lc_grade_how_hand"))
    else:
        now = t(loc, "lc_grade_none", customer=customer_ref(loc, customer))
    blocks = [
        section(now),
        input_block(ids.GRADE_MODE_BLOCK, t(loc, "lc_f_grade_mode"),
            {"type": "radio_buttons", "action_id": ids.GRADE_MODE, "options": modes, "initial_option": modes[1 if by_bant else 0]}),
        input_block(ids.GRADE_GRADE_BLOCK, t(loc, "lc_f_grade"),
            static_select(ids.GRADE_GRADE, vocab_options(loc, "grade"), initial=None if by_bant else customer.grade),
            optional=True, hint=t(loc, "lc_f_grade_hint")),
        *(input_block(block, t(loc, f"lc_bant_{f}"),
              static_select(action, vocab_options(loc, "bant_level"), initial=getattr(customer, f"bant_{f}")), optional=True)
          for f, (block, action) in ids.GRADE_BANT.items()),
    ]
    return modal(callback_id=ids.GRADE_VIEW, title=t(loc, "lc_grade_title"), blocks=blocks, metadata=meta, submit=t(loc, "save"), close=t(loc, "cancel"))


def on_grade_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    _open_for_card(body=body, client=client, context=context, build=build_grade_view)


def _grade(session: Session, context: dict, *, customer_id: int, by_bant: bool, grade: str | None,
           bant: dict[str, str | None], now: datetime) -> tuple[Customer, str | None]:
    """By hand: the grade, and BANT recorded as well when it changed; by BANT: the grade it gives."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="grade")
    before, viewer = customer.grade, viewer_of(session, context)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")  # before any other answer
    if by_bant:
        return set_bant(session=session, viewer=viewer, customer_id=customer_id, now=now, apply_grade=True, **bant), before
    if not grade:
        raise DomainError("lc_err_grade_pick", field="grade")
    if bant != {f: getattr(customer, f"bant_{f}") for f in BANT_FIELDS}:
        set_bant(session=session, viewer=viewer, customer_id=customer_id, now=now, apply_grade=False, **bant)
    return set_grade(session=session, viewer=viewer, customer_id=customer_id, grade=grade, now=now), before


def submit_grade(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    customer_id, channel = meta.id("customer"), meta.text("channel")
    bant = {f: picked(values, action) for f, (_, action) in ids.GRADE_BANT.items()}
    try:
        with transaction(crm.db) as session:
            customer, before = _grade(session, context, customer_id=customer_id, bant=bant, now=crm.defaults.clock(),
                                      by_bant=picked(values, ids.GRADE_MODE) == ids.GRADE_BY_BANT,
                                      grade=picked(values, ids.GRADE_GRADE))
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.GRADE_FIELD_BLOCKS, fallback=ids.GRADE_GRADE_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    loc = profile.locale
    how = t(loc, "lc_grade_how_bant_is", bant=bant_text(loc, customer)) if customer.grade_source == "bant" else t(loc, "lc_grade_how_hand")
    text = t(loc, "lc_grade_set", customer=customer_ref(loc, customer), before=grade_text(loc, before),
             after=grade_text(loc, customer.grade), how=how)
    answer(client=client, channel=channel, user=profile.user_id, text=text)
