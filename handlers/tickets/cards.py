"""How a ticket looks: its card (status, assignee, both clocks, the buttons that apply now), the
lines of `/crm tickets`, and the three SLA alerts (warning, breach, escalation)."""
from __future__ import annotations

from datetime import datetime, timedelta

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_datetime, mention, plain, section
from handlers.context import Profile
from handlers.i18n import t
from store.models import Customer, Ticket
from store.sla import Calendar, Clock, due_at, remaining_minutes, state
from store.ticket_sla import clocks
from store.tickets import ALLOWED, CLOSE, REPLIED, RESUME, SOLVE, TAKE, WAIT

DESCRIPTION_SHOWN = 1500
ALERT_DESCRIPTION_SHOWN = 300
# Button order on the card, with the action_id each one carries.
BUTTONS = ((TAKE, ids.TICKET_TAKE), (REPLIED, ids.TICKET_REPLIED), (WAIT, ids.TICKET_PENDING),
           (RESUME, ids.TICKET_RESUME), (SOLVE, ids.TICKET_SOLVED), (CLOSE, ids.TICKET_CLOSE))
PRIMARY = {"new": TAKE, "open": SOLVE, "pending": RESUME, "solved": CLOSE}
_MINUTE, _ZERO = timedelta(minutes=1), timedelta(0)


# -- time ----------------------------------------------------------------------------------------

def fmt_span(minutes: int, locale: str, *, days: bool = True) -> str:
    """Whole minutes as 2 d 3 h / 2 d / 5 h 10 min / 5 h / 45 min: the largest unit and the next.
    Business time is never counted in days (a working day is not 24 hours): `days=False` gives
    26 h 40 min instead."""
    minutes = abs(minutes)
    d, rest = divmod(minutes, 1440) if days else (0, minutes)
    h, m = divmod(rest, 60)
    if d:
        return t(locale, "sla_span_dh", d=d, h=h) if h else t(locale, "sla_span_d", d=d)
    if h:
        return t(locale, "sla_span_hm", h=h, m=m) if m else t(locale, "sla_span_h", h=h)
    return t(locale, "sla_span_m", m=m)


def fmt_overdue(minutes: int, locale: str) -> str:
    """How long a clock has been overdue: past a day in days and hours (`25天2小时`, `25 days 2 hours`)
    whatever the clock counts, so 602 hours of working time read as 25 days 2 hours; under a day
    as fmt_span."""
    minutes = abs(minutes)
    if minutes < 1440:
        return fmt_span(minutes, locale)
    d, h = minutes // 1440, minutes % 1440 // 60
    days = t(locale, "sla_over_day" if d == 1 else "sla_over_days", d=d)
    return days if not h else t(locale, "sla_over_dh", days=days, hours=t(locale, "sla_over_hour" if h == 1 else "sla_over_hours", h=h))


def clock_line(name: str, clock: Clock, calendar: Calendar, now: datetime, profile: Profile) -> str:
    loc = profile.locale
    label, left = t(loc, f"sla_clock_{name}"), remaining_minutes(calendar, clock, now)
    span = fmt_span(left, loc, days=not clock.business)
    if clock.business:
        span = t(loc, "sla_working", span=span)
    now_state = state(calendar, clock, now)
    if now_state == "met":
        return t(loc, "sla_met", clock=label, at=fmt_datetime(clock.stopped_at, profile))
    if now_state == "breached":
        if clock.stopped_at is not None:
            return t(loc, "sla_late", clock=label, at=fmt_datetime(clock.stopped_at, profile), over=span)
        return t(loc, "sla_breached_working" if clock.business else "sla_breached", clock=label, over=fmt_overdue(left, loc))
    if now_state == "paused":
        return t(loc, "sla_paused", clock=label, left=span)
    return t(loc, "sla_running", clock=label, due=fmt_datetime(due_at(calendar, clock), profile), left=span)


def clock_lines(ticket: Ticket, calendar: Calendar, now: datetime, profile: Profile) -> str:
    return "\n".join(clock_line(name, clock, calendar, now, profile) for name, clock in clocks(ticket).items())


# -- the card -----------------------------------------------------------------------------------

def _buttons(ticket: Ticket, loc: str) -> list[dict]:
    shown = [(action, action_id) for action, action_id in BUTTONS if ticket.status in ALLOWED[action]
             and not (action == REPLIED and ticket.first_response_at is not None)]
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


# -- /crm tickets -------------------------------------------------------------------------------

def list_blocks(items: list[tuple[Ticket, Customer]], total: int, *, calendar: Calendar, now: datetime,
                profile: Profile) -> tuple[str, list[dict]]:
    loc = profile.locale
    if not total:
        return t(loc, "ticket_list_none"), [section(t(loc, "ticket_list_none"))]
    head = t(loc, "ticket_list_head", count=total)
    blocks = [section(head)]
    for ticket, customer in items:
        line = t(loc, "ticket_list_item", code=ticket.code, priority=ticket.priority, customer=escape(clip(customer.name, 60)),
                 status=t(loc, f"ticket_status_{ticket.status}"))
        blocks.append(section(f"{line}\n{clock_lines(ticket, calendar, now, profile)}"))
    if total > len(items):
        blocks.append(context_block(t(loc, "ticket_list_more", count=total - len(items))))
    return head.strip("*"), blocks
