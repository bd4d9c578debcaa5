"""The tables. Every datetime is aware UTC (UTCDateTime); users' zones live in SlackUser."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Column, Index, Numeric, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utcnow


def _ts(**kw: Any) -> Any:
    nullable = kw.pop("nullable", False)
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, **kw), **({"default": None} if nullable else {}))


class Way(str, enum.Enum):
    visit = "visit"
    phone = "phone"
    email = "email"
    meeting = "meeting"
    online_meeting = "online_meeting"
    other = "other"


class ActionStatus(str, enum.Enum):
    open = "open"
    snoozed = "snoozed"
    done = "done"
    cancelled = "cancelled"


# Next actions the scheduler still has to chase.
PENDING_ACTION = (ActionStatus.open.value, ActionStatus.snoozed.value)
_OPEN_ORIGIN = "origin IS NOT NULL AND status IN ('open', 'snoozed')"


class Stage(str, enum.Enum):
    lead = "lead"
    nurturing = "nurturing"
    converted = "converted"
    mature = "mature"
    churned = "churned"


class SlackUser(SQLModel, table=True):
    """What we know of a Slack user: zone and locale from users.info, cached."""

    __tablename__ = "slack_user"
    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    tz: Optional[str] = Field(default=None, max_length=64)
    locale: Optional[str] = Field(default=None, max_length=16)
    fetched_at: Optional[datetime] = _ts(nullable=True)
    role: str = Field(default="rep", max_length=16)  # rep | manager | admin
    manager_id: Optional[str] = Field(default=None, max_length=32, index=True)
    # "HH:MM-HH:MM" in the user's zone, "off", or None for the default
    quiet_hours: Optional[str] = Field(default=None, max_length=16)


class CodeCounter(SQLModel, table=True):
    """Per-month sequence behind customer codes (C + YYYYMM + nnn)."""

    __tablename__ = "code_counter"
    period: str = Field(primary_key=True, max_length=8)
    value: int = 0


def _trigram_ready(ddl, target, bind, **kw) -> bool:
    """create_all makes the trigram index on SQLite (a plain index there) and on PostgreSQL only
    where pg_trgm's operator class is visible; migration 0003 makes it with or without pg_trgm."""
    if bind.dialect.name != "postgresql":
        return True
    found = bind.exec_driver_sql("SELECT 1 FROM pg_opclass WHERE opcname = 'gin_trgm_ops' AND pg_opclass_is_visible(oid)")
    return found.first() is not None


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_owner_stage", "owner_id", "stage"),
        # the cadence sweep: per grade, customers untouched since a threshold
        Index("ix_customer_grade_last_interaction", "grade", "last_interaction_at"),
        # /crm find: a GIN trigram index on PostgreSQL when pg_trgm can be had (see 0003)
        Index("ix_customer_search_norm", "search_norm", postgresql_using="gin",
              postgresql_ops={"search_norm": "gin_trgm_ops"}).ddl_if(callable_=_trigram_ready),
        # /crm risk: yellow and red customers by score, everyone's or some owners' (store/health.py)
        Index("ix_customer_health_score", "health_score"),
        Index("ix_customer_owner_health", "owner_id", "health_score"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    name: str = Field(max_length=200)
    # casefolded, whitespace-collapsed name: what exact lookups and search use.
    name_norm: str = Field(max_length=200, index=True)
    company: str = Field(default="", max_length=200)
    industry: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    source: str = Field(default="", max_length=32)
    stage: str = Field(default=Stage.lead.value, max_length=16)
    grade: Optional[str] = Field(default=None, max_length=1)
    owner_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default=utcnow)
    updated_at: datetime = _ts(default=utcnow, onupdate=utcnow)
    # Lifecycle (store/lifecycle.py): a status of the stage, and since when the stage holds.
    status: str = Field(default="to_nurture", max_length=24)
    stage_changed_at: Optional[datetime] = _ts(nullable=True)
    # Profile (store/profile.py); codes from store/vocab.py.
    contact_title: str = Field(default="", max_length=200)  # the key contact's title
    staff_count: Optional[int] = None
    annual_revenue: Optional[Decimal] = Field(default=None, sa_column=Column(Numeric(18, 2), nullable=True))
    cultural_notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    value_tier: Optional[str] = Field(default=None, max_length=8)
    # "auto" when the nightly pass set value_tier from the yearly won amount (store/value_tiers.py),
    # "manual" when a person chose it (kept by the pass); NULL for a tier from before either.
    value_tier_source: Optional[str] = Field(default=None, max_length=8)
    need_type: Optional[str] = Field(default=None, max_length=24)
    # Phone and email: Fernet tokens, and keyed blind indexes to match them (store/privacy.py).
    phone_enc: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    phone_index: Optional[str] = Field(default=None, max_length=64, index=True)
    email_enc: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    email_index: Optional[str] = Field(default=None, max_length=64, index=True)
    # Grade by hand ("manual") or from BANT ("bant"); BANT levels strong | weak | none.
    grade_source: Optional[str] = Field(default=None, max_length=8)
    bant_budget: Optional[str] = Field(default=None, max_length=8)
    bant_authority: Optional[str] = Field(default=None, max_length=8)
    bant_need: Optional[str] = Field(default=None, max_length=8)
    bant_timeline: Optional[str] = Field(default=None, max_length=8)
    cs_owner_id: Optional[str] = Field(default=None, max_length=32, index=True)
    # Kept by log_interaction: the first and the latest interaction logged.
    first_contact_at: Optional[datetime] = _ts(nullable=True)
    last_interaction_at: Optional[datetime] = _ts(nullable=True, index=True)
    # What /crm find matches: name, company, code, industry and tags, normalised.
    search_norm: str = Field(default="", max_length=600)
    # Health (store/health.py), kept by recompute for converted and mature customers (NULL for the
    # others): the latest score 0-100, its band (green | yellow | red), and when the health_score
    # history row holding it, with its explanation, was written.
    health_score: Optional[int] = None
    health_band: Optional[str] = Field(default=None, max_length=8)
    health_at: Optional[datetime] = _ts(nullable=True)


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=200)
    created_at: datetime = _ts(default=utcnow)
    role: str = Field(default="contact", max_length=16)  # contact | decision_maker | influencer
    phone_enc: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    phone_index: Optional[str] = Field(default=None, max_length=64, index=True)
    email_enc: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    email_index: Optional[str] = Field(default=None, max_length=64, index=True)


