"""A customer's needs: current or potential, priority, status, and the interaction they came up in."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case
from sqlmodel import Session, select

from store import audit
from store.crm_models import Need
from store.errors import Checker, DomainError
from store.models import Customer, Interaction
from store.permissions import Viewer, can_edit, require
from store.text import clean
from store.text import require as require_text
from store.vocab import codes
from store.db import get_for_update

DESCRIPTION_MAX = 1000
OPEN_NEED = ("not_started", "in_progress")


def _check(c: Checker, *, kind: str | None = None, priority: str | None = None, status: str | None = None) -> None:
    for field, value, vocabulary in (("kind", kind, "need_kind"), ("priority", priority, "priority"),
                                     ("status", status, "need_status")):
        if value is not None and value not in codes(vocabulary):
            c.fail(f"err_need_{field}", field=field, value=value)


def _customer(session: Session, viewer: Viewer, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    return customer


def add_need(*, session: Session, viewer: Viewer, customer_id: int, description: str, now: datetime,
             kind: str = "current", priority: str = "medium", status: str = "not_started",
             interaction_id: int | None = None) -> Need:
    c = Checker()
    description = c.check(require_text, clean(description), field="description", limit=DESCRIPTION_MAX)
    _check(c, kind=kind, priority=priority, status=status)
    c.done()
    customer = _customer(session, viewer, customer_id)
    if interaction_id is not None:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None or interaction.customer_id != customer.id:
            raise DomainError("err_interaction", field="interaction")
    need = Need(customer_id=customer.id, interaction_id=interaction_id, kind=kind, description=description,
                priority=priority, status=status, created_by=viewer.id, created_at=now, updated_at=now)
    session.add(need)
    session.flush()
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="need", entity_id=need.id,
                 field="created", old=None, new=description)
    session.flush()
    return need


def update_need(*, session: Session, viewer: Viewer, need_id: int, now: datetime, status: str | None = None,
                priority: str | None = None, kind: str | None = None, description: str | None = None) -> Need:
    c = Checker()
    _check(c, kind=kind, priority=priority, status=status)
    if description is not None:
        description = c.check(require_text, clean(description), field="description", limit=DESCRIPTION_MAX)
    c.done()
    need = get_for_update(session, Need, need_id)
    if need is None:
        raise DomainError("err_unknown_need")
    _customer(session, viewer, need.customer_id)
    for field, value in (("status", status), ("priority", priority), ("kind", kind), ("description", description)):
        if value is not None:
            audit.record(session, at=now, by=viewer.id, customer_id=need.customer_id, entity="need", entity_id=need.id,
                         field=field, old=getattr(need, field), new=value)
            setattr(need, field, value)
    audit.stamp(need, now)
    session.add(need)
    session.flush()
    return need


def needs_of(*, session: Session, customer_id: int, open_only: bool = False) -> list[Need]:
    """High priority first, then the oldest; with open_only, not_started and in_progress only."""
    rank = case({"high": 0, "medium": 1, "low": 2}, value=Need.priority, else_=3)
    stmt = select(Need).where(Need.customer_id == customer_id)
    if open_only:
        stmt = stmt.where(Need.status.in_(OPEN_NEED))
    return list(session.exec(stmt.order_by(rank, Need.created_at, Need.id)))
