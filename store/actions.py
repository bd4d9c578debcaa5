"""Next actions: what is due, and what the owner does about it."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, Integer, Row, Text, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, select

from store.errors import DomainError
from store.models import PENDING_ACTION, ActionStatus, Customer, NextAction
from store.types import as_stored
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


def mark_announced(*, session: Session, action: NextAction) -> None:
    """The action's alert is queued: clear announce_at, unless someone moved it since it was read."""
    session.execute(update(NextAction).where(NextAction.id == action.id, NextAction.announce_at == action.announce_at)
                    .values(announce_at=None))


def announcements_due(*, session: Session, now: datetime, limit: int = 2000) -> Sequence[Row[tuple[int, datetime, str, object]]]:
    """(id, due_at, owner_id, announce_at as stored) of pending actions whose announcement is
    due, oldest first, for the scheduler's sweep (index on status, announce_at). Plain rows
    through the session's connection, not the ORM (whose per-row loading cost twice the query
    at 10,000 rows); announce_at is left as the driver gives it, only to be handed back to
    mark_all_announced, so no datetime is made of it."""
    stmt = (
        select(NextAction.id, NextAction.due_at, NextAction.owner_id, as_stored(NextAction.announce_at))
        .where(NextAction.announce_at <= now, NextAction.status.in_(PENDING_ACTION))
        .order_by(NextAction.announce_at, NextAction.id)
        .limit(limit)
    )
    return session.connection().execute(stmt).all()


def mark_all_announced(*, session: Session, announced: list[tuple[int, object]]) -> None:
    """mark_announced for many (action id, announce_at as announcements_due read it) at once: a
    row is cleared only if its announce_at is still the one read (nobody moved it meanwhile).
    One UPDATE per 10,000 joined to the pairs passed as one parameter or two (PostgreSQL:
    unnest() of two arrays; SQLite: json_each() of a JSON list), found by id: a list of row
    values in the statement would be a scan of the table per statement."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(announced), 10_000):
        batch = announced[start:start + 10_000]
        if postgresql:
            ids, read = zip(*batch)
            pairs = func.unnest(bindparam("ids", list(ids), type_=ARRAY(Integer)),
                                bindparam("read", list(read), type_=ARRAY(DateTime(timezone=True)))).table_valued("id", "read").render_derived()
            aid, was = pairs.c.id, pairs.c.read
        else:
            pairs = func.json_each(bindparam("pairs", json.dumps(batch), type_=Text)).table_valued("value")
            aid, was = func.json_extract(pairs.c.value, "$[0]"), func.json_extract(pairs.c.value, "$[1]")
        session.execute(update(NextAction).where(NextAction.id == aid, as_stored(NextAction.announce_at) == was)
                        .values(announce_at=None).execution_options(synchronize_session=False))


def fetch_all(*, session: Session, model, ids: list[int]) -> list:
    """Rows of `model` by id, loaded into the session in a few IN queries (session.get then finds
    them without a query)."""
    found, unique = [], list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        found += session.exec(select(model).where(model.id.in_(unique[start:start + 500]))).all()
    return found
