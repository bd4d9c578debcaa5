"""Health recomputation on the scheduler, and the churn-risk pings it queues.

Two passes, each one transaction, run by handlers/delivery/jobs.py's tick:
- daily: every active customer, once a day, at the first tick at or after 03:00 in the team
  calendar's zone (due_key: that local date);
- touched: at the other ticks, the customers something happened to since the passes before
  (due_key: the tick's minute); a tick first looks, read-only, and when nothing was touched it
  writes nothing (the very first pass, with no watermark yet, scores everyone). Touched means,
  each found through an index:
    interaction logged          interaction.created_at       (ix_interaction_created_way)
    NPS answered                nps_response.responded_at    (ix_nps_responded)
    ticket opened               ticket.created_at            (ix_ticket_created)
    ticket changed              ticket_event.id              (primary key: every change is an event)
    next action created         next_action.id               (primary key)
    next action fell overdue    next_action (status, due_at) (ix_next_action_status_due)
    next action done/cancelled  next_action (status, due_at) within ACTION_LOOKBACK, then updated_at
    deal won or changed         audit_entry.id               (primary key: deals write audit entries)
    stage changed               stage_change.at              (ix_stage_change_at)
  What time alone changes (recency, a clock breaching, RFM quintiles shifting with others' deals,
  an action done more than ACTION_LOOKBACK after it fell due) waits for the daily pass.
After a pass that wrote scores (but the very first one, which only sets the baseline: every red
customer would otherwise "turn red" from having no score), `changes(since=<pass start>)` gives the
turns to red and the weekly drops; each queues one outbox row "churn_risk" keyed by the change's instant (so once per
change), to the customer-success owner or else the account owner, unless an answer holds it back
(store/risk.py).

The claim: each pass first inserts its own outbox row (kind "health_job", subject "daily" or
"touched", the due_key above) with ON CONFLICT DO NOTHING on the outbox's unique key, in the same
transaction as the pass, and marks it "skipped" before the commit, so delivery never sees it
pending. Chosen over a compare-and-set on a lease row because:
- a key is taken once: a second replica inserting the same key waits for the first transaction
  (PostgreSQL's unique index, SQLite's single writer) and then inserts nothing;
- a pass that fails takes its claim down with it, so the next tick runs it again; there is no
  lease to time out and no half-done pass recorded as done;
- the claim rows are the watermark, surviving restarts and shared by replicas.
Passes of different keys must not overlap either (a touched pass while the daily one runs would
write the same change twice): on PostgreSQL a pass first takes pg_try_advisory_xact_lock and
leaves the tick to the replica holding it (the next tick catches up from the watermark); SQLite
has one writer at a time and the claim insert is a pass's first statement, so a second pass waits.

The watermark: touched since the start of the pass before the last one (its claim's created_at is
its `now`); for the tables found by id, ids above the highest that pass saw (its claim's data).
Two passes back rather than one catches a row whose transaction began before the last pass and
committed after it; a customer computed twice writes nothing the second time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, text, union, update
from sqlmodel import Session, select

from store.alert_kinds import RISK_PING
from store.crm_models import AuditEntry, StageChange
from store.db import SessionFactory, transaction
from store.grading import Cadence
from store.health import HealthWeights, recompute
from store.health_watch import changes
from store.models import PENDING_ACTION, Customer, Interaction, NextAction, NpsResponse, Outbox, Ticket, TicketEvent
from store.outbox import enqueue
from store.rfm import ACTIVE_STAGES
from store.risk import IN_CHUNK, held_back, latest_answers
from store.sla import Calendar

KIND, PING = "health_job", RISK_PING  # KIND: the health job's own claim, not an alert
DAILY, TOUCHED = "daily", "touched"
DAILY_AT = time(3, 0)
ACTION_LOOKBACK = timedelta(days=90)
KEEP_TOUCHED = timedelta(days=2)      # touched claims older than this are deleted (daily ones are kept)
LOCK_KEY = 0x48454C54  # the PostgreSQL advisory lock of health passes ("HELT")
_MARKED = {"ticket_event": TicketEvent, "next_action": NextAction, "audit_entry": AuditEntry}


@dataclass(frozen=True)
class PassReport:
    kind: str | None = None   # DAILY, TOUCHED, or None: nothing due, or another replica holds the pass
    computed: int = 0         # customers scored
    written: int = 0          # scores that changed
    queued: int = 0           # churn-risk pings queued


def run_due(*, db: SessionFactory, now: datetime, weights: HealthWeights, cadence: Cadence, calendar: Calendar,
            drop_points: int) -> PassReport:
    """The daily pass when it is due and not yet taken, else a touched pass when something was touched
    (or no pass ever ran). A read-only look first: most ticks end there, writing nothing."""
    local = now.astimezone(ZoneInfo(calendar.tz))
    daily = local.date().isoformat() if local.time() >= DAILY_AT else None
    with transaction(db) as session:
        plan = _plan(session, now=now, daily=daily)
    rules = dict(weights=weights, cadence=cadence, calendar=calendar, drop_points=drop_points)
    if plan is None:
        return PassReport()
    if plan == DAILY:  # taken meanwhile by another replica: the touched customers wait for the next tick
        return run_pass(db=db, subject=DAILY, due_key=daily, now=now, **rules) or PassReport()
    return run_pass(db=db, subject=TOUCHED, due_key=minute_key(now), now=now, **rules) or PassReport()


def _plan(session: Session, *, now: datetime, daily: str | None) -> str | None:
    """DAILY, TOUCHED or None (nothing to do): nothing is scored or stored, or no pass is due."""
    scored = session.execute(select(Customer.id).where(Customer.health_score.is_not(None)).limit(1)).first()
    if scored is None and session.execute(select(Customer.id).where(Customer.stage.in_(ACTIVE_STAGES)).limit(1)).first() is None:
        return None
    if daily is not None and session.execute(select(Outbox.id).where(Outbox.kind == KIND, Outbox.subject == DAILY,
                                                                     Outbox.due_key == daily)).first() is None:
        return DAILY
    before = _watermark(session, None)
    if before is None or touched(session=session, since=before[0], marks=before[1], now=now):
        return TOUCHED
    return None


def minute_key(now: datetime) -> str:
    return now.astimezone(timezone.utc).replace(second=0, microsecond=0).isoformat()


def claim(*, session: Session, subject: str, due_key: str, now: datetime) -> int | None:
    """Take a pass: the advisory lock (PostgreSQL), then the claim row. Its id, or None if either is
    taken. The caller's transaction holds both until it ends."""
    if session.get_bind().dialect.name == "postgresql":
        # keyed by the schema too: two deployments in one database (or two test runs) do not block each other
        locked = text("SELECT pg_try_advisory_xact_lock(hashtext(current_schema()), :key)")
        if not session.execute(locked, {"key": LOCK_KEY}).scalar():
            return None
    if not enqueue(session=session, kind=KIND, subject=subject, due_key=due_key, recipient="", now=now):
        return None
    return session.execute(select(Outbox.id).where(Outbox.kind == KIND, Outbox.subject == subject,
                                                   Outbox.due_key == due_key)).scalar_one()


