"""Customer health: a score 0-100 for each converted or mature customer, its band and its reasons.

Seven components, each worth 0-100 points, weighted by HealthWeights (defaults in brackets):
    recency       days d since the last interaction logged (since creation when none) against the
                  cadence c of the customer's grade (store.grading.Cadence): 100 while d <= c,
                  falling evenly to 0 at d = k*c (k = 3): 100 * (k*c - d) / ((k - 1) * c)
    nps           the latest response s (of the last 365 days) and the one before it p:
                  10*s + 5*(s - p), within 0-100; 10*s when there is no earlier one
    tickets       100 - 10 per open ticket - 20 per SLA clock breached on tickets opened in the
                  last 90 days (store.sla's rule on the team's calendar), at least 0
    interactions  those of the last 30 days n against the 90 days before (m), per 30 days:
                  100 * n / (m / 3), at most 100; 100 when only the last 30 days have any, 0 when
                  neither has
    actions       100 - 25 per overdue next action (open or snoozed, due before now), at least 0
    renewal       the nearest renewal_on of a won deal within the next 60 days, t days away:
                  100 * t / 60; 100 when its won deals renew later (or renewed already); left
                  out for a customer without a won deal with a renewal date (nothing to judge)
    rfm           store.rfm.SEGMENT_POINTS of the customer's RFM segment, once at least 10
                  active customers have won deals
A component with nothing to judge (no NPS response, no won deal with a renewal date, too few
customers for RFM) is left out and the others share its weight. Each component's points are rounded half up to a whole
number; the score is their weighted mean, rounded half up. Bands: green 70-100, yellow 40-69,
red 0-39. Day counts (interaction days, renewal days) are from `now`'s UTC date; "since" is the instant
(ISO 8601, UTC) of the last contact, which the reader shows as a date in their own zone.

Each component is a dict {"name", "weight", "points" (None: left out), "code", "params"}, computed
and stored alike; its code and parameters explain it, e.g. ("recency_late", {"days": 40,
"cadence_days": 14, "since": "2026-10-07"}), and the Slack side phrases them (CODES lists every
code). A number that grows with time also gives the date it counts from ("since", "oldest_on",
"on"), so a reader can show today's figure from an older row. The reasons of a score are its
components by the points they cost it, weight * (100 - points) / total weight, most first.

The rest of customer health (gathering the facts in bulk, storing scores with their history,
the changes that ping customer success, the customers at risk) is SQL, in store/health.py.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from store.grading import Cadence
from store.rfm import SEGMENT_POINTS, segment_of
from store.tuning import GREEN, RED, YELLOW, HealthWeights

BANDS = (GREEN, YELLOW, RED)
COMPONENTS = ("recency", "nps", "tickets", "interactions", "actions", "renewal", "rfm")
CODES = (
    "recency_ok", "recency_late", "recency_never",
    "nps_none", "nps_first", "nps_up", "nps_down", "nps_same",
    "tickets_none", "tickets",
    "interactions_up", "interactions_down", "interactions_steady", "interactions_new", "interactions_none",
    "actions_none", "actions_overdue",
    "renewal_none", "renewal_soon", "renewal_nothing",
    "rfm", "rfm_none",
)
DAY = timedelta(days=1)


class Facts(NamedTuple):
    """What the score is made from, for one customer (gathered in bulk by `gather`)."""

    grade: str | None
    last_contact_at: datetime          # the latest interaction logged, or the customer's creation if none
    contacted: bool = True             # False: no interaction logged ever
    nps: tuple[int, ...] = ()          # the latest response's score first, at most two
    open_tickets: int = 0
    breaches: int = 0
    recent_interactions: int = 0
    prior_interactions: int = 0
    overdue_actions: int = 0
    oldest_overdue_at: datetime | None = None
    renewal_on: date | None = None
    rfm: tuple[int, int, int] | None = None  # R, F, M
    renews: bool = False               # a won deal has a renewal date (any): renewal has something to judge


class Health(NamedTuple):
    score: int
    band: str
    components: tuple[dict, ...]  # in COMPONENTS order
    rfm_cell: str | None = None
    segment: str | None = None

    def reasons(self, n: int = 3) -> list[tuple[str, dict]]:
        return reasons_of(self.components, n)


def reason(component: dict) -> tuple[str, dict]:
    return component["code"], component["params"]


def reasons_of(components, n: int = 3) -> list[tuple[str, dict]]:
    """The n components that cost the score most points, most first; none that cost nothing."""
    costs = [(c["weight"] * (100 - c["points"]), i, c) for i, c in enumerate(components)
             if c["points"] is not None and c["weight"] and c["points"] < 100]
    return [reason(c) for _, _, c in sorted(costs, key=lambda t: (-t[0], t[1]))[:n]]


def _half_up(num: int, den: int) -> int:
    """num / den rounded half up, for num >= 0 and den > 0, in whole numbers (no float error)."""
    return (2 * num + den) // (2 * den)


def _clamp(points: int) -> int:
    return 0 if points < 0 else 100 if points > 100 else points


def _part(name: str, weight: int, points: int | None, code: str, params: dict) -> dict:
    return {"name": name, "weight": weight, "points": points, "code": code, "params": params}


def cadence_days(grade: str | None, cadence: Cadence, weights: HealthWeights) -> int:
    period = {"A": cadence.A, "B": cadence.B, "C": cadence.C}.get(grade or "", cadence.ungraded)
    return weights.ungraded_cadence_days if period is None else max(1, period // DAY)


_CELLS = {(r, f, m): (f"{r}-{f}-{m}", segment_of(r, f, m)) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}


class _Rules:
    """The scoring arithmetic with what does not change within a run worked out once."""

    def __init__(self, now: datetime, w: HealthWeights, cadence: Cadence) -> None:
        self.now, self.today, self.w, self.periods = now, now.date(), w, cadence
        self.cadence = {grade: cadence_days(grade, cadence, w) for grade in ("A", "B", "C", None)}

    def recency(self, f: Facts) -> dict:
        w = self.w
        c = self.cadence[f.grade] if f.grade in self.cadence else cadence_days(f.grade, self.periods, w)
        k, days = w.recency_zero_cadences, max(0, (self.now - f.last_contact_at) // DAY)
        points = 100 if days <= c else 0 if days >= k * c else _half_up(100 * (k * c - days), (k - 1) * c)
        code = "recency_never" if not f.contacted else "recency_ok" if days <= c else "recency_late"
        return _part("recency", w.recency, points, code,
                     {"days": days, "cadence_days": c, "since": f.last_contact_at.isoformat()})

    def nps(self, f: Facts) -> dict:
        w = self.w
        if not f.nps:
            return _part("nps", w.nps, None, "nps_none", {})
        score = f.nps[0]
        if len(f.nps) == 1:
            return _part("nps", w.nps, 10 * score, "nps_first", {"score": score})
        previous = f.nps[1]
        code = "nps_up" if score > previous else "nps_down" if score < previous else "nps_same"
        return _part("nps", w.nps, _clamp(10 * score + w.nps_trend_points * (score - previous)), code,
                     {"score": score, "previous": previous})

    def tickets(self, f: Facts) -> dict:
        w = self.w
        points = _clamp(100 - w.open_ticket_points * f.open_tickets - w.breach_points * f.breaches)
        return _part("tickets", w.tickets, points, "tickets" if f.open_tickets or f.breaches else "tickets_none",
                     {"open": f.open_tickets, "breaches": f.breaches, "days": w.ticket_window_days})

    def interactions(self, f: Facts) -> dict:
        w, n, m = self.w, f.recent_interactions, f.prior_interactions
        params = {"count": n, "usual": round(m * w.recent_days / w.prior_days, 1), "days": w.recent_days}
        if m == 0:
            return _part("interactions", w.interactions, 100 if n else 0, "interactions_new" if n else "interactions_none", params)
        now_rate, usual_rate = n * w.prior_days, m * w.recent_days  # both per recent_days * prior_days
        code = "interactions_up" if now_rate > usual_rate else "interactions_down" if now_rate < usual_rate else "interactions_steady"
        return _part("interactions", w.interactions, min(100, _half_up(100 * now_rate, usual_rate)), code, params)

    def actions(self, f: Facts) -> dict:
        w = self.w
        if not f.overdue_actions:
            return _part("actions", w.actions, 100, "actions_none", {})
        oldest = f.oldest_overdue_at or self.now
        return _part("actions", w.actions, _clamp(100 - w.overdue_action_points * f.overdue_actions), "actions_overdue",
                     {"count": f.overdue_actions, "oldest_days": max(0, (self.now - oldest) // DAY),
                      "oldest_on": oldest.date().isoformat()})

    def renewal(self, f: Facts) -> dict:
        w = self.w
        if f.renewal_on is None and not f.renews:
            return _part("renewal", w.renewal, None, "renewal_nothing", {})
        days = None if f.renewal_on is None else (f.renewal_on - self.today).days
        if days is None or not 0 <= days <= w.renewal_days:
            return _part("renewal", w.renewal, 100, "renewal_none", {"days": w.renewal_days})
        return _part("renewal", w.renewal, _half_up(100 * days, w.renewal_days), "renewal_soon",
                     {"days": days, "on": f.renewal_on.isoformat()})

    def rfm(self, f: Facts) -> dict:
        if f.rfm is None:
            return _part("rfm", self.w.rfm, None, "rfm_none", {})
        cell, segment = _CELLS[f.rfm]
        return _part("rfm", self.w.rfm, SEGMENT_POINTS[segment], "rfm", {"cell": cell, "segment": segment})

    def score(self, f: Facts) -> Health:
        parts = (self.recency(f), self.nps(f), self.tickets(f), self.interactions(f), self.actions(f), self.renewal(f), self.rfm(f))
        total = weighted = 0
        for part in parts:
            if part["points"] is not None:
                total += part["weight"]
                weighted += part["weight"] * part["points"]
        score = _half_up(weighted, total)
        cell, segment = _CELLS[f.rfm] if f.rfm else (None, None)
        return Health(score, self.w.band(score), parts, cell, segment)


def score_of(facts: Facts, *, now: datetime, weights: HealthWeights = HealthWeights(), cadence: Cadence = Cadence()) -> Health:
    """The health of one customer from its facts: plain arithmetic, no database."""
    return _Rules(now, weights, cadence).score(facts)
