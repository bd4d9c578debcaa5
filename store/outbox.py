"""The outbox: every alert is a row with a unique key, claimed before it is sent.

pending --claim--> sending --ok--> sent
                           --retryable error--> pending (next_attempt_at later)
                           --permanent error--> failed
                           --nothing left to say--> skipped
A claim is a compare-and-set on the row, so two replicas never hold the same alert; a claim
whose process died is taken over once its lease has run out.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store.models import Outbox

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


def failed(*, session: Session, limit: int) -> list[Outbox]:
    """The latest alerts Slack refused for good (/crm admin failures)."""
    return list(session.exec(select(Outbox).where(Outbox.status == "failed").order_by(Outbox.id.desc()).limit(limit)))


def superseded(*, session: Session, row: Outbox) -> bool:
    """A later alert of the same kind and subject was queued (this one need not be drawn)."""
    return session.exec(select(Outbox.id).where(Outbox.kind == row.kind, Outbox.subject == row.subject,
                                                Outbox.due_key > row.due_key).limit(1)).first() is not None
