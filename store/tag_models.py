"""Tables of issue 17: the behaviour tags the rules compute (store/behaviour_tags.py), one row per customer
and tag; the passes that compute them; the reps' monthly maintenance summaries (store/reviews.py).

A row with `removed_at` set is a tag a person took off: the rules never put it back, nor delete it."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import ts_field


class ComputedTag(SQLModel, table=True):
    __tablename__ = "computed_tag"
    __table_args__ = (UniqueConstraint("customer_id", "code", name="uq_computed_tag"),
                      Index("ix_computed_tag_code", "code", "removed_at"))
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    code: str = Field(max_length=24)
    since: datetime = ts_field()
    removed_at: Optional[datetime] = ts_field(nullable=True)
    removed_by: Optional[str] = Field(default=None, max_length=32)


class TagPass(SQLModel, table=True):
    """One pass of the tag rules (store/tag_jobs.py): its unique (subject, due_key) is its claim, `marks`
    the highest interaction and stage-change ids it saw (the next touched pass's watermark)."""

    __tablename__ = "tag_pass"
    __table_args__ = (UniqueConstraint("subject", "due_key", name="uq_tag_pass"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    subject: str = Field(max_length=8)       # daily | touched
    due_key: str = Field(max_length=40)      # the team's local date, or the tick's minute
    marks: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = ts_field()


class MonthlySummary(SQLModel, table=True):
    """A rep's monthly maintenance summary (客户经理每月提交维护小结, store/reviews.py): one per rep and month."""

    __tablename__ = "monthly_summary"
    __table_args__ = (UniqueConstraint("rep_id", "month", name="uq_monthly_summary"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    rep_id: str = Field(max_length=32)
    month: str = Field(max_length=7, index=True)     # "2026-11": the month summarised
    success_case: str = Field(sa_column=Column(Text, nullable=False))
    problems: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    submitted_at: datetime = ts_field()
    updated_at: datetime = ts_field()
