"""The outbox: every alert is a row with a unique key, claimed before it is sent.

pending --claim--> sending --ok--> sent
                           --retryable error--> pending (next_attempt_at later)
                           --permanent error--> failed
                           --nothing left to say--> skipped
A claim is a compare-and-set on the row, so two replicas never hold the same alert; a claim
whose process died is taken over once its lease has run out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store.models import Outbox
from store.types import UTCDateTime

LEASE = timedelta(minutes=2)


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


def _claimable(now: datetime):
    return or_(
        and_(Outbox.status == "pending", Outbox.next_attempt_at <= now),
        and_(Outbox.status == "sending", Outbox.lease_until < now),
    )


def claim(*, session: Session, now: datetime, limit: int = 50) -> list[Outbox]:
    """Take up to `limit` due alerts for this process. Commit right after, before sending."""
    stmt = select(Outbox.id).where(_claimable(now)).order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    for outbox_id in session.exec(stmt).all():
        won = session.execute(
            update(Outbox)
            .where(Outbox.id == outbox_id, _claimable(now))
            .values(status="sending", lease_until=now + LEASE, attempts=Outbox.attempts + 1)
        ).rowcount
        if won:
            claimed.append(outbox_id)
    session.flush()
    if not claimed:
        return []
    session.expire_all()
    return list(session.exec(select(Outbox).where(Outbox.id.in_(claimed)).order_by(Outbox.id)))


def _finish(session: Session, outbox_id: int, **values) -> None:
    session.execute(update(Outbox).where(Outbox.id == outbox_id, Outbox.status == "sending").values(lease_until=None, **values))


def mark_posting(*, session: Session, outbox_ids: list[int], now: datetime) -> None:
    """Just before chat.postMessage: if the process dies now, whoever claims these next must
    first look in Slack for the message before posting again."""
    session.execute(update(Outbox).where(Outbox.id.in_(outbox_ids), Outbox.status == "sending").values(posting_at=now))


def mark_sent(*, session: Session, outbox_id: int, channel: str, ts: str, now: datetime) -> None:
    _finish(session, outbox_id, status="sent", channel=channel, ts=ts, sent_at=now, last_error=None, posting_at=None)


def defer(*, session: Session, outbox_id: int, until: datetime) -> None:
    """Not now (quiet hours): back to pending without counting an attempt."""
    _finish(session, outbox_id, status="pending", next_attempt_at=until, attempts=Outbox.attempts - 1)


def mark_retry(*, session: Session, outbox_id: int, at: datetime, error: str) -> None:
    _finish(session, outbox_id, status="pending", next_attempt_at=at, last_error=error[:500], posting_at=None)


def mark_failed(*, session: Session, outbox_id: int, error: str) -> None:
    _finish(session, outbox_id, status="failed", last_error=error[:500], posting_at=None)


def mark_skipped(*, session: Session, outbox_id: int, reason: str) -> None:
    _finish(session, outbox_id, status="skipped", last_error=reason[:500])


def get(*, session: Session, outbox_id: int) -> Outbox | None:
    return session.get(Outbox, outbox_id)


def release_claims(*, session: Session, claimed_at: datetime) -> int:
    """Hand back what `claim(now=claimed_at)` took and has not finished (a process stopping):
    pending again at once, the attempt not counted, so another replica takes them on its next
    tick instead of after the lease. `posting_at` stays: a post that may have reached Slack is
    looked for before it is posted again. Returns how many were released."""
    return session.execute(
        update(Outbox)
        .where(Outbox.status == "sending", Outbox.lease_until == claimed_at + LEASE)
        .values(status="pending", lease_until=None, attempts=Outbox.attempts - 1)
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
