"""What the scheduler sends about next actions: the due DM and the assigned DM, with their buttons
(handlers/reminders/actions.py answers them)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_date, fmt_datetime, mention, plain, section
from handlers.context import Defaults, Profile
from handlers.delivery.kind import Kind, Rendered
from handlers.i18n import t
from handlers.payload import record_id
from store.actions import action_with_customer, fetch_all
from store.alert_kinds import ACTION_ASSIGNED, ACTION_DUE
from handlers.words import action_text
from store.models import PENDING_ACTION, Customer, Interaction, NextAction, Outbox


def _body(session: Session, action: NextAction, customer: Customer, profile: Profile) -> list[dict]:
    loc = profile.locale
    blocks = [section(t(loc, "due_body", action=escape(action_text(action, loc)), customer=escape(customer.name), code=customer.code,
                        due=fmt_datetime(action.due_at, profile)))]
    origin = session.get(Interaction, action.interaction_id) if action.interaction_id else None
    if origin is not None:
        blocks.append(context_block(t(loc, "due_from", date=fmt_date(origin.occurred_on, profile), way=t(loc, f"way_{origin.way}"),
                                      summary=escape(clip(origin.summary, 300)))))
    return blocks


def _buttons(action: NextAction, profile: Profile) -> dict:
    loc, value = profile.locale, str(action.id)
    return {"type": "actions", "block_id": ids.DUE_ACTIONS_BLOCK, "elements": [
        {"type": "button", "action_id": ids.DUE_DONE, "text": plain(t(loc, "btn_done")), "style": "primary", "value": value},
        {"type": "button", "action_id": ids.DUE_SNOOZE, "text": plain(t(loc, "btn_snooze")), "value": value},
        {"type": "button", "action_id": ids.DUE_TOMORROW, "text": plain(t(loc, "btn_tomorrow")), "value": value},
        {"type": "button", "action_id": ids.DUE_RESCHEDULE, "text": plain(t(loc, "btn_reschedule")), "value": value},
    ]}


def prefetch(session: Session, rows: list[Outbox]) -> list:
    """The actions, customers and originating interactions of many alerts, into the session (the
    renderers then read them with session.get, without a query each); returned, for the caller
    to hold while it renders (the session keeps only weak references)."""
    wanted = [record_id(row.subject.split(":")[-1]) for row in rows]
    actions = fetch_all(session=session, model=NextAction, ids=[a for a in wanted if a is not None])
    return [actions, fetch_all(session=session, model=Customer, ids=[a.customer_id for a in actions]),
            fetch_all(session=session, model=Interaction, ids=[a.interaction_id for a in actions if a.interaction_id])]


def _found(session: Session, row: Outbox) -> tuple[NextAction, Customer] | None:
    action = session.get(NextAction, record_id(row.subject.split(":")[-1]) or 0)
    customer = session.get(Customer, action.customer_id) if action is not None else None
    return (action, customer) if customer is not None else None


def render_due(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    """The alert for a due action, or None when it no longer applies (done, or moved since)."""
    found = _found(session, row)
    if found is None:
        return None
    action, customer = found
    if action.status not in PENDING_ACTION or action.due_at.isoformat() != row.due_key:
        return None
    loc = profile.locale
    blocks = [section(f"*{t(loc, 'due_header')}*"), *_body(session, action, customer, profile), _buttons(action, profile)]
    return Rendered(text=escape(t(loc, "due_fallback", action=action_text(action, loc), customer=customer.name)), blocks=blocks,
                    line=_line(action, customer, profile))


def _line(action: NextAction, customer: Customer, profile: Profile) -> dict:
    """The alert as one line of a long list: what, for whom, when, and Done."""
    loc = profile.locale
    text = t(loc, "due_line", action=escape(clip(action_text(action, loc), 200)), customer=escape(clip(customer.name, 200)), code=customer.code,
             due=fmt_datetime(action.due_at, profile))
    return {**section(text), "accessory": {"type": "button", "action_id": ids.DUE_DONE, "text": plain(t(loc, "btn_done")),
                                           "style": "primary", "value": str(action.id)}}


def render_assigned(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    found = action_with_customer(session=session, action_id=int(row.subject.split(":")[1]))
    if found is None or found[0].status not in PENDING_ACTION:
        return None
    action, customer = found
    head = t(profile.locale, "assigned", author=mention(action.created_by))
    blocks = [section(head), *_body(session, action, customer, profile), _buttons(action, profile)]
    return Rendered(text=escape(head), blocks=blocks)


def closed_blocks(session: Session, action: NextAction, customer: Customer, profile: Profile, note: str) -> list[dict]:
    return [*_body(session, action, customer, profile), context_block(note)]


KINDS = {ACTION_DUE: Kind(render_due, prefetch=prefetch), ACTION_ASSIGNED: Kind(render_assigned)}
