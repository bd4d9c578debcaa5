"""What the scheduler sends about tickets: the SLA warning, breach and escalation DMs."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers.blocks import context as context_block, escape, fmt_datetime, section
from handlers.context import Defaults, Profile
from handlers.delivery.kind import Kind, Rendered
from handlers.i18n import t
from handlers.payload import record_id
from handlers.sla_words import MINUTE as _MINUTE, ZERO as _ZERO, fmt_overdue, fmt_span
from handlers.tickets.cards import ALERT_DESCRIPTION_SHOWN, _assignee, _quote
from store.alert_kinds import SLA_BREACH, SLA_ESCALATE, SLA_WARN
from store.models import Customer, Outbox, Ticket
from store.ticket_sla import ACTIVE, CLOCKS, acted_since


def _loaded(session: Session, row: Outbox) -> tuple[Ticket, Customer, str, datetime] | None:
    """The ticket, its customer, the clock and the alert's due time, while the alert still applies:
    the ticket's clocks run, and that clock is still due when it was (not met, paused or moved)."""
    parts = row.subject.split(":")  # ticket:{id}:{clock}:{recipient}
    if len(parts) != 4 or parts[0] != "ticket" or record_id(parts[1]) is None or parts[2] not in CLOCKS:
        return None
    ticket = session.get(Ticket, record_id(parts[1]))
    if ticket is None or ticket.status not in ACTIVE:
        return None
    due = getattr(ticket, f"{parts[2]}_due_at")
    if due is None or due.isoformat() != row.due_key:
        return None
    return ticket, session.get(Customer, ticket.customer_id), parts[2], due


def _alert(head: str, ticket: Ticket, customer: Customer, profile: Profile) -> Rendered:
    loc = profile.locale
    about = t(loc, "sla_alert_about", customer=escape(customer.name), ccode=customer.code, priority=ticket.priority,
              type=t(loc, f"ticket_type_{ticket.type}"), assignee=_assignee(ticket, loc))
    blocks = [section(f"*{head}*"), section(about), section(_quote(ticket.description, ALERT_DESCRIPTION_SHOWN))]
    if ticket.source_link:
        key = "sla_link_source" if ticket.source_ts else "sla_link_card"
        blocks.append(context_block(t(loc, key, link=ticket.source_link)))
    return Rendered(text=head, blocks=blocks)


def render_warn(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    found = _loaded(session, row)
    if found is None or now >= found[3]:  # once due, the breach alert speaks instead
        return None
    ticket, customer, name, due = found
    loc = profile.locale
    head = t(loc, "sla_warn_head", code=ticket.code, clock=t(loc, f"sla_clock_{name}"), due=fmt_datetime(due, profile),
             left=fmt_span((due - now) // _MINUTE, loc))
    return _alert(head, ticket, customer, profile)


def render_breach(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    found = _loaded(session, row)
    if found is None:
        return None
    ticket, customer, name, due = found
    loc = profile.locale
    head = t(loc, "sla_breach_head", code=ticket.code, clock=t(loc, f"sla_clock_{name}"), due=fmt_datetime(due, profile),
             over=fmt_overdue(max(now - due, _ZERO) // _MINUTE, loc))
    return _alert(head, ticket, customer, profile)


def render_escalate(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    found = _loaded(session, row)
    if found is None or acted_since(session=session, ticket_id=found[0].id, since=found[3]):
        return None
    ticket, customer, name, due = found
    loc = profile.locale
    head = t(loc, "sla_escalate_head", code=ticket.code, clock=t(loc, f"sla_clock_{name}"), due=fmt_datetime(due, profile),
             over=fmt_overdue(max(now - due, _ZERO) // _MINUTE, loc))
    return _alert(head, ticket, customer, profile)


def around_the_clock(row: Outbox) -> bool:
    """A warning on a clock counted in calendar hours (P1 by default) cannot wait for the morning:
    by then the clock has run out."""
    return (row.data or {}).get("business") is False


KINDS = {SLA_WARN: Kind(render_warn, urgent=around_the_clock),
         SLA_BREACH: Kind(render_breach, urgent=True, grouped=False, header="alert_header_sla_breach"),
         SLA_ESCALATE: Kind(render_escalate, urgent=True, grouped=False, header="alert_header_sla_escalate")}
