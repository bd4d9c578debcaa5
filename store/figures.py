"""The figures the report templates ask for (issue #5), defined once, each for a period and a scope
(one rep, the team of a manager, or everyone), with the previous period's value beside it.

Every figure is one or a few SQL aggregates (COUNT/SUM/CASE/GROUP BY, window functions, and for
the median percentile_cont on PostgreSQL or ORDER BY/LIMIT/OFFSET on SQLite); no query loads the
rows it counts. Periods are half-open [start, end) of aware UTC instants (store.figures_base.Period,
with the local day/week/month of a zone). Definitions, in full, where each is computed:

    store.figures_activity   interactions by the day they happened (by way of contact), logged late, next actions due / done on
                             time / done late / still open, completion rate, overdue now, deals
                             won per currency, repurchase rate, per_rep
    store.figures_lifecycle  new leads, funnel conversion (lead -> nurturing -> converted), churn
                             rate (overall and high value), retention, average days in each stage,
                             sales cycle
    store.figures_sla        SLA response / resolution compliance, median first-response time,
                             sla_breaches
    store.figures_lists      stale_customers, deals_moved, detractors
    store.nps                NPS (nps_stats: % promoters - % detractors of responses in the period)

Who a figure counts for: work (interactions, next actions) for the person who did it (author,
action owner); deals won and moved for the deal's owner; everything about customers (new leads,
stages, churn, repurchase, NPS, tickets) for the customer's current owner.

Targets (the templates' defaults, passed in) are checked on the period's exact values, not the
rounded percentages; a figure with nothing to judge (None) misses nothing. `Figures.misses` names
the figures that miss: "completion_rate", "churn_rate", "high_value_churn_rate", "nps",
"sla_response", "sla_resolution", "logged_late".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from store.figures_activity import (ActionCounts, RepLine, Won, action_counts, deals_won, interaction_counts, logged_late,
                                    overdue_now, per_rep, repurchase_rate)
from store.figures_base import Page, Period, Rate, Scope, Trend, percent
from store.figures_lifecycle import lifecycle_figures, stage_times
from store.figures_lists import DealMove, Detractor, StaleCustomer, deals_moved, detractors, stale_customers
from store.figures_sla import SlaBreach, sla_breaches, sla_figures
from store.nps import NpsStats, nps_stats
from store.sla import Calendar
from store.tuning import Targets

__all__ = [
    "ActionCounts", "Calendar", "DealMove", "Detractor", "Figures", "Page", "Period", "Rate", "RepLine", "Scope", "SlaBreach",
    "StaleCustomer", "Targets", "Trend", "Won", "deals_moved", "detractors", "figures", "per_rep", "percent", "rep_misses_late", "sla_breaches",
    "stale_customers",
]


@dataclass(frozen=True)
class Figures:
    period: Period
    previous_period: Period
    owner_ids: frozenset[str] | None  # None: everyone
    new_leads: Trend[int]
    interactions: Trend[int]
    interactions_by_way: dict[str, Trend[int]]
    logged_late: Trend[Rate]
    actions: Trend[ActionCounts]
    completion_rate: Trend[Rate]
    overdue_now: int
    lead_to_nurturing: Trend[Rate]
    nurturing_to_converted: Trend[Rate]
    lead_to_converted: Trend[Rate]
    days_in_stage: dict[str, Trend[float | None]]
    sales_cycle_days: Trend[float | None]
    deals_won: Trend[dict[str, Won]]
    repurchase_rate: Trend[Rate]
    churn_rate: Trend[Rate]
    high_value_churn_rate: Trend[Rate]
    retention_rate: Trend[Rate]
    nps: Trend[NpsStats]
    sla_response: Trend[Rate]
    sla_resolution: Trend[Rate]
    median_first_response: Trend[timedelta | None]
    misses: list[str]


def _nps_misses(stats: NpsStats, minimum: float) -> bool:
    """Exactly: (promoters - detractors) * 100 / responses < minimum."""
    return bool(stats.responses) and Decimal((stats.promoters - stats.detractors) * 100) < Decimal(str(minimum)) * stats.responses


def misses(f: Figures, targets: Targets) -> list[str]:
    checks = [
        ("completion_rate", targets.completion_min, lambda t: f.completion_rate.value.below(t)),
        ("churn_rate", targets.churn_max, lambda t: f.churn_rate.value.above(t)),
        ("high_value_churn_rate", targets.high_value_churn_max, lambda t: f.high_value_churn_rate.value.above(t)),
        ("nps", targets.nps_min, lambda t: _nps_misses(f.nps.value, t)),
        ("sla_response", targets.sla_response_min, lambda t: f.sla_response.value.below(t)),
        ("sla_resolution", targets.sla_resolution_min, lambda t: f.sla_resolution.value.below(t)),
        ("logged_late", targets.logged_late_max, lambda t: f.logged_late.value.above(t)),
    ]
    return [name for name, target, missed in checks if target is not None and missed(target)]


def rep_misses_late(line: RepLine, targets: Targets) -> bool:
    """A rep's share of interactions logged late is above the target."""
    return targets.logged_late_max is not None and line.late_rate.above(targets.logged_late_max)


def _nps(session: Session, scope: Scope, p: Period) -> NpsStats:
    by = {"rep": {"owner_id": scope.user_id}, "team": {"manager_id": scope.user_id}}.get(scope.kind, {})
    return nps_stats(session=session, start=p.start, end=p.end, **by)


def figures(*, session: Session, period: Period, scope: Scope, now: datetime, targets: Targets = Targets(),
            calendar: Calendar = Calendar()) -> Figures:
    """Every figure for the period and the one before it (`period.previous()`). `calendar` is the
    team's business calendar the SLA clocks of business-hours tickets run on."""
    previous = period.previous()
    ids = scope.owner_ids(session)
    common = {"session": session, "period": period, "previous": previous, "owner_ids": ids}
    by_way = interaction_counts(**common)
    actions = action_counts(**common, now=now)
    life = lifecycle_figures(**common)
    times = stage_times(**common)
    sla = sla_figures(**common, now=now, calendar=calendar)
    result = Figures(
        period=period, previous_period=previous, owner_ids=ids,
        new_leads=life.new_leads,
        interactions=Trend(sum(t.value for t in by_way.values()), sum(t.previous for t in by_way.values())),
        interactions_by_way=by_way,
        logged_late=logged_late(**common),
        actions=actions,
        completion_rate=Trend(actions.value.completion, actions.previous.completion),
        overdue_now=overdue_now(session=session, owner_ids=ids, now=now),
        lead_to_nurturing=life.lead_to_nurturing, nurturing_to_converted=life.nurturing_to_converted,
        lead_to_converted=life.lead_to_converted,
        days_in_stage=times.days_in_stage, sales_cycle_days=times.sales_cycle_days,
        deals_won=deals_won(**common), repurchase_rate=repurchase_rate(**common),
        churn_rate=life.churn_rate, high_value_churn_rate=life.high_value_churn_rate, retention_rate=life.retention_rate,
        nps=Trend(_nps(session, scope, period), _nps(session, scope, previous)),
        sla_response=sla.response, sla_resolution=sla.resolution, median_first_response=sla.median_first_response,
        misses=[],
    )
    result.misses.extend(misses(result, targets))
    return result