def run_pass(*, db: SessionFactory, subject: str, due_key: str, now: datetime, weights: HealthWeights, cadence: Cadence,
             calendar: Calendar, drop_points: int) -> PassReport | None:
    """One pass in one transaction, or None when its claim is taken."""
    with transaction(db) as session:
        claim_id = claim(session=session, subject=subject, due_key=due_key, now=now)
        if claim_id is None:
            return None
        before = _watermark(session, claim_id)
        marks = {name: session.execute(select(func.max(table.id))).scalar() or 0 for name, table in _MARKED.items()}
        ids = None if subject == DAILY or before is None else touched(session=session, since=before[0], marks=before[1], now=now)
        computed = written = queued = 0
        if ids is None or ids:
            report = recompute(session=session, now=now, weights=weights, cadence=cadence, customer_ids=ids, calendar=calendar)
            computed, written = report.computed, report.written
        if written and before is not None:  # the very first pass sets the baseline: no "turned red" from no score
            queued = queue_pings(session=session, since=now, now=now, drop_points=drop_points)
        session.execute(update(Outbox).where(Outbox.id == claim_id).values(
            status="skipped", data={"marks": marks, "computed": computed, "written": written, "queued": queued}))
        session.execute(delete(Outbox).where(Outbox.kind == KIND, Outbox.subject == TOUCHED,
                                             Outbox.created_at < now - KEEP_TOUCHED, Outbox.id != claim_id))
    return PassReport(kind=subject, computed=computed, written=written, queued=queued)


