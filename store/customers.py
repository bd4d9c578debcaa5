"""Customers: codes, exact lookups, search, creation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.models import CodeCounter, Customer
from store.text import NAME_MAX, clean_line, normalise_name, require
from store.types import utcnow


def next_code(*, session: Session, now: datetime) -> str:
    """C + YYYYMM + a sequence of at least three digits, e.g. C202611001.

    The counter row is updated in the caller's transaction, so two replicas serialise on it
    (PostgreSQL row lock, SQLite's single writer) and never hand out the same code.
    """
    period = now.strftime("%Y%m")
    for _ in range(3):
        bumped = session.execute(
            update(CodeCounter).where(CodeCounter.period == period).values(value=CodeCounter.value + 1)
        )
        if bumped.rowcount:
            value = session.execute(select(CodeCounter.value).where(CodeCounter.period == period)).scalar_one()
            return f"C{period}{value:03d}"
        try:
            with session.begin_nested():
                session.add(CodeCounter(period=period, value=1))
            return f"C{period}001"
        except IntegrityError:  # another writer created the month's row first: bump it instead
            continue
    raise RuntimeError("could not allocate a customer code")


def get_customer(*, session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id)


def find_exact(*, session: Session, text: str) -> Customer | None:
    """A customer whose code or whole name is `text` (indexed lookups only)."""
    key = normalise_name(text)
    if not key:
        return None
    if key.startswith("c") and key[1:].isdigit():
        found = session.exec(select(Customer).where(Customer.code == key.upper())).first()
        if found:
            return found
    return session.exec(select(Customer).where(Customer.name_norm == key).order_by(Customer.id)).first()


def search_customers(*, session: Session, query: str, limit: int = 20) -> list[Customer]:
    """Name or code containing the words, names starting with them first."""
    key = normalise_name(query)
    if not key:
        stmt = select(Customer).order_by(Customer.updated_at.desc()).limit(limit)
        return list(session.exec(stmt))
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    starts = Customer.name_norm.like(f"{escaped}%", escape="\\")
    stmt = (
        select(Customer)
        .where(or_(Customer.name_norm.like(f"%{escaped}%", escape="\\"), func.lower(Customer.code).like(f"{escaped}%", escape="\\")))
        .order_by(starts.desc(), func.length(Customer.name_norm), Customer.id)
        .limit(limit)
    )
    return list(session.exec(stmt))


def create_customer(*, session: Session, name: str, owner_id: str, created_by: str, now: datetime | None = None, **fields: str) -> Customer:
    name = require(clean_line(name), field="customer", limit=NAME_MAX)
    now = now or utcnow()
    customer = Customer(
        code=next_code(session=session, now=now),
        name=name,
        name_norm=normalise_name(name),
        owner_id=owner_id,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        **{k: clean_line(v) for k, v in fields.items()},
    )
    session.add(customer)
    session.flush()
    return customer
