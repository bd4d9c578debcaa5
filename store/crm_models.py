"""The customer lifecycle's tables: tags, stage history, contact history, audit log, needs, deals.

Imported by store.models (so `from store.models import Deal` works); this module imports no
other table module, so either can be imported first.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import Column, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import ts_field, utcnow


class CustomerTag(SQLModel, table=True):
    """A tag of one kind (free, need_stage, behaviour, personal) on one customer."""

    __tablename__ = "customer_tag"
    __table_args__ = (UniqueConstraint("customer_id", "kind", "name_norm", name="uq_customer_tag"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=16)
    name: str = Field(max_length=50)
    name_norm: str = Field(max_length=50, index=True)


class ImportedRow(SQLModel, table=True):
    """A row of a customer import, once written: its keyed digest (store.privacy.Cipher.row_digest of
    the cells it was read from, the columns they were under, the zone and the default owner) and the
    customer it made or completed. An import reading the same row again skips it
    (store/customer_import.py); a new key (store/key_rotation.py) clears them all."""

    __tablename__ = "imported_row"
    digest: str = Field(primary_key=True, max_length=32)
    customer_id: int = Field(foreign_key="customer.id")
    at: datetime = ts_field()


class StageChange(SQLModel, table=True):
    """Every change of a customer's stage or status: who, when, from, to and why."""

    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_customer_at", "customer_id", "at"), Index("ix_stage_change_at", "at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    at: datetime = ts_field()
    by: str = Field(max_length=32)
    from_stage: Optional[str] = Field(default=None, max_length=16)
    from_status: Optional[str] = Field(default=None, max_length=24)
    to_stage: str = Field(max_length=16)
    to_status: str = Field(max_length=24)
    reason: str = Field(default="", max_length=500)


class ContactChange(SQLModel, table=True):
    """A contact's title or decision role changing (a buyer promoted to director)."""

    __tablename__ = "contact_change"
    __table_args__ = (Index("ix_contact_change_contact_at", "contact_id", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    at: datetime = ts_field()
    by: str = Field(max_length=32)
    from_title: str = Field(default="", max_length=200)
    to_title: str = Field(default="", max_length=200)
    from_role: str = Field(max_length=16)
    to_role: str = Field(max_length=16)
    reason: str = Field(default="", max_length=500)


class AuditEntry(SQLModel, table=True):
    """One changed field of a customer, its stage, grade, owner, deals, needs or contacts.

    `old`/`new` are text as shown to people; phone numbers and emails only ever masked.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_customer_at", "customer_id", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = ts_field()
    by: str = Field(max_length=32)
    entity: str = Field(max_length=16)  # customer | deal | need | contact
    entity_id: int
    customer_id: int = Field(foreign_key="customer.id")
    field: str = Field(max_length=32)
    old: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    new: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))


class Need(SQLModel, table=True):
    __tablename__ = "need"
    __table_args__ = (Index("ix_need_customer_status", "customer_id", "status"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    interaction_id: Optional[int] = Field(default=None, foreign_key="interaction.id")
    kind: str = Field(default="current", max_length=16)  # current | potential
    description: str = Field(sa_column=Column(Text, nullable=False))
    priority: str = Field(default="medium", max_length=8)
    status: str = Field(default="not_started", max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = ts_field(default=utcnow)
    updated_at: datetime = ts_field(default=utcnow, onupdate=utcnow)


class Deal(SQLModel, table=True):
    __tablename__ = "deal"
    __table_args__ = (
        Index("ix_deal_customer_stage", "customer_id", "stage"),
        Index("ix_deal_owner_stage", "owner_id", "stage"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    title: str = Field(max_length=200)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(default="CNY", max_length=3)
    stage: str = Field(default="qualification", max_length=16)
    expected_close_on: Optional[date] = None
    owner_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    stage_changed_at: datetime = ts_field()
    closed_at: Optional[datetime] = ts_field(nullable=True)
    lost_reason: Optional[str] = Field(default=None, max_length=500)
    # filled when won
    contract_no: Optional[str] = Field(default=None, max_length=64)
    signed_on: Optional[date] = None
    payment_terms: Optional[str] = Field(default=None, max_length=500)
    service_start: Optional[date] = None
    service_end: Optional[date] = None
    renewal_on: Optional[date] = Field(default=None, index=True)
    # the renewal date whose "renewal" next action the scheduler made (store/payment_jobs.py)
    renewal_reminded_on: Optional[date] = None
    created_at: datetime = ts_field(default=utcnow)
    updated_at: datetime = ts_field(default=utcnow, onupdate=utcnow)
