"""Who is asking, the database, the defaults and wake(): one typed object (Crm) put into Bolt's context.

Bolt runs a listener in a worker thread *after* ack() has answered Slack, that is after the
middleware chain has returned; a session opened by a middleware would be closed under it. So the
middleware hands over a session factory (`crm_of(context).db`, in the typed Crm) and each listener opens one
transaction where it needs one.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from handlers.delivery.kind import Kind
from handlers.hooks import Hooks
from store.cs_owners import CsOwners
from store.db import SessionFactory, locked, transaction
from store.figures import Targets
from store.grading import Cadence
from store.behaviour_tags import TagRules
from store.health import HealthWeights
from store.lifecycle import TimeLimits
from store.payment_jobs import MoneyDays
from store.tier_cadence import CARE_RULES, CareRule
from store.value_tiers import TierShares
from store.permissions import Viewer, viewer_for
from store.privacy import Cipher
from store.sla import Calendar
from store.types import utcnow
from store.users import get_user, save_user

log = logging.getLogger(__name__)
PROFILE_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class Defaults:
    """What holds for everyone unless a user or the team says otherwise."""

    tz: str
    locale: str
    quiet_hours: str = "21:00-08:00"
    admins: frozenset[str] = frozenset()
    calendar: Calendar = Calendar()
    visibility: str = "team"            # own | team | all: what reps read of others' customers
    cipher: Cipher | None = None        # phones and emails at rest (None: cannot store them)
    limits: TimeLimits = TimeLimits()   # lifecycle time limits
    cadence: Cadence = Cadence()        # follow-up cadence by grade
    targets: Targets = Targets()        # what a digest marks as missed
    health: HealthWeights = HealthWeights()  # health score weights and thresholds
    risk_drop: int = 15                 # points lost within a week that ping customer success
    cs_owner: CsOwners = CsOwners()     # customer-success owners for converted customers, by team (CRM_CS_OWNER)
    money: MoneyDays = MoneyDays()      # payment due / overdue / escalation and renewal days (CRM_MONEY_DAYS)
    tiers: TierShares = TierShares()    # value tiers' shares of customers (CRM_VALUE_TIERS)
    care: tuple[CareRule, ...] = CARE_RULES  # maintenance cadence by value tier (CRM_TIER_CADENCE)
    tags: TagRules = TagRules()         # behaviour tag thresholds (store/behaviour_tags.py)
    monthly_summary_at: time | None = time(9, 0)  # the monthly summary DMs' time on the first working day; None: off
    clock: Callable[[], datetime] = utcnow  # "now" for every listener; tests pass a fixed one
    kinds: Mapping[str, Kind] = field(default_factory=dict)  # every alert kind by name: bot/alerts.py fills it
    hooks: Hooks = field(default_factory=Hooks)              # what features lend each other: bot/hooks.py fills it


@dataclass(frozen=True)
class Profile:
    user_id: str
    tz: str
    locale: str
    name: str = ""
    fresh: bool = False  # known from users.info within PROFILE_TTL
    quiet_hours: str | None = None  # the user's own setting; None means the default
    known: bool = False  # the locale is the user's own (users.info, or the request Slack sent), not the team default

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.tz)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def cached_profile(*, session: Session, user_id: str, defaults: Defaults, now: datetime | None = None) -> Profile:
    """From the database only (a primary-key lookup): safe before views.open."""
    now = now or defaults.clock()
    user = get_user(session=session, user_id=user_id) if user_id else None
    if user is None:
        return Profile(user_id=user_id, tz=defaults.tz, locale=defaults.locale)
    fresh = user.fetched_at is not None and now - user.fetched_at < PROFILE_TTL
    return Profile(user_id=user_id, tz=user.tz or defaults.tz, locale=user.locale or defaults.locale, name=user.name, fresh=fresh,
                   quiet_hours=user.quiet_hours, known=bool(user.locale))


def fetch_profile(*, client: WebClient, db: SessionFactory, user_id: str, defaults: Defaults, now: datetime | None = None) -> Profile:
    """The cached profile, refreshed from users.info when missing or stale."""
    now = now or defaults.clock()
    with transaction(db) as session:
        profile = cached_profile(session=session, user_id=user_id, defaults=defaults, now=now)
    if profile.fresh or not user_id:
        return profile
    try:
        info = client.users_info(user=user_id, include_locale=True)["user"]
    except SlackApiError as e:
        log.warning("users.info %s failed: %s; using %s/%s", user_id, e.response.get("error"), profile.tz, profile.locale)
        return profile
    body = info.get("profile") or {}
    try:
        with transaction(db) as session:
            user = save_user(
                session=session,
                user_id=user_id,
                name=person_name(info),
                email=body.get("email") or "",
                tz=info.get("tz") or None,
                locale=info.get("locale") or None,
                now=now,
            )
    except OperationalError as e:  # SQLite's write lock held by another process (an import): a read goes on as cached
        if not locked(e):
            raise
        log.info("profile of %s not refreshed: the database is locked by another process", user_id)
        return profile
    return Profile(user_id=user_id, tz=user.tz or defaults.tz, locale=user.locale or defaults.locale, name=user.name, fresh=True,
                   quiet_hours=user.quiet_hours, known=bool(user.locale))


def person_name(info: dict) -> str:
    """How text names a person (not a <@mention>): their real name (钱浩), else the display name they
    chose, else the handle (qianhao) only when Slack has nothing else."""
    body = info.get("profile") or {}
    for value in (body.get("real_name"), info.get("real_name"), body.get("display_name"), info.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def name_of(*, client: WebClient, db: SessionFactory, user_id: str, defaults: Defaults, now: datetime | None = None) -> str:
    """A person's name for text that is not a <@mention>: users.info's, cached with the profile (12 h);
    the id when Slack will not say."""
    return fetch_profile(client=client, db=db, user_id=user_id, defaults=defaults, now=now).name or user_id


@dataclass(frozen=True)
class Crm:
    """What every listener gets through Bolt's context (make_context_middleware): the session
    factory, who is asking, the team's defaults (with the app's clock) and wake() (the scheduler's
    tick now, after an alert was queued). Listeners read it with crm_of(context)."""

    db: SessionFactory
    who: Profile
    defaults: Defaults
    wake: Callable[[], None]


CRM = "crm"  # the one key in Bolt's context


def crm_of(context: Mapping) -> Crm:
    return context[CRM]


def viewer_of(session: Session, context: Mapping) -> Viewer:
    """The caller as the store's permission rules see them (role, team, visibility setting)."""
    crm = crm_of(context)
    return viewer_for(session=session, user_id=crm.who.user_id, visibility=crm.defaults.visibility, admins=crm.defaults.admins)


