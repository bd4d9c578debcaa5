"""The outbox: every alert is a row with a unique key, claimed before it is sent.

pending --claim--> sending --ok--> sent
                           --retryable error--> pending (next_attempt_at later)
                           --permanent error--> failed
                           --nothing left to say--> skipped
A claim is a compare-and-set on the row that stamps it with the run's token, so two replicas
never hold the same alert; a claim whose process died is taken over once its lease has run out.
Every later update (posting, the outcome, a renewed lease) names the token and touches only rows
that token still holds: a run that outlived its lease cannot undo or repeat what the replica that
took over did.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, Text, and_, bindparam, case, cast, func, literal, or_, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store.models import Outbox
from store.types import UTCDateTime

LEASE = timedelta(minutes=2)
BATCH = 500  # rows per statement when many are written at once (well inside SQLite's 32,766 parameters)


def new_token() -> str:
    return uuid.uuid4().hex


def _batches(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def enqueue(*, session: Session, kind: str, subject: str, due_key: str, recipient: str, now: datetime, data: dict | None = None) -> bool:
    """Queue an alert once per (kind, subject, due_key). True when this call queued it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(Outbox)
        .values(kind=kind, subject=subject, due_key=due_key, recipient=recipient, data=data or {},
                status="pending", attempts=0, next_attempt_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "subject", "due_key"])
        .returning(Outbox.id)
    )
    return session.execute(stmt).first() is not None


@dataclass(frozen=True)
class Alert:
    """One alert to queue (enqueue_many)."""

    kind: str
    subject: str
    due_key: str
    recipient: str
    data: dict | None = None


def enqueue_many(*, session: Session, alerts: list[Alert], now: datetime) -> int:
    """Queue many alerts, each once per (kind, subject, due_key) as enqueue() does, in the order
    given: one INSERT ... SELECT per 10,000 from a single parameter per field (PostgreSQL:
    unnest() of arrays) or a single JSON one (SQLite: json_each()), not a VALUES list of
    thousands of parameters, which cost more to build and bind than the rows to insert.
    Returns how many this call queued (the others were there already)."""
    if not alerts:
        return 0
    postgresql = session.get_bind().dialect.name == "postgresql"
    stmt = (pg_insert if postgresql else sqlite_insert)(Outbox.__table__).from_select(
        [*_ALERT_FIELDS, "status", "attempts", "next_attempt_at", "created_at"],
        (_arrays if postgresql else _json_rows)(bindparam("now", now, type_=UTCDateTime())),
    ).on_conflict_do_nothing(index_elements=["kind", "subject", "due_key"])
    queued = 0
    for batch in _batches(alerts, 10_000):
        fields = [(a.kind, a.subject, a.due_key, a.recipient, a.data or {}) for a in batch]
        params = ({name: [row[i] if i < 4 else json.dumps(row[i]) for row in fields] for i, name in enumerate(_ALERT_FIELDS)}
                  if postgresql else {"alerts": json.dumps(fields)})
        queued += session.connection().execution_options(preserve_rowcount=True).execute(stmt, params).rowcount
    return queued


_ALERT_FIELDS = ("kind", "subject", "due_key", "recipient", "data")


def _arrays(at):
    rows = (func.unnest(*(bindparam(name, type_=ARRAY(Text)) for name in _ALERT_FIELDS))
            .table_valued(*_ALERT_FIELDS, with_ordinality="n").render_derived())
    return select(rows.c.kind, rows.c.subject, rows.c.due_key, rows.c.recipient, cast(rows.c.data, JSON),
                  literal("pending"), literal(0), at, at).order_by(rows.c.n)


def _json_rows(at):
    rows = func.json_each(bindparam("alerts", type_=Text)).table_valued("key", "value")
    fields = [func.json_extract(rows.c.value, f"$[{i}]") for i in range(len(_ALERT_FIELDS))]
    # WHERE true: SQLite reads an upsert's SELECT unambiguously only with a WHERE clause
    return select(*fields, literal("pending"), literal(0), at, at).where(true()).order_by(rows.c.key)


