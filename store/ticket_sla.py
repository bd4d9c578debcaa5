"""A ticket's two SLA clocks (first response, resolution), the targets they start from, and the
sweep that turns warnings, breaches and escalations into outbox alerts.

The clock arithmetic is store.sla_clock's; this module maps a Ticket row onto it:
- Both clocks start at `created_at`. "First reply sent" stops the response clock, "Solved" the
  resolution clock. While the ticket is pending (waiting on the customer) every clock that has
  not stopped is paused; on resume the paused span, in the ticket's own kind of minutes
  (business or calendar), is added to that clock's `*_paused_minutes`.
- A clock's stages, each an instant: the warning (`warn_pct` of the target used), the breach
  (one counted minute past the target: the first sweep that sees the clock over), and the
  escalation (`escalate_after_minutes` counted minutes past the target).
- `sla_next_at` is the earliest stage of any running clock (NULL when none runs: pending, solved,
  closed). After a change it may lie in the past: the next sweep then looks again, queues what is
  due and has not been queued (the outbox keys make the rest no-ops) and moves it to the first
  stage still ahead.
- Every alert's due_key is the due instant of its clock: one warning, one breach and one
  escalation per recipient and due time. A pause that moves the due time makes new ones, and the
  old ones no longer render.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from store.alert_kinds import SLA_BREACH, SLA_ESCALATE, SLA_WARN
from store.db import SessionFactory, transaction
from store.models import SlaPolicy, Ticket, TicketEvent, TicketStatus
from store.outbox import enqueue
from store.sla import Calendar, deadline
from store.sla_clock import Clock, due_at, resume, state, warn_at
from store.users import admin_ids, manager_of


@dataclass(frozen=True)
class Targets:
    response_minutes: int
    resolution_minutes: int
    business: bool = True
    warn_pct: int = 75
    escalate_after_minutes: int = 60


# The one place that knows the default targets: used when sla_policy has no row for a priority.
# Revision 0002 seeds sla_policy with exactly these (tests/test_ticket_store.py checks). The
# service templates' promise: a first reply within 2 hours, a solution within 24 hours; P1 runs
# around the clock, P2-P4 on the team's business hours.
DEFAULT_TARGETS: dict[str, Targets] = {
    "P1": Targets(120, 1440, business=False, warn_pct=75, escalate_after_minutes=30),
    "P2": Targets(120, 1440, business=True, warn_pct=75, escalate_after_minutes=60),
    "P3": Targets(120, 1440, business=True, warn_pct=75, escalate_after_minutes=120),
    "P4": Targets(120, 1440, business=True, warn_pct=75, escalate_after_minutes=240),
}
PRIORITIES = tuple(DEFAULT_TARGETS)
DEFAULT_PRIORITY = "P3"

RESPONSE, RESOLUTION = "response", "resolution"
CLOCKS = (RESPONSE, RESOLUTION)
# Statuses whose clocks may run (pending ones are paused; solved and closed ones stopped).
ACTIVE = (TicketStatus.new.value, TicketStatus.open.value)
WARN, BREACH, ESCALATE = SLA_WARN, SLA_BREACH, SLA_ESCALATE


def targets_for(*, session: Session, priority: str) -> Targets:
    row = session.get(SlaPolicy, priority)
    if row is None:
        return DEFAULT_TARGETS[priority]
    return Targets(row.response_minutes, row.resolution_minutes, row.business, row.warn_pct, row.escalate_after_minutes)


def clocks(ticket: Ticket) -> dict[str, Clock]:
    """The ticket's clocks as store.sla_clock sees them. A stopped clock is never paused: a reply sent
    while pending has had its paused span folded in first (`fold_pause`)."""
    def clock(target: int, paused: int, stopped: datetime | None) -> Clock:
        return Clock(started_at=ticket.created_at, target_minutes=target, business=ticket.sla_business, paused_minutes=paused,
                     paused_since=ticket.pending_since if stopped is None else None, stopped_at=stopped)

    return {
        RESPONSE: clock(ticket.response_minutes, ticket.response_paused_minutes, ticket.first_response_at),
        RESOLUTION: clock(ticket.resolution_minutes, ticket.resolution_paused_minutes, ticket.solved_at),
    }


def fold_pause(ticket: Ticket, name: str, calendar: Calendar, now: datetime) -> None:
    """End the pause of one clock at `now`: its paused span joins its paused minutes."""
    resumed = resume(calendar, clocks(ticket)[name], now)
    setattr(ticket, f"{name}_paused_minutes", resumed.paused_minutes)


def _stages(ticket: Ticket, calendar: Calendar, clock: Clock) -> list[datetime]:
    due = due_at(calendar, clock)
    if due is None:
        return []
    stages = [deadline(calendar, due, 1, business=clock.business),
              deadline(calendar, due, ticket.escalate_after_minutes, business=clock.business)]
    if 0 < ticket.warn_pct < 100:
        stages.append(warn_at(calendar, clock, ticket.warn_pct))
    return stages


def refresh(ticket: Ticket, calendar: Calendar) -> None:
    """Recompute the due times and sla_next_at after any change to the ticket."""
    running = clocks(ticket)
    ticket.response_due_at = due_at(calendar, running[RESPONSE])
    ticket.resolution_due_at = due_at(calendar, running[RESOLUTION])
    if ticket.status not in ACTIVE:
        ticket.sla_next_at = None
        return
    ticket.sla_next_at = min((s for c in running.values() for s in _stages(ticket, calendar, c)), default=None)


def next_stage(ticket: Ticket, calendar: Calendar, *, after: datetime) -> datetime | None:
    if ticket.status not in ACTIVE:
        return None
    return min((s for c in clocks(ticket).values() for s in _stages(ticket, calendar, c) if s > after), default=None)


def acted_since(*, session: Session, ticket_id: int, since: datetime) -> bool:
    """Whether anybody did anything to the ticket after `since`."""
    stmt = select(TicketEvent.id).where(TicketEvent.ticket_id == ticket_id, TicketEvent.at > since).limit(1)
    return session.exec(stmt).first() is not None


def responsible(ticket: Ticket) -> str:
    return ticket.assignee_id or ticket.created_by


def bosses(*, session: Session, user_id: str, admins: frozenset[str]) -> list[str]:
    """Who hears about `user_id`'s breaches: their manager, or else the admins."""
    manager = manager_of(session=session, user_id=user_id)
    return [manager] if manager else admin_ids(session=session, bootstrap=admins)


