"""Next actions nobody typed: the lifecycle's time limits and the cadence sweep.

Each carries an `origin` ("lifecycle:first_contact", "lifecycle:signing:42", "cadence", ...).
A customer never has two pending actions of one origin: checked here, and guaranteed by the
partial unique index uq_next_action_open_origin, so two replicas sweeping at once create one.
Each stores its `kind` (store/vocab.py "auto_action") and is shown as that label in the reader's
language (`title_in`); the stored title is the zh-CN label, for exports and anything older.
A kind whose title carries data (WITH_PARAMS: an instalment's deal and amount, a renewal's deal
and date) stores them in `params` too; handlers/words.action_text renders those in the reader's
language (catalog text, money by CLDR), and here they read as their stored zh-CN title.
A title a person typed has no kind and is shown as typed.
"""
from __future__ import annotations

from typing import Protocol

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store.models import PENDING_ACTION, ActionStatus, NextAction
from store.vocab import VOCAB, label

SYSTEM = "crm"  # created_by of actions the rules made


def title_for(kind: str) -> str:
    """The stored title of a rule's action: its zh-CN label (the reader sees `title_in`)."""
    return VOCAB["auto_action"][kind][0]


# kinds whose title is made of `params` (store/payment_jobs.py), not a fixed label
WITH_PARAMS = ("payment_due", "renewal")


class Titled(Protocol):
    """A next action, or a row read from one (store/reviews.py Overdue): its kind, stored title and
    the parameters of a kind in WITH_PARAMS."""
    kind: str | None
    title: str
    params: dict | None


def title_in(action: Titled, locale: str | None) -> str:
    """The action's title for a reader: a rule's in their language, a typed one as typed (unescaped)."""
    if action.kind and action.kind in VOCAB["auto_action"]:
        return label("auto_action", action.kind, locale)
    return action.title


def pending_with_origin(session: Session, customer_id: int, origin: str) -> NextAction | None:
    stmt = select(NextAction).where(NextAction.customer_id == customer_id, NextAction.origin == origin,
                                    NextAction.status.in_(PENDING_ACTION))
    return session.exec(stmt).first()


def open_once(
    session: Session, *, customer_id: int, owner_id: str, origin: str, kind: str, due_at: datetime,
    now: datetime, created_by: str = SYSTEM, title: str | None = None, params: dict | None = None,
) -> NextAction | None:
    """Create the action unless one of this origin is pending for the customer; None then. Its
    title is the kind's zh-CN label unless `title` is given (with the `params` it is made of)."""
    if pending_with_origin(session, customer_id, origin) is not None:
        return None
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(NextAction)
        .values(customer_id=customer_id, interaction_id=None, title=(title or title_for(kind))[:500], kind=kind, params=params, due_at=due_at,
                announce_at=due_at, owner_id=owner_id, created_by=created_by, status=ActionStatus.open.value,
                origin=origin, created_at=now, updated_at=now)
        .on_conflict_do_nothing()
        .returning(NextAction.id)
    )
    row = session.execute(stmt).first()
    return session.get(NextAction, row[0]) if row else None


def close_pending(session: Session, *, customer_id: int, origins: tuple[str, ...], by: str, now: datetime,
                  status: str = ActionStatus.done.value) -> int:
    """Mark the customer's pending actions of these origins done (or cancelled); how many."""
    done = status == ActionStatus.done.value
    result = session.execute(
        update(NextAction)
        .where(NextAction.customer_id == customer_id, NextAction.origin.in_(origins), NextAction.status.in_(PENDING_ACTION))
        .values(status=status, announce_at=None, updated_at=now, done_at=now if done else None, done_by=by if done else None)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def cancel_all_pending(session: Session, *, customer_id: int, now: datetime, reason: str) -> int:
    """Cancel every pending action of the customer (typed or rule-made), saying why; how many."""
    result = session.execute(
        update(NextAction)
        .where(NextAction.customer_id == customer_id, NextAction.status.in_(PENDING_ACTION))
        .values(status=ActionStatus.cancelled.value, announce_at=None, updated_at=now, close_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def pending_auto_ids(*, session: Session, customer_id: int) -> set[int]:
    """Ids of the customer's pending actions that a rule made (index on customer_id, status)."""
    stmt = select(NextAction.id).where(NextAction.customer_id == customer_id, NextAction.status.in_(PENDING_ACTION),
                                       NextAction.origin.is_not(None))
    return set(session.exec(stmt).all())


def new_auto_actions(*, session: Session, customer_id: int, before: set[int]) -> list[NextAction]:
    """The pending rule-made actions that were not there `before` (pending_auto_ids), soonest first."""
    ids = pending_auto_ids(session=session, customer_id=customer_id) - before
    if not ids:
        return []
    return list(session.exec(select(NextAction).where(NextAction.id.in_(sorted(ids))).order_by(NextAction.due_at, NextAction.id)))