def _claimable(now: datetime):
    return or_(
        and_(Outbox.status == "pending", Outbox.next_attempt_at <= now),
        and_(Outbox.status == "sending", Outbox.lease_until < now),
    )


def claim(*, session: Session, now: datetime, limit: int = 50, token: str | None = None) -> list[Outbox]:
    """Take up to `limit` due alerts for this process, stamped with `token` (a new one if not
    given; read it back from the rows). Commit right after, before sending.

    One `UPDATE ... WHERE id IN (the claimable, oldest first, LIMIT) RETURNING` the rows themselves: on PostgreSQL
    the inner select skips rows another transaction holds (`FOR UPDATE SKIP LOCKED`), so two
    replicas take different rows; on SQLite writers take turns, and the second's select, inside
    its own UPDATE, no longer finds the rows the first took (still claimable only once their
    lease has run out)."""
    token = token or new_token()
    due = select(Outbox.id).where(_claimable(now)).order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    won = session.execute(
        update(Outbox)
        .where(Outbox.id.in_(due.scalar_subquery()))
        .values(status="sending", lease_until=now + LEASE, attempts=Outbox.attempts + 1, claim_token=token)
        .returning(Outbox)
        # the rows as the statement left them, also where this session loaded one before
        .execution_options(synchronize_session=False, populate_existing=True)
    ).scalars().all()
    return sorted(won, key=lambda row: row.id)


def renew(*, session: Session, token: str, until: datetime, outbox_ids: list[int] | None = None) -> int:
    """A run still working: its claims (or those of `outbox_ids`) last until `until`. Returns how
    many it renewed. On PostgreSQL a row another transaction of the run holds locked (being
    posted or finished) is skipped, not waited for: the renewal never takes part in a deadlock,
    and that row is renewed next time if it is still claimed."""
    held = and_(Outbox.status == "sending", Outbox.claim_token == token)
    renewed = 0
    for batch in (_batches(outbox_ids) if outbox_ids is not None else [None]):
        where = held if batch is None else and_(held, Outbox.id.in_(batch))
        if session.get_bind().dialect.name == "postgresql":
            where = Outbox.id.in_(select(Outbox.id).where(where).with_for_update(skip_locked=True))
        renewed += session.execute(update(Outbox).where(where).values(lease_until=until)
                                   .execution_options(synchronize_session=False)).rowcount
    return renewed


def _held(outbox_ids: list[int], token: str | None):
    """Rows still claimed, by this token when one is given (tools and tests that hold no run's
    token act as whoever holds the claim)."""
    held = and_(Outbox.id.in_(outbox_ids), Outbox.status == "sending")
    return held if token is None else and_(held, Outbox.claim_token == token)


def finish(session: Session, outbox_ids: list[int], token: str | None, **values) -> int:
    """The outcome of claimed rows this token still holds; returns how many it changed."""
    changed = 0
    for batch in _batches(list(outbox_ids)):
        changed += session.execute(update(Outbox).where(_held(batch, token))
                                   .values(lease_until=None, claim_token=None, **values)
                                   .execution_options(synchronize_session=False)).rowcount
    return changed


def _finish(session: Session, outbox_id: int, token: str | None = None, **values) -> None:
    finish(session, [outbox_id], token, **values)


def mark_posting(*, session: Session, outbox_ids: list[int], now: datetime, token: str | None = None) -> list[int]:
    """Just before chat.postMessage: if the process dies now, whoever claims these next must
    first look in Slack for the message before posting again. Returns the ids still held (only
    those may be posted)."""
    marked = []
    for batch in _batches(list(outbox_ids)):
        marked += session.execute(update(Outbox).where(_held(batch, token)).values(posting_at=now)
                                  .returning(Outbox.id).execution_options(synchronize_session=False)).scalars().all()
    return marked


def mark_sent(*, session: Session, outbox_id: int, channel: str, ts: str, now: datetime, token: str | None = None) -> None:
    _finish(session, outbox_id, token, status="sent", channel=channel, ts=ts, sent_at=now, last_error=None, posting_at=None)


