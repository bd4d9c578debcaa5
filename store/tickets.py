"""Service tickets: creation, what each button does to one, and the lists people ask for.

Statuses: new -> open -> pending (waiting on the customer: clocks paused) -> open -> solved ->
closed. Every change is a TicketEvent (who, when, from, to) and recomputes the SLA fields
(store/ticket_sla.py) in the same transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from store.customers import create_customer, get_customer, next_code
from store.db import get_for_update
from store.errors import Checker, DomainError
from store.permissions import Viewer, can_read, forbidden
from store.models import OPEN_TICKET, Customer, Ticket, TicketEvent, TicketStatus, TicketType
from store.sla import Calendar
from store.text import NAME_MAX, clean, clean_line, require
from store.ticket_sla import PRIORITIES, RESOLUTION, RESPONSE, fold_pause, refresh, targets_for

DESCRIPTION_MAX = 3000
NEW, OPEN, PENDING, SOLVED, CLOSED = (s.value for s in TicketStatus)

# What each button does, and the statuses it works from.
TAKE, REPLIED, WAIT, RESUME, SOLVE, CLOSE = "take", "replied", "pending", "resume", "solved", "close"
ALLOWED: dict[str, tuple[str, ...]] = {
    TAKE: (NEW, OPEN, PENDING),
    REPLIED: (NEW, OPEN, PENDING),
    WAIT: (NEW, OPEN),
    RESUME: (PENDING,),
    SOLVE: (NEW, OPEN, PENDING),
    CLOSE: (SOLVED,),
}


def create_ticket(*, session: Session, created_by: str, customer_id: int | None, new_customer_name: str | None, priority: str,
                  ticket_type: str, description: str, assignee_id: str | None, calendar: Calendar, now: datetime,
                  source_channel: str | None = None, source_ts: str | None = None, viewer: Viewer | None = None) -> Ticket:
    """Validate every field first (FieldErrors names them all), then write the customer (if new),
    the ticket with its SLA targets fixed from the policy, and its first event."""
    c = Checker()
    if priority not in PRIORITIES:
        c.fail("ticket_err_priority", field="priority")
    if ticket_type not in {t.value for t in TicketType}:
        c.fail("ticket_err_type", field="type")
    description = c.check(require, clean(description), field="description", limit=DESCRIPTION_MAX)
    if customer_id is None and not new_customer_name:
        c.fail("err_required", field="customer")
    elif customer_id is None:
        c.check(require, clean_line(new_customer_name), field="customer", limit=NAME_MAX)
    c.done()

    if customer_id is not None:
        customer = get_customer(session=session, customer_id=customer_id)
        if customer is None:
            raise DomainError("err_unknown_customer", field="customer")
        if viewer is not None and not can_read(viewer, customer):
            raise forbidden(viewer, customer, action="read", field="customer")
    else:
        customer = create_customer(session=session, name=new_customer_name, owner_id=created_by, created_by=created_by, now=now)
    targets = targets_for(session=session, priority=priority)
    ticket = Ticket(
        code=next_code(session=session, now=now, prefix="T"),
        customer_id=customer.id, priority=priority, type=ticket_type, description=description, status=NEW,
        assignee_id=assignee_id or None, created_by=created_by, created_at=now, updated_at=now,
        source_channel=source_channel, source_ts=source_ts,
        sla_business=targets.business, response_minutes=targets.response_minutes, resolution_minutes=targets.resolution_minutes,
        warn_pct=targets.warn_pct, escalate_after_minutes=targets.escalate_after_minutes,
    )
    refresh(ticket, calendar)
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, at=now, by=created_by, kind="created", to_status=NEW))
    session.flush()
    return ticket


def get_ticket(*, session: Session, ticket_id: int) -> Ticket | None:
    return session.get(Ticket, ticket_id)


def ticket_with_customer(*, session: Session, ticket_id: int) -> tuple[Ticket, Customer] | None:
    ticket = session.get(Ticket, ticket_id)
    return (ticket, session.get(Customer, ticket.customer_id)) if ticket is not None else None


def set_card(*, session: Session, ticket_id: int, channel: str, ts: str, link: str | None) -> None:
    """Where the ticket's card was posted, and the link its alerts point to: the source message for
    a ticket made from one, else the card itself."""
    ticket = session.get(Ticket, ticket_id)
    ticket.card_channel, ticket.card_ts = channel, ts
    if link:
        ticket.source_link = link[:500]
    session.add(ticket)
    session.flush()


# -- the buttons -------------------------------------------------------------------------------

def _assign(ticket: Ticket, user_id: str, now: datetime) -> None:
    ticket.assignee_id, ticket.taken_at = user_id, now
    if ticket.status == NEW:
        ticket.status = OPEN


def _take(ticket: Ticket, user_id: str, calendar: Calendar, now: datetime) -> str:
    """Take it: an assigned ticket nobody took yet may be taken by anyone who may work on it; once
    someone took it, a second Take it (two people clicking the same card at once, or an old card)
    is refused naming who has it, never a silent reassignment."""
    if ticket.assignee_id == user_id and ticket.status != NEW:
        raise DomainError("ticket_err_yours", code=ticket.code)
    if ticket.taken_at is not None and ticket.assignee_id:
        raise DomainError("ticket_err_taken", code=ticket.code, assignee=ticket.assignee_id)
    before = ticket.assignee_id or ""
    _assign(ticket, user_id, now)
    return before


def _replied(ticket: Ticket, user_id: str, calendar: Calendar, now: datetime) -> str:
    if ticket.first_response_at is not None:
        raise DomainError("ticket_err_replied", code=ticket.code)
    if ticket.status == PENDING:
        fold_pause(ticket, RESPONSE, calendar, now)
    ticket.first_response_at = now
    if ticket.assignee_id is None:
        _assign(ticket, user_id, now)
    elif ticket.status == NEW:
        ticket.status = OPEN
    return ""


def _wait(ticket: Ticket, user_id: str, calendar: Calendar, now: datetime) -> str:
    ticket.status, ticket.pending_since = PENDING, now
    return ""


def _resume_all(ticket: Ticket, calendar: Calendar, now: datetime) -> None:
    if ticket.pending_since is not None:
        for name in (RESPONSE, RESOLUTION):
            fold_pause(ticket, name, calendar, now)
        ticket.pending_since = None


def _resume(ticket: Ticket, user_id: str, calendar: Calendar, now: datetime) -> str:
    _resume_all(ticket, calendar, now)
    ticket.status = OPEN
    return ""


def _solve(ticket: Ticket, user_id: str, calendar: Calendar, now: datetime) -> str:
    """A solution is an answer too: a ticket solved before any reply was recorded has its first
    reply at the same moment."""
    _resume_all(ticket, calendar, now)
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    if ticket.assignee_id is None:
        ticket.assignee_id, ticket.taken_at = user_id, now
    ticket.status, ticket.solved_at = SOLVED, now
    return ""


def _close(ticket: Ticket, user_id: str, calendar: Calendar, now: datetime) -> str:
    ticket.status, ticket.closed_at = CLOSED, now
    return ""


_STEPS: dict[str, Callable[[Ticket, str, Calendar, datetime], str]] = {
    TAKE: _take, REPLIED: _replied, WAIT: _wait, RESUME: _resume, SOLVE: _solve, CLOSE: _close,
}


def may_work(viewer: Viewer, ticket: Ticket, customer: Customer) -> bool:
    """The ticket's assignee and creator, and whoever may read its customer."""
    return viewer.id in (ticket.assignee_id, ticket.created_by) or can_read(viewer, customer)


