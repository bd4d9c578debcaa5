"""The values the CRM_* variables set (bot/settings.py parses them; the store's jobs take them):
plain frozen dataclasses importing nothing of SQL, so the settings load before the database layer.
Each is re-exported by the module whose rules it tunes (store.grading.Cadence, store.lifecycle.TimeLimits,
store.figures.Targets, store.health_rules.HealthWeights, store.payment_jobs.MoneyDays,
store.value_tiers.TierShares, store.tier_cadence.CareRule, store.cs_owners.CsOwners)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import timedelta

from store.sla import Calendar

GREEN, YELLOW, RED = "green", "yellow", "red"  # health bands (store/health_rules.py)


@dataclass(frozen=True)
class Cadence:
    A: timedelta | None = timedelta(weeks=1)
    B: timedelta | None = timedelta(weeks=2)
    C: timedelta | None = timedelta(days=30)
    ungraded: timedelta | None = None

    def periods(self) -> list[tuple[str | None, timedelta]]:
        pairs = [("A", self.A), ("B", self.B), ("C", self.C), (None, self.ungraded)]
        return [(grade, period) for grade, period in pairs if period is not None]


@dataclass(frozen=True)
class TimeLimits:
    first_contact_working_days: int = 1
    needs_research: timedelta = timedelta(weeks=2)
    signing: timedelta = timedelta(weeks=1)
    satisfaction_check: timedelta = timedelta(weeks=1)
    review_months: int = 3
    win_back_months: int = 1
    # The team's working calendar (bot/ passes CRM_BUSINESS_HOURS / _DAYS / CRM_HOLIDAYS): the
    # limits above fall on the owner's working days, in the owner's zone (store/workdays.py).
    calendar: Calendar = field(default_factory=Calendar)


@dataclass(frozen=True)
class Targets:
    """Percentages (NPS in points). `max` figures miss above, `min` figures below; None: no target."""

    high_value_churn_max: float | None = 5
    churn_max: float | None = 10
    nps_min: float | None = 80
    completion_min: float | None = 90
    sla_response_min: float | None = None
    sla_resolution_min: float | None = None
    logged_late_max: float | None = 10
    aov_growth_high_min: float | None = 12  # high-value customers' average order value growth a year (store/aov.py)


@dataclass(frozen=True)
class HealthWeights:
    """Weights (relative whole numbers; 0 turns a component off) and thresholds of the score.

    recency 25: following up at the grade's cadence is the team's own promise, and silence is the
        earliest and commonest sign of a relationship going cold; the heaviest weight.
    nps 20: the customer's own verdict; not the heaviest because responses are sparse and late.
    tickets 15: unsolved problems and broken SLA promises are what service-quality churn is made of.
    rfm 15: what the customer buys and how lately, against the other customers; commercial momentum.
    interactions 10: a falling rhythm of contact warns early, but small counts are noisy.
    actions 10: overdue promises to the customer; fully in our hands, so a moderate weight.
    renewal 5: a renewal close ahead marks when weak health turns into a loss; it flags timing more
        than health, so it only tips a borderline score.
    green_min 70 / yellow_min 40: green 70-100, yellow 40-69, red 0-39, as the issue sets them.
    recency_zero_cadences 3: three missed cadences (three weeks for an A customer) is no contact
        at all as far as the score is concerned.
    ungraded_cadence_days 30: an ungraded customer (or a grade whose cadence is off) is judged by
        the longest default cadence, grade C's month.
    nps_window_days 365: an answer older than a year says little about today.
    nps_trend_points 5: each point the latest answer moved since the one before moves the NPS
        component 5 points, so 8 -> 4 (40) reads 20, and 4 -> 8 (80) reads 100.
    ticket_window_days 90 / open_ticket_points 10 / breach_points 20: the issue's 90 days; a broken
        promise costs twice an open ticket, and five breaches (or ten open tickets) empty it.
    recent_days 30 / prior_days 90: the issue's "last 30 days against the 90 before".
    overdue_action_points 25: four overdue actions empty the component.
    renewal_days 60: the issue's "renewal within 60 days".
    rfm_min_customers 10: quintiles of fewer customers with won deals (two a quintile) rank noise, so
        below that the RFM component is left out.
    """

    recency: int = 25
    nps: int = 20
    tickets: int = 15
    rfm: int = 15
    interactions: int = 10
    actions: int = 10
    renewal: int = 5
    green_min: int = 70
    yellow_min: int = 40
    recency_zero_cadences: int = 3
    ungraded_cadence_days: int = 30
    nps_window_days: int = 365
    nps_trend_points: int = 5
    ticket_window_days: int = 90
    open_ticket_points: int = 10
    breach_points: int = 20
    recent_days: int = 30
    prior_days: int = 90
    overdue_action_points: int = 25
    renewal_days: int = 60
    rfm_min_customers: int = 10

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{f.name} must be a whole number >= 0, got {value!r}")
        if not 0 < self.yellow_min < self.green_min <= 100:
            raise ValueError("thresholds need 0 < yellow_min < green_min <= 100")
        if self.recency_zero_cadences < 2 or min(self.recent_days, self.prior_days, self.renewal_days) < 1:
            raise ValueError("recency_zero_cadences >= 2 and the day windows >= 1")
        if not any(self.weight(name) for name in ("recency", "tickets", "interactions", "actions")):
            raise ValueError("a component that is always there needs a weight")

    def weight(self, name: str) -> int:
        return getattr(self, name)

    def band(self, score: int) -> str:
        return GREEN if score >= self.green_min else YELLOW if score >= self.yellow_min else RED


@dataclass(frozen=True)
class MoneyDays:
    """CRM_MONEY_DAYS: whole days (see the module's docstring)."""

    ahead: int = 3       # an instalment's next action appears this many days before its due date
    escalate: int = 7    # days overdue before the owner's manager hears of it
    renewal: int = 60    # the intelligent CRM template's 续约提醒: days before a renewal date


@dataclass(frozen=True)
class TierShares:
    """Percent of each currency's customers, top down: high, then medium; low is the rest."""

    high: int = 20
    medium: int = 50

    def __post_init__(self) -> None:
        if self.high < 0 or self.medium < 0 or self.high + self.medium > 100:
            raise ValueError("high and medium are 0 or more and add up to at most 100")


@dataclass(frozen=True)
class CareRule:
    tier: str
    name: str                 # call | visit | touch
    ways: tuple[str, ...]     # empty: any way of contact
    days: int

    @property
    def origin(self) -> str:
        return f"care:{self.name}"

    @property
    def kind(self) -> str:
        """Its next actions' kind (store/vocab.py "auto_action"): the title each reader sees, in their language."""
        return f"care_{self.tier}_{self.name}"


CARE_RULES = (
    CareRule("high", "call", ("phone",), 30),
    CareRule("high", "visit", ("visit",), 91),
    CareRule("medium", "touch", (), 14),
    CareRule("low", "touch", (), 91),
)


def with_periods(periods: dict[tuple[str, str], int], rules: tuple[CareRule, ...] = CARE_RULES) -> tuple[CareRule, ...]:
    """The rules with these periods in days, by (tier, rule name); the rest keep theirs; 0 drops a rule.
    A (tier, name) that is not one of `rules` is a KeyError naming it."""
    known = {(r.tier, r.name) for r in rules}
    for key in periods:
        if key not in known:
            raise KeyError(key)
    return tuple(replace(r, days=periods.get((r.tier, r.name), r.days)) for r in rules
                 if periods.get((r.tier, r.name), r.days) > 0)


@dataclass(frozen=True)
class CsOwners:
    """CRM_CS_OWNER (store/cs_owners.py picks one for a customer)."""

    default: str | None = None                         # everyone's, or the rest's ("*")
    by_manager: tuple[tuple[str, str], ...] = ()       # (manager, customer-success owner), as configured
