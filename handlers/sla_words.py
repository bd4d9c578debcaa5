"""How a ticket's SLA reads wherever it is shown: a span of minutes (2 d 3 h), each clock's line
(due, left, paused, met, breached) and the list of `/crm tickets` and the Home tab. Shared (like
blocks and words): the tickets' card, the churn-risk ping and the Home tab show the same words."""
from __future__ import annotations

from datetime import datetime, timedelta

from handlers.blocks import clip, context as context_block, escape, fmt_datetime, section
from handlers.context import Profile
from handlers.i18n import t
from store.models import Customer, Ticket
from store.sla import Calendar
from store.sla_clock import Clock, due_at, remaining_minutes, state
from store.ticket_sla import clocks

MINUTE, ZERO = timedelta(minutes=1), timedelta(0)


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