def act(*, session: Session, ticket_id: int, action: str, user_id: str, calendar: Calendar, now: datetime,
        viewer: Viewer | None = None) -> Ticket:
    """One button: refuse it (DomainError) if the viewer may not work on it or its status does not
    allow it, else change the ticket, record the event and recompute its clocks. The row is locked
    for the change (on SQLite too: two clicks at once take turns)."""
    ticket = get_for_update(session, Ticket, ticket_id)
    if ticket is None:
        raise DomainError("ticket_err_missing")
    if viewer is not None:
        customer = session.get(Customer, ticket.customer_id)
        if not may_work(viewer, ticket, customer):
            raise DomainError("ticket_err_forbidden", owner=customer.owner_id)
    if ticket.status not in ALLOWED[action]:
        raise DomainError("ticket_err_transition", code=ticket.code, status=ticket.status, action=action)
    before = ticket.status
    detail = _STEPS[action](ticket, user_id, calendar, now)
    ticket.updated_at = now
    refresh(ticket, calendar)
    session.add(ticket)
    session.add(TicketEvent(ticket_id=ticket.id, at=now, by=user_id, kind=action, from_status=before, to_status=ticket.status,
                            detail=detail))
    session.flush()
    return ticket


def events_of(*, session: Session, ticket_id: int) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at, TicketEvent.id)
    return list(session.exec(stmt))


def open_tickets(*, session: Session, assignee_id: str, limit: int) -> tuple[list[tuple[Ticket, Customer]], int]:
    """The assignee's unfinished tickets, most urgent priority first (index on assignee, status),
    at most `limit` of them, and how many there are in all."""
    where = (Ticket.assignee_id == assignee_id, Ticket.status.in_(OPEN_TICKET))
    total = session.exec(select(func.count()).select_from(Ticket).where(*where)).one()
    stmt = (select(Ticket, Customer).join(Customer, Customer.id == Ticket.customer_id).where(*where)
            .order_by(Ticket.priority, Ticket.created_at, Ticket.id).limit(limit))
    return [(t, c) for t, c in session.exec(stmt)], total


def open_for_customer(*, session: Session, customer_id: int, limit: int | None = None,
                      by_priority: bool = False) -> list[Ticket]:
    """The customer's open tickets, oldest first (or by priority, then oldest)."""
    order = (Ticket.priority, Ticket.created_at, Ticket.id) if by_priority else (Ticket.created_at, Ticket.id)
    stmt = select(Ticket).where(Ticket.customer_id == customer_id, Ticket.status.in_(OPEN_TICKET)).order_by(*order)
    return list(session.exec(stmt.limit(limit) if limit is not None else stmt))


def open_count(*, session: Session, customer_id: int) -> int:
    return session.exec(select(func.count()).select_from(Ticket)
                        .where(Ticket.customer_id == customer_id, Ticket.status.in_(OPEN_TICKET))).one()
