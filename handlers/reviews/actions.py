"""The DM's button opens the monthly summary modal; submitting it saves the summary (store/reviews.py)."""
from __future__ import annotations

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import ids
from handlers.blocks import field_errors, input_block, modal, text_input, section
from handlers.context import Profile, crm_of
from handlers.forms import open_modal
from handlers.i18n import t
from handlers.payload import clicked_value, read_metadata, state_values, text_of
from handlers.reviews.text import month_label
from store.db import transaction
from store.errors import DomainError
from store.reviews import CASE_MAX, PROBLEMS_MAX, month_period, submit_summary
from store.tag_models import MonthlySummary
from sqlmodel import select

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.action(ids.REVIEW_SUMMARY_OPEN)(on_open)
    app.view(ids.REVIEW_SUMMARY_VIEW)(on_submit)


def summary_view(profile: Profile, month: str, existing: MonthlySummary | None) -> dict:
    loc = profile.locale
    blocks = [
        section(t(loc, "review_modal_intro", month=month_label(month, loc))),
        input_block(ids.REVIEW_CASE_BLOCK, t(loc, "review_f_case"),
                    text_input(ids.REVIEW_CASE, limit=CASE_MAX, multiline=True, initial=existing.success_case if existing else "",
                               placeholder=t(loc, "review_f_case_placeholder"))),
        input_block(ids.REVIEW_PROBLEMS_BLOCK, t(loc, "review_f_problems"),
                    text_input(ids.REVIEW_PROBLEMS, limit=PROBLEMS_MAX, multiline=True, initial=existing.problems if existing else "",
                               placeholder=t(loc, "review_f_problems_placeholder")), optional=True),
    ]
    return modal(callback_id=ids.REVIEW_SUMMARY_VIEW, title=t(loc, "review_modal_title"), submit=t(loc, "save"),
                 close=t(loc, "cancel"), blocks=blocks, metadata={"month": month})


def on_open(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    month = clicked_value(body)
    channel = (body.get("container") or {}).get("channel_id") or ""
    try:
        month_period(month, crm.defaults.calendar.tz)
    except DomainError:
        return
    with transaction(crm.db) as session:  # one indexed lookup before views.open
        existing = session.exec(select(MonthlySummary).where(MonthlySummary.rep_id == crm.who.user_id,
                                                             MonthlySummary.month == month)).first()
    open_modal(client=client, context=context, trigger_id=body.get("trigger_id", ""), channel=channel,
               build=lambda p: summary_view(p, month, existing))


def on_submit(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    values = state_values(view)
    month = read_metadata(view).optional_text("month") or ""
    case = text_of((values.get(ids.REVIEW_CASE_BLOCK) or {}).get(ids.REVIEW_CASE) or {})
    problems = text_of((values.get(ids.REVIEW_PROBLEMS_BLOCK) or {}).get(ids.REVIEW_PROBLEMS) or {})
    try:
        with transaction(crm.db) as session:
            submit_summary(session=session, rep_id=who.user_id, month=month, success_case=case, problems=problems,
                           now=crm.defaults.clock(), tz=crm.defaults.calendar.tz)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, who.locale, blocks=ids.REVIEW_FIELD_BLOCKS, fallback=ids.REVIEW_CASE_BLOCK))
        return
    ack()
    try:
        client.chat_postMessage(channel=who.user_id, text=t(who.locale, "review_saved", month=month_label(month, who.locale)))
    except SlackApiError as e:  # saved all the same; the manager's digest shows it
        log.warning("summary confirmation to %s not sent: %s", who.user_id, e.response.get("error"))