def mark_all_sent(*, session: Session, outbox_ids: list[int], channel: str, ts: str, now: datetime, token: str | None) -> int:
    """Several alerts carried by one message."""
    return finish(session, outbox_ids, token, status="sent", channel=channel, ts=ts, sent_at=now, last_error=None, posting_at=None)


def defer(*, session: Session, outbox_id: int, until: datetime, token: str | None = None) -> None:
    """Not now (quiet hours): back to pending without counting an attempt."""
    _finish(session, outbox_id, token, status="pending", next_attempt_at=until, attempts=Outbox.attempts - 1)


def defer_all(*, session: Session, outbox_ids: list[int], until: datetime, token: str | None) -> int:
    return finish(session, outbox_ids, token, status="pending", next_attempt_at=until, attempts=Outbox.attempts - 1)


def mark_retry(*, session: Session, outbox_id: int, at: datetime, error: str, token: str | None = None) -> None:
    _finish(session, outbox_id, token, status="pending", next_attempt_at=at, last_error=error[:500], posting_at=None)


def mark_failed(*, session: Session, outbox_id: int, error: str, token: str | None = None) -> None:
    _finish(session, outbox_id, token, status="failed", last_error=error[:500], posting_at=None)


def mark_skipped(*, session: Session, outbox_id: int, reason: str, token: str | None = None) -> None:
    _finish(session, outbox_id, token, status="skipped", last_error=reason[:500])


def get(*, session: Session, outbox_id: int) -> Outbox | None:
    return session.get(Outbox, outbox_id)


def release_claims(*, session: Session, token: str) -> int:
    """Hand back what the run holding `token` took and has not finished (a process stopping):
    pending again at once, the attempt not counted, so another replica takes them on its next
    tick instead of after the lease. `posting_at` stays: a post that may have reached Slack is
    looked for before it is posted again. Returns how many were released."""
    return session.execute(
        update(Outbox)
        .where(Outbox.status == "sending", Outbox.claim_token == token)
        .values(status="pending", lease_until=None, claim_token=None, attempts=Outbox.attempts - 1)
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass(frozen=True)
class Backlog:
    pending: int
    sending: int
    failed: int
    oldest_due: datetime | None  # the earliest next_attempt_at of the pending alerts already due


def backlog(*, session: Session, now: datetime) -> Backlog:
    """One aggregate query (served by ix_outbox_status_next) for the monitoring gauges."""
    due = case((and_(Outbox.status == "pending", Outbox.next_attempt_at <= now), Outbox.next_attempt_at))
    rows = session.execute(
        select(Outbox.status, func.count(), func.min(due, type_=UTCDateTime()))
        .where(Outbox.status.in_(("pending", "sending", "failed")))
        .group_by(Outbox.status)
    ).all()
    counts = {status: n for status, n, _ in rows}
    oldest = next((first for status, _, first in rows if status == "pending"), None)
    return Backlog(pending=counts.get("pending", 0), sending=counts.get("sending", 0), failed=counts.get("failed", 0),
                   oldest_due=oldest)


def queued_at(*, session: Session, outbox_ids: list[int]) -> dict[int, datetime]:
    """When each alert was queued (fell due), by id."""
    rows = session.execute(select(Outbox.id, Outbox.created_at).where(Outbox.id.in_(outbox_ids))).all()
    return {outbox_id: created for outbox_id, created in rows}


def failed(*, session: Session, limit: int) -> list[Outbox]:
    """The latest alerts Slack refused for good (/crm admin failures)."""
    return list(session.exec(select(Outbox).where(Outbox.status == "failed").order_by(Outbox.id.desc()).limit(limit)))


def superseded(*, session: Session, row: Outbox) -> bool:
    """A later alert of the same kind and subject was queued (this one need not be drawn)."""
    return session.exec(select(Outbox.id).where(Outbox.kind == row.kind, Outbox.subject == row.subject,
                                                Outbox.due_key > row.due_key).limit(1)).first() is not None
