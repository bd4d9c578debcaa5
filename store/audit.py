"""The audit log: every change to a customer, its stage, grade, owner, deals, needs and contacts."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, select

from store.crm_models import AuditEntry, ContactChange, StageChange


def as_text(value: object) -> str | None:
    """How a value is kept in the log: None stays None, dates ISO, decimals as written."""
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def record(
    session: Session, *, at: datetime, by: str, customer_id: int, field: str, old: object, new: object,
    entity: str = "customer", entity_id: int | None = None,
) -> AuditEntry | None:
    """One entry, unless nothing changed. `entity_id` defaults to the customer's id."""
    old_text, new_text = as_text(old), as_text(new)
    if old_text == new_text:
        return None
    entry = AuditEntry(at=at, by=by, entity=entity, entity_id=customer_id if entity_id is None else entity_id,
                       customer_id=customer_id, field=field, old=old_text, new=new_text)
    session.add(entry)
    return entry


def stamp(row, now: datetime) -> None:
    """updated_at = now, written even when it already held that value: otherwise the column's
    onupdate would put the wall clock there instead of the `now` the caller passed."""
    row.updated_at = now
    flag_modified(row, "updated_at")


def history(*, session: Session, customer_id: int, limit: int = 50) -> list[AuditEntry]:
    """A customer's entries, newest first (index on customer_id, at)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.customer_id == customer_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


def reasons(*, session: Session, customer_id: int, since: datetime) -> dict[datetime, str]:
    """Why the customer's stage or a contact's title/role changed, by the instant of the change
    (the audit entries of that change carry the same instant), from `since` on."""
    found: dict[datetime, str] = {}
    for table in (StageChange, ContactChange):
        stmt = select(table.at, table.reason).where(table.customer_id == customer_id, table.at >= since, table.reason != "")
        for at, reason in session.exec(stmt):
            if reason != "created":  # the creation's marker: "created" says it already
                found[at] = reason
    return found