class Interaction(SQLModel, table=True):
    __tablename__ = "interaction"
    __table_args__ = (
        Index("ix_interaction_customer_occurred", "customer_id", "occurred_on"),
        # digests: a rep's or team's interactions in a period, and everyone's by way of contact
        Index("ix_interaction_author_created", "author_id", "created_at"),
        Index("ix_interaction_created_way", "created_at", "way"),
        # figures count an interaction by the day it happened (store/figures_activity.py)
        Index("ix_interaction_author_occurred", "author_id", "occurred_on"),
        Index("ix_interaction_occurred_way", "occurred_on", "way"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    # The day it happened, in the author's zone: a date, not an instant.
    occurred_on: date
    way: str = Field(max_length=16)
    participants: str = Field(default="", max_length=500)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    feedback: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    author_id: str = Field(max_length=32, index=True)
    created_at: datetime = _ts(default=utcnow)
    # The day it was logged, in the author's zone (created_at's local date): logged late when this is
    # two or more days after occurred_on (store/figures_activity.py). None: not known (rows written
    # without the author's zone count as on time).
    logged_on: Optional[date] = None
    # How it went (store/behaviour_tags.OUTCOMES): reached | no_answer | replied | no_reply; None: not said.
    outcome: Optional[str] = Field(default=None, max_length=16)


class NextAction(SQLModel, table=True):
    __tablename__ = "next_action"
    __table_args__ = (
        Index("ix_next_action_customer_status", "customer_id", "status"),
        # digests: actions due / overdue per rep or team (status in the key: see store/figures_activity.py)
        Index("ix_next_action_owner_status_due", "owner_id", "status", "due_at"),
        Index("ix_next_action_status_due", "status", "due_at"),
        # the scheduler's due sweep (status IN pending AND announce_at <= now): SQLite without
        # statistics prefers an index led by status, so this one is led by status too
        Index("ix_next_action_status_announce", "status", "announce_at"),
        # an automatic action (origin set) is open at most once per customer and origin
        Index("uq_next_action_open_origin", "customer_id", "origin", unique=True,
              sqlite_where=text(_OPEN_ORIGIN), postgresql_where=text(_OPEN_ORIGIN)),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    interaction_id: Optional[int] = Field(default=None, foreign_key="interaction.id")
    title: str = Field(max_length=500)
    due_at: datetime = _ts()
    owner_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    status: str = Field(default=ActionStatus.open.value, max_length=16)
    # When the scheduler should next announce it; NULL once queued (or done/cancelled).
    # Kept apart from due_at so overdue actions are not rescanned every minute.
    announce_at: Optional[datetime] = _ts(nullable=True)  # indexed with status (ix_next_action_status_announce)
    done_at: Optional[datetime] = _ts(nullable=True)
    done_by: Optional[str] = Field(default=None, max_length=32)
    created_at: datetime = _ts(default=utcnow)
    updated_at: datetime = _ts(default=utcnow, onupdate=utcnow)
    # Who made it when nobody typed it: "lifecycle:first_contact", "cadence", ... (store/auto_actions.py)
    origin: Optional[str] = Field(default=None, max_length=48)
    # Why the bot closed it without anyone clicking: "churned" (store/lifecycle.py CLOSED_BY_CHURN)
    close_reason: Optional[str] = Field(default=None, max_length=32)
    # What a rule made it (store/vocab.py "auto_action"): shown as that label in the reader's
    # language; NULL for a title a person typed, shown as typed.
    kind: Optional[str] = Field(default=None, max_length=32)
    # What a rule's title is made of when it carries data (store/auto_actions.py WITH_PARAMS: the
    # deal, the instalment and its amount), rendered in the reader's language; NULL otherwise.
    params: Optional[dict] = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))


class Outbox(SQLModel, table=True):
    """Every alert the bot sends. (kind, subject, due_key) is unique: a second replica, a second
    sweep or a restart cannot queue it twice; a claim moves it pending -> sending -> sent."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("kind", "subject", "due_key", name="uq_outbox_key"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=64)
    due_key: str = Field(max_length=40)
    recipient: str = Field(max_length=32)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    lease_until: Optional[datetime] = _ts(nullable=True)
    # The claim that holds it (a fresh token per delivery run): every later update of a claimed
    # row checks it, so a run whose lease ran out cannot touch what another replica took over.
    claim_token: Optional[str] = Field(default=None, max_length=32)
    last_error: Optional[str] = Field(default=None, max_length=500)
    # Set just before chat.postMessage, cleared by the outcome: a claim that finds it set knows a
    # post may have reached Slack before its process died, and checks before posting again.
    posting_at: Optional[datetime] = _ts(nullable=True)
    channel: Optional[str] = Field(default=None, max_length=32)
    ts: Optional[str] = Field(default=None, max_length=32)
    sent_at: Optional[datetime] = _ts(nullable=True)
    created_at: datetime = _ts(default=utcnow)


class Role(str, enum.Enum):
    rep = "rep"
    manager = "manager"
    admin = "admin"


class TicketStatus(str, enum.Enum):
    new = "new"
    open = "open"
    pending = "pending"   # waiting on the customer: SLA clocks paused
    solved = "solved"
    closed = "closed"


OPEN_TICKET = (TicketStatus.new.value, TicketStatus.open.value, TicketStatus.pending.value)


class TicketType(str, enum.Enum):
    enquiry = "enquiry"
    complaint = "complaint"
    after_sales = "after_sales"
    request = "request"
    other = "other"


class SlaPolicy(SQLModel, table=True):
    """Targets per priority (P1-P4); defaults from the service templates: reply in 2 h, solve in 24 h."""

    __tablename__ = "sla_policy"
    priority: str = Field(primary_key=True, max_length=2)
    response_minutes: int
    resolution_minutes: int
    business: bool = True           # business hours (team calendar) or calendar hours
    warn_pct: int = 75              # warn the assignee when this share of a target is used
    escalate_after_minutes: int = 60  # after a breach, escalate again if nobody acted by then


class AdminChange(SQLModel, table=True):
    """A team setting an admin changed from Slack (`/crm admin sla`): who, when, what, from and to."""

    __tablename__ = "admin_change"
    __table_args__ = (Index("ix_admin_change_at", "at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = _ts()
    by: str = Field(max_length=32)
    setting: str = Field(max_length=32)   # e.g. "sla:P1"
    field: str = Field(max_length=32)     # e.g. "response_minutes"
    old: Optional[str] = Field(default=None, max_length=64)
    new: Optional[str] = Field(default=None, max_length=64)


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        Index("ix_ticket_created", "created_at"),
        Index("ix_ticket_customer_status", "customer_id", "status"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    customer_id: int = Field(foreign_key="customer.id")
    priority: str = Field(max_length=2)
    type: str = Field(max_length=16)
    description: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=TicketStatus.new.value, max_length=16)
    assignee_id: Optional[str] = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts()
    updated_at: datetime = _ts(default=utcnow, onupdate=utcnow)
    taken_at: Optional[datetime] = _ts(nullable=True)
    first_response_at: Optional[datetime] = _ts(nullable=True)
    pending_since: Optional[datetime] = _ts(nullable=True)
    solved_at: Optional[datetime] = _ts(nullable=True)
    closed_at: Optional[datetime] = _ts(nullable=True)
    # where it came from (message shortcut) and where its card is
    source_channel: Optional[str] = Field(default=None, max_length=32)
    source_ts: Optional[str] = Field(default=None, max_length=32)
    source_link: Optional[str] = Field(default=None, max_length=500)
    card_channel: Optional[str] = Field(default=None, max_length=32)
    card_ts: Optional[str] = Field(default=None, max_length=32)
    # SLA clocks (see store/sla_clock.py): targets fixed at creation from the policy
    sla_business: bool = True
    response_minutes: int
    resolution_minutes: int
    warn_pct: int = 75
    escalate_after_minutes: int = 60
    response_paused_minutes: int = 0
    resolution_paused_minutes: int = 0
    response_due_at: Optional[datetime] = _ts(nullable=True)
    resolution_due_at: Optional[datetime] = _ts(nullable=True)
    # the next instant the SLA sweep has something to do for this ticket (NULL: nothing)
    sla_next_at: Optional[datetime] = _ts(nullable=True, index=True)


class TicketEvent(SQLModel, table=True):
    """Every change to a ticket: who, when, what (taken, replied, pending, resumed, solved, ...)."""

    __tablename__ = "ticket_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = _ts()
    by: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    from_status: Optional[str] = Field(default=None, max_length=16)
    to_status: Optional[str] = Field(default=None, max_length=16)
    detail: str = Field(default="", max_length=500)


class NpsResponse(SQLModel, table=True):
    __tablename__ = "nps_response"
    __table_args__ = (
        Index("ix_nps_customer_responded", "customer_id", "responded_at"),
        Index("ix_nps_responded", "responded_at"),
        UniqueConstraint("source", "external_id", name="uq_nps_source_external"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id")
    score: int
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: str = Field(max_length=16)          # slack | csv | webhook
    external_id: Optional[str] = Field(default=None, max_length=100)  # dedupe key from the source
    responded_at: datetime = _ts()
    recorded_by: Optional[str] = Field(default=None, max_length=32)
    created_at: datetime = _ts(default=utcnow)


# The customer lifecycle's own tables live in store/crm_models.py; importable from here too.
from store.crm_models import AuditEntry, ContactChange, CustomerTag, Deal, ImportedRow, Need, StageChange  # noqa: E402,F401

# Health-score history, churn cases and win-back plans (store/health.py, store/winback.py).
from store.health_models import ChurnCase, HealthScore, RiskResponse, WinbackPlan  # noqa: E402,F401

# Channel digest subscriptions (store/digests.py).
from store.digest_models import DigestSubscription  # noqa: E402,F401

# Payment schedules and receipts of won deals (store/payments.py, store/receivables.py).
from store.money_models import Instalment, Receipt  # noqa: E402,F401
# Behaviour tags the rules computed (store/behaviour_tags.py), monthly maintenance summaries (store/reviews.py).
from store.tag_models import ComputedTag, MonthlySummary, TagPass  # noqa: E402,F401
