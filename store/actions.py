"""Next actions: what is due, and what the owner does about it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from store.errors import DomainError
from store.models import PENDING_ACTION, ActionStatus, Customer, NextAction
from store.db import get_for_update


def get_action(*, session: Session, action_id: int) -> NextAction | None:
    return session.get(NextAction, action_id)


def to_announce(*, session: Session, now: datetime, limit: int = 500) -> list[NextAction]:
    """Pending actions whose announcement is due (index on announce_at)."""
    stmt = (
        select(NextAction)
        .where(NextAction.announce_at <= now, NextAction.status.in_(PENDING_ACTION))
        .order_by(NextAction.announce_at, NextAction.id)
        .limit(limit)
    )
    return list(session.exec(stmt))


def open_actions_for_customer(*, session: Session, customer_id: int) -> list[NextAction]:
    stmt = (
        select(NextAction)
        .where(NextAction.customer_id == customer_id, NextAction.status.in_(PENDING_ACTION))
        .order_by(NextAction.due_at)
    )
    return list(session.exec(stmt))


def _pending(session: Session, action_id: int, user_id: str) -> NextAction:
    action = get_for_update(session, NextAction, action_id)
    if action is None:
        raise DomainError("err_action_missing")
    if action.status not in PENDING_ACTION:
        raise DomainError("err_action_closed", status=action.status, why=action.close_reason or "")
    refuse_stranger(action, user_id)
    return action


def refuse_stranger(action: NextAction, user_id: str) -> None:
    """Only the action's owner and whoever set it may close or move it; the refusal names them."""
    if user_id in (action.owner_id, action.created_by):
        return
    if action.created_by in (None, "", action.owner_id):
        raise DomainError("err_not_your_action", owner=action.owner_id)
    raise DomainError("err_not_your_action_by", owner=action.owner_id, creator=action.created_by)


def complete(*, session: Session, action_id: int, user_id: str, now: datetime) -> NextAction:
    action = _pending(session, action_id, user_id)
    action.status = ActionStatus.done.value
    action.done_at = now
    action.done_by = user_id
    action.announce_at = None
    action.updated_at = now
    session.add(action)
    session.flush()
    return action


def reschedule(*, session: Session, action_id: int, user_id: str, due_at: datetime, now: datetime, snooze: bool) -> NextAction:
    """Move the due time; the scheduler announces it again then."""
    action = _pending(session, action_id, user_id)  # who may, before what they asked for
    if due_at <= now:
        raise DomainError("err_due_past", field="due")
    action.due_at = due_at
    action.announce_at = due_at
    action.status = (ActionStatus.snoozed if snooze else ActionStatus.open).value
    action.updated_at = now
    session.add(action)
    session.flush()
    return action


def action_with_customer(*, session: Session, action_id: int) -> tuple[NextAction, Customer] | None:
    row = session.exec(
        select(NextAction, Customer).join(Customer, Customer.id == NextAction.customer_id).where(NextAction.id == action_id)
    ).first()
    return (row[0], row[1]) if row else None


def claim_announcements(*, session: Session, now: datetime, limit: int = 10_000) -> list[tuple[int, datetime, str]]:
    """Take up to `limit` pending actions whose announcement is due, oldest first, clearing their
    announce_at in the same statement: (id, due_at, owner_id) of each, by due time then id. Queue
    their alerts in the same transaction (a rollback puts announce_at back).

    One `UPDATE ... WHERE id IN (the due ones, oldest first, LIMIT) RETURNING` (index on status,
    announce_at): nothing is read first that could be moved before it is marked, and no read value
    travels back. On PostgreSQL the inner select skips rows another transaction holds (`FOR UPDATE
    SKIP LOCKED`): a second replica's sweep takes other rows, and an action its owner is moving
    right now is left to that move (found again next sweep if it is still due). On SQLite the
    statement writes from its start, so two processes' sweeps run one after the other. Plain rows
    through the session's connection, not the ORM (whose per-row loading cost twice the query)."""
    due = (select(NextAction.id).where(NextAction.announce_at <= now, NextAction.status.in_(PENDING_ACTION))
           .order_by(NextAction.announce_at, NextAction.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    stmt = (update(NextAction).where(NextAction.id.in_(due.scalar_subquery())).values(announce_at=None)
            .returning(NextAction.id, NextAction.due_at, NextAction.owner_id))
    rows = session.connection().execute(stmt).all()
    return sorted(((aid, due_at, owner) for aid, due_at, owner in rows), key=lambda row: (row[1], row[0]))


def fetch_all(*, session: Session, model, ids: list[int]) -> list:
    """Rows of `model` by id, loaded into the session in a few IN queries (session.get then finds
    them without a query)."""
    found, unique = [], list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        found += session.exec(select(model).where(model.id.in_(unique[start:start + 500]))).all()
    return found
