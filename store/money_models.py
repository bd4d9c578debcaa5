"""Money after signing: a won deal's payment schedule (instalments) and what was received against
each (receipts, partial payments allowed). store/payments.py writes them; store/receivables.py
counts them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utcnow


def _ts(*, nullable: bool = False, **kw):
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, **kw), **({"default": None} if nullable else {}))


class Instalment(SQLModel, table=True):
    """One instalment of a won deal: `seq` 1..n, amount and currency, the day it is due, and what has
    been received (`received`, the sum of its receipts; `paid_on` the day it was received in full).
    The three stamps say what the scheduler did: the owner's next action, the owner's overdue
    alert, the manager's."""

    __tablename__ = "instalment"
    __table_args__ = (
        UniqueConstraint("deal_id", "seq", name="uq_instalment_deal_seq"),
        Index("ix_instalment_open_due", "paid_on", "due_on"),
        Index("ix_instalment_customer", "customer_id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id")
    customer_id: int = Field(foreign_key="customer.id")
    seq: int
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    due_on: date
    received: Decimal = Field(default=Decimal("0.00"), sa_column=Column(Numeric(18, 2), nullable=False, default=0))
    paid_on: Optional[date] = None
    action_at: Optional[datetime] = _ts(nullable=True)
    overdue_at: Optional[datetime] = _ts(nullable=True)
    escalated_at: Optional[datetime] = _ts(nullable=True)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default=utcnow)
    updated_at: datetime = _ts(default=utcnow, onupdate=utcnow)


class Receipt(SQLModel, table=True):
    """Money received against an instalment, on a day (the customer's payment, as the rep records it)."""

    __tablename__ = "instalment_receipt"
    __table_args__ = (Index("ix_receipt_received_on", "received_on"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    instalment_id: int = Field(foreign_key="instalment.id", index=True)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    received_on: date
    by: str = Field(max_length=32)
    at: datetime = _ts()