def user_id_of(body: dict) -> str:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id", "")
    return body.get("user_id") or user or ""


def sent_locale(body: dict) -> str | None:
    """The locale Slack put in the request, where it does (`user.locale` of interactive payloads, a
    top-level `locale`); None otherwise (slash commands carry none)."""
    user = body.get("user")
    for value in ((user.get("locale") if isinstance(user, dict) else None), body.get("locale")):
        if isinstance(value, str) and 2 <= len(value) <= 16:
            return value
    return None


def reply_profile(*, client: WebClient, context: dict) -> Profile:
    """Who is asking, in their own language before the first reply: the cached profile, else (a
    user never seen, whose request carried no locale) users.info now, after the ack, and the
    context's profile replaced by it."""
    crm = crm_of(context)
    if crm.who.known or not crm.who.user_id:
        return crm.who
    fresh = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults)
    context[CRM] = replace(crm, who=fresh)
    return fresh


def make_context_middleware(db: SessionFactory, defaults: Defaults, wake: Callable[[], None]):
    def crm_context(context, body, next):
        with transaction(db) as session:
            who = cached_profile(session=session, user_id=user_id_of(body), defaults=defaults)
        locale = None if who.known else sent_locale(body)
        if locale:
            who = replace(who, locale=locale, known=True)
        context[CRM] = Crm(db=db, who=who, defaults=defaults, wake=wake)
        next()

    return crm_context
