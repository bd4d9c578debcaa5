"""The NPS alerts: the low score in the owner's DM (with its history and a Loop closed button) and
the escalation of a repeated low score to the owner's manager or the admins."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_date, fmt_datetime, mention, plain, section
from handlers.context import Defaults, Profile
from handlers.i18n import t
from handlers.payload import record_id
from handlers.delivery.kind import Kind, Rendered
from store.alert_kinds import NPS_ESCALATION, NPS_LOW
from store.actions import open_actions_for_customer
from handlers.words import action_text
from store.models import PENDING_ACTION, Customer, NextAction, NpsResponse, Outbox
from store.nps import category, previous_response, prior_detractor, recent_interactions

log = logging.getLogger(__name__)
COMMENT_SHOWN = 1500
OPEN_SHOWN = 5


def subject(response_id: int, recipient: str) -> str:
    return f"nps:{response_id}:{recipient}"


def _loaded(session: Session, row: Outbox) -> tuple[NpsResponse, Customer, NextAction | None] | None:
    parts = row.subject.split(":")
    response_id = record_id(parts[1]) if len(parts) == 3 else None
    response = session.get(NpsResponse, response_id) if response_id is not None else None
    customer = session.get(Customer, response.customer_id) if response is not None else None
    if customer is None:
        return None
    action_id = (row.data or {}).get("action_id")
    return response, customer, session.get(NextAction, action_id) if isinstance(action_id, int) else None


def _quote(comment: str, loc: str) -> dict:
    if not comment:
        return section(t(loc, "nps_no_comment"))
    lines = escape(clip(comment, COMMENT_SHOWN)).splitlines() or [""]
    return section("\n".join(f"> {line}" for line in lines))


def _score(response: NpsResponse, loc: str) -> str:
    return t(loc, "nps_score_cat", score=response.score, category=t(loc, f"nps_cat_{category(response.score)}"))


def _day(when: datetime, profile: Profile) -> str:
    return fmt_date(when.astimezone(profile.zone).date(), profile)


def _history(session: Session, response: NpsResponse, loop: NextAction | None, profile: Profile) -> list[dict]:
    loc = profile.locale
    previous = previous_response(session=session, response=response)
    about = [t(loc, "nps_when", time=fmt_datetime(response.responded_at, profile)),
             t(loc, "nps_previous", score=previous.score, date=_day(previous.responded_at, profile)) if previous
             else t(loc, "nps_previous_none")]
    recent = [t(loc, "nps_recent_line", date=fmt_date(i.occurred_on, profile), way=t(loc, f"way_{i.way}"),
                summary=escape(clip(i.summary, 200))) for i in recent_interactions(session=session, customer_id=response.customer_id)]
    others = [a for a in open_actions_for_customer(session=session, customer_id=response.customer_id) if loop is None or a.id != loop.id]
    open_lines = [t(loc, "nps_open_line", action=escape(clip(action_text(a, loc), 150)), due=fmt_datetime(a.due_at, profile), owner=mention(a.owner_id))
                  for a in others[:OPEN_SHOWN]]
    return [
        context_block(" · ".join(about)),
        section("\n".join([t(loc, "nps_recent_header"), *(recent or [t(loc, "nps_recent_none")])])),
        section("\n".join([t(loc, "nps_open_header"), *(open_lines or [t(loc, "nps_open_none")])])),
    ]


def low_blocks(session: Session, response: NpsResponse, customer: Customer, loop: NextAction | None, profile: Profile,
               *, note: str | None = None) -> list[dict]:
    """The low-score message; with the Loop closed button while its action is pending and no note is given."""
    loc = profile.locale
    blocks = [section(t(loc, "nps_low_header", customer=escape(customer.name), code=customer.code, score=_score(response, loc))),
              _quote(response.comment, loc), *_history(session, response, loop, profile)]
    if loop is not None:
        blocks.append(section(t(loc, "nps_loop_line", action=escape(action_text(loop, loc)), due=fmt_datetime(loop.due_at, profile))))
    if note:
        blocks.append(context_block(note))
    elif loop is not None and loop.status in PENDING_ACTION:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": ids.NPS_LOOP_DONE, "style": "primary", "text": plain(t(loc, "nps_btn_loop_done")),
             "value": f"{response.id}:{loop.id}"}]})
    elif loop is not None:
        blocks.append(context_block(t(loc, "nps_loop_already", status=t(loc, f"status_{loop.status}"))))
    return blocks


def render_low(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    loaded = _loaded(session, row)
    if loaded is None:
        return None
    response, customer, loop = loaded
    text = escape(t(profile.locale, "nps_low_fallback", customer=customer.name, score=response.score))
    return Rendered(text=text, blocks=low_blocks(session, response, customer, loop, profile))


def render_escalation(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    loaded = _loaded(session, row)
    if loaded is None:
        return None
    response, customer, loop = loaded
    loc = profile.locale
    blocks = [section(t(loc, "nps_esc_header", customer=escape(customer.name), code=customer.code, score=_score(response, loc),
                        owner=mention(customer.owner_id))),
              _quote(response.comment, loc)]
    prior = prior_detractor(session=session, response=response)
    about = [t(loc, "nps_when", time=fmt_datetime(response.responded_at, profile))]
    if prior is not None:
        about.append(t(loc, "nps_esc_prior", score=prior.score, date=_day(prior.responded_at, profile)))
    blocks.append(context_block(" · ".join(about)))
    if loop is not None:
        blocks.append(section(t(loc, "nps_esc_loop", owner=mention(loop.owner_id), due=fmt_datetime(loop.due_at, profile),
                                status=t(loc, f"status_{loop.status}"))))
    text = escape(t(loc, "nps_esc_fallback", customer=customer.name, score=response.score))
    return Rendered(text=text, blocks=blocks)


KINDS = {NPS_LOW: Kind(render_low), NPS_ESCALATION: Kind(render_escalation, grouped=False, header="alert_header_nps_escalation")}
