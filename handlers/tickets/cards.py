"""How a ticket looks: its card (status, assignee, both clocks, the buttons that apply now), the
lines of `/crm tickets`, and the three SLA alerts (warning, breach, escalation)."""
from __future__ import annotations

from datetime import datetime

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_datetime, mention, plain, section
from handlers.context import Profile
from handlers.i18n import t
from handlers.sla_words import clock_lines
from store.models import Customer, Ticket
from store.sla import Calendar
from store.tickets import ALLOWED, CLOSE, REPLIED, RESUME, SOLVE, TAKE, WAIT

DESCRIPTION_SHOWN = 1500
ALERT_DESCRIPTION_SHOWN = 300
# Button order on the card, with the action_id each one carries.
BUTTONS = ((TAKE, ids.TICKET_TAKE), (REPLIED, ids.TICKET_REPLIED), (WAIT, ids.TICKET_PENDING),
           (RESUME, ids.TICKET_RESUME), (SOLVE, ids.TICKET_SOLVED), (CLOSE, ids.TICKET_CLOSE))
PRIMARY = {"new": TAKE, "open": SOLVE, "pending": RESUME, "solved": CLOSE}

# -- the card -----------------------------------------------------------------------------------

def shown_actions(ticket: Ticket) -> list[str]:
    """The buttons the ticket's status allows now: Take it until someone took it, First reply sent
    until one is recorded, Waiting on customer while open, Customer answered while waiting, Solved
    until solved, Close once solved; none once closed."""
    return [action for action, _ in BUTTONS if ticket.status in ALLOWED[action]
            and not (action == TAKE and ticket.taken_at is not None)
            and not (action == REPLIED and ticket.first_response_at is not None)]


def _buttons(ticket: Ticket, loc: str) -> list[dict]:
    allowed = shown_actions(ticket)
    shown = [(action, action_id) for action, action_id in BUTTONS if action in allowed]
    out = []
    for action, action_id in shown:
        button = {"type": "button", "action_id": action_id, "text": plain(t(loc, f"ticket_btn_{action}")), "value": str(ticket.id)}
        if PRIMARY.get(ticket.status) == action:
            button["style"] = "primary"
        out.append(button)
    return out


def _head(ticket: Ticket, customer: Customer, loc: str) -> str:
    head = t(loc, "ticket_card_head", code=ticket.code, priority=ticket.priority, type=t(loc, f"ticket_type_{ticket.type}"))
    return f"*{head}*\n" + t(loc, "ticket_card_customer", customer=escape(customer.name), code=customer.code)


def _quote(text: str, limit: int) -> str:
    return "\n".join(f"> {line}" for line in (escape(clip(text, limit)).splitlines() or [""]))


def _assignee(ticket: Ticket, loc: str) -> str:
    return mention(ticket.assignee_id) if ticket.assignee_id else t(loc, "ticket_unassigned")


def card_blocks(ticket: Ticket, customer: Customer, *, calendar: Calendar, now: datetime, profile: Profile,
                note: str | None = None) -> list[dict]:
    loc = profile.locale
    status = t(loc, "ticket_card_status", status=t(loc, f"ticket_status_{ticket.status}"), assignee=_assignee(ticket, loc))
    about = [t(loc, "ticket_card_opened", user=mention(ticket.created_by), time=fmt_datetime(ticket.created_at, profile))]
    if ticket.source_ts and ticket.source_link:
        about.append(t(loc, "ticket_card_source", link=ticket.source_link))
    blocks = [
        section(_head(ticket, customer, loc)),
        section(_quote(ticket.description, DESCRIPTION_SHOWN)),
        section(status),
        context_block(clock_lines(ticket, calendar, now, profile)),
        context_block(" · ".join(about)),
    ]
    if note:
        blocks.append(context_block(note))
    buttons = _buttons(ticket, loc)
    if buttons:
        blocks.append({"type": "actions", "block_id": ids.TICKET_ACTIONS_BLOCK, "elements": buttons})
    return blocks


def card_text(ticket: Ticket, customer: Customer, profile: Profile) -> str:
    loc = profile.locale
    return escape(t(loc, "ticket_card_text", code=ticket.code, customer=customer.name, status=t(loc, f"ticket_status_{ticket.status}")))


def last_note(*, action: str, user_id: str, at: datetime, profile: Profile) -> str:
    loc = profile.locale
    return t(loc, "ticket_card_last", user=mention(user_id), action=t(loc, f"ticket_btn_{action}"), time=fmt_datetime(at, profile))

