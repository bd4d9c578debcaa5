"""Keeping the behaviour tags current on the scheduler (handlers/delivery/jobs.py's tick runs it).

- nightly: every customer, at the first tick at or after 03:00 in the team calendar's zone
  (claim due_key: that local date), for what time alone changes (a nurturing customer's cycle
  growing long, interactions leaving the 30-day window);
- touched: at the other ticks, the customers with an interaction logged or a stage change since the
  pass before (found by primary key above that pass's marks); nothing touched, nothing written.
Each pass claims itself as the health passes do (store/health_jobs.py), in a table of its own
(tag_pass, store/tag_models.py): a row unique by (subject, due_key) inserted with ON CONFLICT DO
NOTHING in the pass's own transaction, so one replica runs it and a failed pass takes its claim
down with it; its `marks` keep the highest interaction and stage-change ids it saw, the next
pass's watermark. Touched claims older than two days are deleted; nightly ones are kept. On PostgreSQL a pass first takes a transaction-scoped advisory lock, so a
nightly and a touched pass on two replicas do not write the same tag at once. A row committed late
with an id under a mark is caught by the next nightly pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, text, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store.behaviour_tags import TagRules, recompute
from store.crm_models import StageChange
from store.db import SessionFactory, transaction
from store.models import Interaction
from store.tag_models import TagPass as PassRow

DAILY, TOUCHED = "daily", "touched"
DAILY_AT = time(3, 0)
KEEP_TOUCHED = timedelta(days=2)
LOCK_KEY = 0x54414753                # "TAGS"


@dataclass(frozen=True)
class TagPassReport:
    kind: str | None = None          # DAILY, TOUCHED, or None (nothing due or another replica has it)
    customers: int = 0
    added: int = 0
    dropped: int = 0


def _marks(session: Session) -> dict[str, int]:
    return {"interaction": session.execute(select(func.max(Interaction.id))).scalar() or 0,
            "stage_change": session.execute(select(func.max(StageChange.id))).scalar() or 0}


def _last_marks(session: Session) -> dict[str, int] | None:
    row = session.execute(select(PassRow.marks).order_by(PassRow.id.desc()).limit(1)).first()
    return None if row is None else {k: int(v) for k, v in (row[0] or {}).items()}


def _touched(session: Session, marks: dict[str, int]) -> list[int]:
    ids = union(select(Interaction.customer_id).where(Interaction.id > marks.get("interaction", 0)),
                select(StageChange.customer_id).where(StageChange.id > marks.get("stage_change", 0)))
    return sorted(session.execute(ids).scalars())


def run_due(*, db: SessionFactory, now: datetime, rules: TagRules, tz: str) -> TagPassReport:
    """The nightly pass when due, else a touched pass when something was touched since the last one
    (the very first pass, with no marks yet, is a nightly one)."""
    local = now.astimezone(ZoneInfo(tz))
    today = local.date()
    with transaction(db) as session:
        last = _last_marks(session)
        daily_due = local.time() >= DAILY_AT and session.execute(
            select(PassRow.id).where(PassRow.subject == DAILY, PassRow.due_key == today.isoformat())).first() is None
        if not daily_due and last is not None and last == _marks(session):
            return TagPassReport()
    if daily_due or last is None:
        return _pass(db=db, subject=DAILY, due_key=today.isoformat(), now=now, today=today, rules=rules)
    return _pass(db=db, subject=TOUCHED, due_key=now.replace(second=0, microsecond=0).isoformat(), now=now, today=today, rules=rules)


def _claim(session: Session, *, subject: str, due_key: str, marks: dict[str, int], now: datetime) -> bool:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (insert(PassRow).values(subject=subject, due_key=due_key, marks=marks, created_at=now)
            .on_conflict_do_nothing(index_elements=["subject", "due_key"]).returning(PassRow.id))
    return session.execute(stmt).first() is not None


def _pass(*, db: SessionFactory, subject: str, due_key: str, now: datetime, today, rules: TagRules) -> TagPassReport:
    with transaction(db) as session:
        if session.get_bind().dialect.name == "postgresql":
            locked = text("SELECT pg_try_advisory_xact_lock(hashtext(current_schema()), :key)")
            if not session.execute(locked, {"key": LOCK_KEY}).scalar():
                return TagPassReport()
        before = _last_marks(session)
        marks = _marks(session)
        if not _claim(session, subject=subject, due_key=due_key, marks=marks, now=now):
            return TagPassReport()
        ids = None if subject == DAILY or before is None else _touched(session, before)
        report = recompute(session=session, now=now, today=today, rules=rules, customer_ids=ids)
        session.execute(delete(PassRow).where(PassRow.subject == TOUCHED, PassRow.created_at < now - KEEP_TOUCHED))
    return TagPassReport(kind=subject, customers=report.customers, added=report.added, dropped=report.dropped)