def _watermark(session: Session, claim_id: int | None) -> tuple[datetime, dict] | None:
    """(start, id marks) of the pass before the last one (of the last, when there is only one)."""
    stmt = (select(Outbox.created_at, Outbox.data).where(Outbox.kind == KIND, Outbox.id != (claim_id or 0))
            .order_by(Outbox.created_at.desc(), Outbox.id.desc()).limit(2))
    rows = session.execute(stmt).all()
    if not rows:
        return None
    at, data = rows[-1]
    return at, dict((data or {}).get("marks") or {})


def touched(*, session: Session, since: datetime, marks: dict, now: datetime) -> set[int]:
    """Customers something happened to since `since` (ids above `marks` for the tables found by id)."""
    n, a = NextAction, AuditEntry
    finished = ("done", "cancelled")
    queries = [
        select(Interaction.customer_id).where(Interaction.created_at >= since),
        select(NpsResponse.customer_id).where(NpsResponse.responded_at >= since, NpsResponse.responded_at <= now),
        select(Ticket.customer_id).where(Ticket.created_at >= since),
        select(Ticket.customer_id).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.id > int(marks.get("ticket_event", 0))),
        select(n.customer_id).where(n.id > int(marks.get("next_action", 0))),
        select(n.customer_id).where(n.status.in_(PENDING_ACTION), n.due_at >= since, n.due_at <= now),
        select(n.customer_id).where(n.status.in_(finished), n.due_at >= now - ACTION_LOOKBACK, n.due_at <= now,
                                    n.updated_at >= since),
        select(a.customer_id).where(a.id > int(marks.get("audit_entry", 0))),
        select(StageChange.customer_id).where(StageChange.at >= since),
    ]
    return set(session.execute(union(*queries)).scalars())


def queue_pings(*, session: Session, since: datetime, now: datetime, drop_points: int) -> int:
    """One churn-risk ping per change of health written since `since` that no answer holds back."""
    found = changes(session=session, since=since, drop_points=drop_points)
    if not found:
        return 0
    ids = [c.customer_id for c in found]
    cs_owners = {}
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start:start + IN_CHUNK]
        cs_owners.update(session.execute(select(Customer.id, Customer.cs_owner_id).where(Customer.id.in_(chunk))).all())
    answers = latest_answers(session=session, customer_ids=ids)
    queued = 0
    for change in found:
        if held_back(answers.get(change.customer_id), score=change.score, turned_red=change.turned_red, at=change.at, now=now):
            continue
        data = {"score": change.score, "band": change.band, "previous_score": change.previous_score,
                "previous_band": change.previous_band, "turned_red": change.turned_red, "drop": change.drop,
                "week_high": change.week_high, "at": change.at.isoformat(),
                "high_at": change.high_at.isoformat() if change.high_at is not None else None}
        queued += enqueue(session=session, kind=PING, subject=f"customer:{change.customer_id}", due_key=change.at.isoformat(),
                          recipient=cs_owners.get(change.customer_id) or change.owner_id, now=now, data=data)
    return queued
