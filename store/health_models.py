"""Tables of customer health (store/health.py) and of churn and win-back (store/winback.py).

Imported by store.models (so `from store.models import HealthScore` works); this module imports
no other table module, so either can be imported first.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from store.types import ts_field


class HealthScore(SQLModel, table=True):
    """One customer's health from `computed_at` until its next row: a row is written only when the
    score or band changed (store/health.py). `components` explains it: one entry per component, in
    a fixed order, {"name", "weight", "points" (0-100, None when there is nothing to judge), "code",
    "params"}. `previous_*` is what the customer had before this row: `changes` reads a turn to
    red or a drop from the row itself."""

    __tablename__ = "health_score"
    __table_args__ = (
        Index("ix_health_score_customer_at", "customer_id", "computed_at"),
        Index("ix_health_score_computed_at", "computed_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    computed_at: datetime = ts_field()
    score: int
    band: str = Field(max_length=8)
    previous_score: Optional[int] = None
    previous_band: Optional[str] = Field(default=None, max_length=8)
    components: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rfm_cell: Optional[str] = Field(default=None, max_length=5)   # "5-4-3": recency-frequency-monetary
    segment: Optional[str] = Field(default=None, max_length=24)  # store/rfm.py SEGMENTS


class ChurnCase(SQLModel, table=True):
    """A customer marked churned: the main reason, whether it can be won back, what we learnt."""

    __tablename__ = "churn_case"
    __table_args__ = (
        Index("ix_churn_case_customer_at", "customer_id", "at"),
        Index("ix_churn_case_at", "at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    at: datetime = ts_field()
    by: str = Field(max_length=32)
    reason: str = Field(max_length=32)  # store/winback.py REASONS
    recoverable: bool
    lessons: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class WinbackPlan(SQLModel, table=True):
    """How a recoverable churned customer is to be won back, by whom and by when; `outcome` is
    one of the churned stage's statuses once the plan is closed."""

    __tablename__ = "winback_plan"
    __table_args__ = (
        Index("ix_winback_plan_owner_outcome", "owner_id", "outcome"),
        Index("ix_winback_plan_closed_at", "closed_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    churn_case_id: int = Field(foreign_key="churn_case.id", unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner_id: str = Field(max_length=32)
    actions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # sorted codes
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    deadline: datetime = ts_field()
    created_at: datetime = ts_field()
    created_by: str = Field(max_length=32)
    outcome: Optional[str] = Field(default=None, max_length=24)
    closed_at: Optional[datetime] = ts_field(nullable=True)
    closed_by: Optional[str] = Field(default=None, max_length=32)


class RiskResponse(SQLModel, table=True):
    """What customer success answered to a churn-risk ping, kept: `snooze` (no ping until `until`),
    `not_at_risk` (with the reason; no ping until the score falls below `score`), `winback`
    (a plan was started from the ping)."""

    __tablename__ = "risk_response"
    __table_args__ = (Index("ix_risk_response_customer_at", "customer_id", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=16)
    by: str = Field(max_length=32)
    at: datetime = ts_field()
    until: Optional[datetime] = ts_field(nullable=True)
    score: Optional[int] = None          # the score when answered
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
