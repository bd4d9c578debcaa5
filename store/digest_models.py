"""The table of channel digest subscriptions (store/digests.py). Imported by store.models."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import ts_field


class DigestSubscription(SQLModel, table=True):
    """A channel that gets a team's (or everyone's) figures every day, week or month at a local time.

    `team_of` is the manager whose team it covers ("" for everyone). `next_due_at` is the next
    sending instant in UTC: the scheduler queues the digest of the period just ended through the
    outbox (kind "digest", unique per subscription and period) and moves `next_due_at` on with a
    compare-and-set, so replicas queue it once."""

    __tablename__ = "digest_subscription"
    __table_args__ = (
        UniqueConstraint("channel_id", "cadence", "team_of", name="uq_digest_channel_cadence_team"),
        Index("ix_digest_next_due", "next_due_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    channel_id: str = Field(max_length=32)
    cadence: str = Field(max_length=8)        # daily | weekly | monthly
    team_of: str = Field(default="", max_length=32)
    at_time: str = Field(default="09:00", max_length=5)   # HH:MM in `tz`
    tz: str = Field(max_length=64)
    locale: str = Field(max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = ts_field()
    next_due_at: datetime = ts_field()