@dataclass(frozen=True)
class Alert:
    kind: str
    clock: str
    due: datetime
    recipient: str


def subject(ticket_id: int, clock: str, recipient: str) -> str:
    return f"ticket:{ticket_id}:{clock}:{recipient}"


def due_alerts(*, session: Session, ticket: Ticket, calendar: Calendar, now: datetime, admins: frozenset[str]) -> list[Alert]:
    """What the ticket's clocks call for at `now` (queued or not)."""
    if ticket.status not in ACTIVE:
        return []
    owner = responsible(ticket)
    alerts: list[Alert] = []
    for name, clock in clocks(ticket).items():
        due = due_at(calendar, clock)
        if due is None:
            continue
        if state(calendar, clock, now) == "breached":
            above = bosses(session=session, user_id=owner, admins=admins)
            alerts += [Alert(BREACH, name, due, r) for r in dict.fromkeys([owner, *above])]
            escalate_at = deadline(calendar, due, ticket.escalate_after_minutes, business=clock.business)
            if now >= escalate_at and not acted_since(session=session, ticket_id=ticket.id, since=due):
                alerts += [Alert(ESCALATE, name, due, r) for r in above if r != owner]
        elif 0 < ticket.warn_pct < 100 and now >= warn_at(calendar, clock, ticket.warn_pct):
            alerts.append(Alert(WARN, name, due, owner))
    return alerts


def sweep_sla(*, db: SessionFactory, calendar: Calendar, now: datetime, admins: frozenset[str] = frozenset(),
              limit: int = 500) -> int:
    """Queue the SLA alerts due at `now`; returns how many this call queued. Safe to run twice or
    on two replicas: the outbox keys absorb repeats, PostgreSQL's SKIP LOCKED keeps two sweeps off
    the same ticket, and sla_next_at is moved on only if nobody changed it meanwhile."""
    queued = 0
    with transaction(db) as session:
        stmt = (select(Ticket).where(Ticket.sla_next_at <= now, Ticket.status.in_(ACTIVE))
                .order_by(Ticket.sla_next_at, Ticket.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        for ticket in session.exec(stmt).all():
            for alert in due_alerts(session=session, ticket=ticket, calendar=calendar, now=now, admins=admins):
                queued += enqueue(session=session, kind=alert.kind, subject=subject(ticket.id, alert.clock, alert.recipient),
                                  due_key=alert.due.isoformat(), recipient=alert.recipient, now=now,
                                  data={"ticket": ticket.id, "clock": alert.clock, "business": ticket.sla_business})
            session.execute(update(Ticket)
                            .where(Ticket.id == ticket.id, Ticket.sla_next_at == ticket.sla_next_at)
                            .values(sla_next_at=next_stage(ticket, calendar, after=now), updated_at=Ticket.updated_at))
    return queued
