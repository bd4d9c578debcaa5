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
                  100 * t / 60; 100 when none
    rfm           store.rfm.SEGMENT_POINTS of the customer's RFM segment, once at least 10
                  active customers have won deals
A component with nothing to judge (no NPS response, no won deal, too few customers for RFM) is
left out and the others share its weight. Each component's points are rounded half up to a whole
number; the score is their weighted mean, rounded half up. Bands: green 70-100, yellow 40-69,
red 0-39. Dates (interaction days, renewal days) are `now`'s UTC date.

Each component is a dict {"name", "weight", "points" (None: left out), "code", "params"}, computed
and stored alike; its code and parameters explain it, e.g. ("recency_late", {"days": 40,
"cadence_days": 14, "since": "2026-10-07"}), and the Slack side phrases them (CODES lists every
code). A number that grows with time also gives the date it counts from ("since", "oldest_on",
"on"), so a reader can show today's figure from an older row. The reasons of a score are its
components by the points they cost it, weight * (100 - points) / total weight, most first.

History (table health_score): `recompute` writes a row for a customer only when its score or band
differs from the one stored, and then copies score, band and time onto the customer (health_score,
health_band, health_at: the score holds since then). Not daily as well: a customer row is costly to
rewrite (twelve indexes, one of them GIN; 100,000 of them take 4-5 s on PostgreSQL even in one
statement), history would grow by a row per customer a day, and `changes` only needs the points
where a score moved, since a score holds until its next row. Customers no longer converted or
mature lose their stored score.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, insert, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from store.crm_models import Deal
from store.grading import Cadence
from store.models import OPEN_TICKET, PENDING_ACTION, Customer, HealthScore, Interaction, NextAction, NpsResponse, Ticket
from store.rfm import ACTIVE_STAGES, SEGMENT_POINTS, WON, rfm_scores, segment_of
from store.sla import Calendar, deadline_after, working_window  # store.sla's own business-time arithmetic

GREEN, YELLOW, RED = "green", "yellow", "red"
BANDS = (GREEN, YELLOW, RED)
COMPONENTS = ("recency", "nps", "tickets", "interactions", "actions", "renewal", "rfm")
CODES = (
    "recency_ok", "recency_late", "recency_never",
    "nps_none", "nps_first", "nps_up", "nps_down", "nps_same",
    "tickets_none", "tickets",
    "interactions_up", "interactions_down", "interactions_steady", "interactions_new", "interactions_none",
    "actions_none", "actions_overdue",
    "renewal_none", "renewal_soon",
    "rfm", "rfm_none",
)
DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)
# Above this many ids a partial recompute reads every active customer and keeps the ones asked for.
_IN_LIMIT = 5000
_CHUNK = 10_000  # customers scored and written at a time, so their objects do not pile up


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
        if not any(self.weight(name) for name in ("recency", "tickets", "interactions", "actions", "renewal")):
            raise ValueError("a component that is always there needs a weight")

    def weight(self, name: str) -> int:
        return getattr(self, name)

    def band(self, score: int) -> str:
        return GREEN if score >= self.green_min else YELLOW if score >= self.yellow_min else RED


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
                     {"days": days, "cadence_days": c, "since": f.last_contact_at.date().isoformat()})

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


# -- the facts, in bulk -----------------------------------------------------------------------

Stored = tuple[int | None, str | None]  # the customer's health_score and health_band


def _scoped(stmt, customer_id, ids: list[int] | None):
    """Rows of every customer (the caller keeps the active ones), or of `ids`."""
    return stmt if ids is None else stmt.where(customer_id.in_(ids))


class WorkingTime:
    """The calendar's working windows over a run of days (store.sla.working_window's, as UTC pairs), so a
    business deadline is found by bisection instead of store.sla's day-by-day walk. Outside those
    days store.sla does the walking."""

    def __init__(self, cal: Calendar, first: date, last: date) -> None:
        self.cal = cal
        self.since = datetime.combine(first, time(0), tzinfo=ZoneInfo(cal.tz))
        days = (first + timedelta(days=i) for i in range((last - first).days + 1))
        self.windows = [w for day in days if (w := working_window(cal, day)) is not None]
        self.closes = [closes for _, closes in self.windows]

    def add(self, start: datetime, span: timedelta) -> datetime:
        """What store.sla's business deadline gives: the earliest instant `span` of working time after start."""
        if not span or start < self.since:
            return deadline_after(self.cal, start, span, True)
        i = bisect_right(self.closes, start)  # the first window closing after start
        for opens, closes in self.windows[i:]:
            at = max(start, opens)
            if span <= closes - at:
                return at + span
            span, start = span - (closes - at), closes
        return deadline_after(self.cal, start, span, True)

    def breached(self, *, started_at: datetime, end: datetime, target_minutes: int, paused_minutes: int,
                 business: bool) -> bool:
        """store.sla.state(...) == "breached" for a clock that ran from started_at to `end` (its stop, the
        start of its pause, or now), without counting every day up to `end`: it is over once its counted
        time passes target + paused minutes, i.e. once `end` passes the first counted instant after they
        are used up. Business time never runs faster than the wall clock, which settles most clocks."""
        span = timedelta(minutes=target_minutes + paused_minutes)
        if end - started_at <= span:
            return False
        if not business:
            return True
        return end > self.add(self.add(started_at, span), _TICK) - _TICK


def _tickets_by_customer(session: Session, now: datetime, w: HealthWeights, cal: Calendar, ids) -> dict[int, tuple[int, int]]:
    """(open tickets, breached clocks of tickets opened in the window) per customer. A ticket's clocks
    are ticket_sla.clocks'; one closed without a reply or a solution stops them when it was closed."""
    since = now - timedelta(days=w.ticket_window_days)
    stmt = _scoped(select(Ticket.customer_id, Ticket.status, Ticket.created_at, Ticket.sla_business, Ticket.pending_since,
                          Ticket.response_minutes, Ticket.response_paused_minutes,
                          func.coalesce(Ticket.first_response_at, Ticket.closed_at),
                          Ticket.resolution_minutes, Ticket.resolution_paused_minutes,
                          func.coalesce(Ticket.solved_at, Ticket.closed_at))
                   .where(Ticket.created_at <= now, or_(Ticket.status.in_(OPEN_TICKET), Ticket.created_at >= since)),
                   Ticket.customer_id, ids)
    rows = session.execute(stmt).all()
    zone = ZoneInfo(cal.tz)
    first = min((row[2] for row in rows), default=now).astimezone(zone).date() - DAY
    working = WorkingTime(cal, first, now.astimezone(zone).date() + timedelta(days=7))
    out: dict[int, tuple[int, int]] = {}
    for cid, status, created, business, pending, *clocks in rows:
        breaches = 0
        if created >= since:
            for target, paused, stopped in (clocks[:3], clocks[3:]):
                end = stopped if stopped is not None else min(now, pending) if pending is not None else now
                breaches += working.breached(started_at=created, end=end, target_minutes=target, paused_minutes=paused,
                                             business=business)
        opened, before = out.get(cid, (0, 0))
        out[cid] = (opened + (status in OPEN_TICKET), before + breaches)
    return out


def _gather(session: Session, now: datetime, w: HealthWeights, cal: Calendar,
            customer_ids: Collection[int] | None) -> dict[int, tuple[Facts, Stored]]:
    """Every fact of every active customer (or of those asked for): seven queries, whatever the count."""
    wanted = None if customer_ids is None else set(customer_ids)
    ids = None if wanted is None or len(wanted) > _IN_LIMIT else sorted(wanted)
    today = now.date()
    customers = select(Customer.id, Customer.grade, func.coalesce(Customer.last_interaction_at, Customer.created_at),
                       Customer.last_interaction_at.is_not(None), Customer.health_score, Customer.health_band,
                       ).where(Customer.stage.in_(ACTIVE_STAGES))
    if ids is not None:
        customers = customers.where(Customer.id.in_(ids))
    base = {row[0]: row[1:] for row in session.execute(customers) if wanted is None or row[0] in wanted}

    recent_from = today - timedelta(days=w.recent_days)  # the last 30 days: occurred_on > recent_from
    counts = _scoped(select(Interaction.customer_id, func.sum(case((Interaction.occurred_on > recent_from, 1), else_=0)),
                            func.sum(case((Interaction.occurred_on <= recent_from, 1), else_=0)))
                     .where(Interaction.occurred_on > recent_from - timedelta(days=w.prior_days),
                            Interaction.occurred_on <= today + DAY)  # a zone ahead of UTC may already be on tomorrow
                     .group_by(Interaction.customer_id), Interaction.customer_id, ids)
    interactions = {cid: (int(n or 0), int(m or 0)) for cid, n, m in session.execute(counts)}

    responses = _scoped(select(NpsResponse.customer_id, NpsResponse.score)
                        .where(NpsResponse.responded_at > now - timedelta(days=w.nps_window_days), NpsResponse.responded_at <= now)
                        .order_by(NpsResponse.customer_id, NpsResponse.responded_at.desc(), NpsResponse.id.desc()),
                        NpsResponse.customer_id, ids)
    nps: dict[int, tuple[int, ...]] = {}
    for cid, score in session.execute(responses):
        got = nps.get(cid, ())
        if len(got) < 2:
            nps[cid] = got + (score,)

    overdue = _scoped(select(NextAction.customer_id, func.count(NextAction.id), func.min(NextAction.due_at))
                      .where(NextAction.status.in_(PENDING_ACTION), NextAction.due_at < now)
                      .group_by(NextAction.customer_id), NextAction.customer_id, ids)
    actions = {cid: (n, oldest) for cid, n, oldest in session.execute(overdue)}

    renewals = _scoped(select(Deal.customer_id, func.min(Deal.renewal_on))
                       .where(Deal.stage == WON, Deal.renewal_on >= today, Deal.renewal_on <= today + timedelta(days=w.renewal_days))
                       .group_by(Deal.customer_id), Deal.customer_id, ids)
    renewal = dict(session.execute(renewals).all())
    tickets = _tickets_by_customer(session, now, w, cal, ids)
    cells = rfm_scores(session=session)  # quintiles need them all, asked for or not
    if len(cells) < w.rfm_min_customers:
        cells = {}

    out = {}
    for cid, (grade, contact_at, contacted, score, band) in base.items():
        (opened, breaches), (recent, prior) = tickets.get(cid, (0, 0)), interactions.get(cid, (0, 0))
        count, oldest = actions.get(cid, (0, None))
        out[cid] = (Facts(grade, contact_at, bool(contacted), nps.get(cid, ()), opened, breaches, recent, prior, count, oldest,
                          renewal.get(cid), cells.get(cid)), (score, band))
    return out


def gather(*, session: Session, now: datetime, weights: HealthWeights = HealthWeights(), calendar: Calendar | None = None,
           customer_ids: Collection[int] | None = None) -> dict[int, Facts]:
    """The facts of every active customer (or of those of `customer_ids` that are active)."""
    return {cid: facts for cid, (facts, _) in _gather(session, now, weights, calendar or Calendar(), customer_ids).items()}


# -- recompute and store ----------------------------------------------------------------------

@dataclass(frozen=True)
class RecomputeReport:
    computed: int                 # active customers scored
    written: int                  # customers whose score or band changed: a history row each
    cleared: int                  # customers no longer active whose stored score was removed
    bands: dict[str, int]         # computed customers per band


def recompute(*, session: Session, now: datetime, weights: HealthWeights = HealthWeights(), cadence: Cadence = Cadence(),
              customer_ids: Collection[int] | None = None, calendar: Calendar | None = None) -> RecomputeReport:
    """Score every active customer (or those of `customer_ids`) at `now` and store the scores that
    changed: a history row each, and the customer's columns. Safe to run again. Writes go through
    Core statements: ORM objects the session already holds are not refreshed. Run it on one
    replica at a time (the job's claim), or two may write the same change twice."""
    gathered = list(_gather(session, now, weights, calendar or Calendar(), customer_ids).items())
    rules, table = _Rules(now, weights, cadence), Customer.__table__
    keep = dict(updated_at=table.c.updated_at)  # not an edit of the customer: updated_at stays
    written, bands, changed = 0, dict.fromkeys(BANDS, 0), {}
    for start in range(0, len(gathered), _CHUNK):
        rows = []
        for cid, (facts, (old_score, old_band)) in gathered[start:start + _CHUNK]:
            health = rules.score(facts)
            bands[health.band] += 1
            if (health.score, health.band) == (old_score, old_band):
                continue
            rows.append({"customer_id": cid, "computed_at": now, "score": health.score, "band": health.band,
                         "previous_score": old_score, "previous_band": old_band, "components": health.components,
                         "rfm_cell": health.rfm_cell, "segment": health.segment})
            changed.setdefault((health.score, health.band), []).append(cid)
        if rows:
            session.execute(insert(HealthScore.__table__), rows)
        written += len(rows)
    for (score, band), ids in changed.items():  # one statement a score (a hundred at most), not one a customer
        for start in range(0, len(ids), _IN_LIMIT):
            session.execute(update(table).where(table.c.id.in_(ids[start:start + _IN_LIMIT]))
                            .values(health_score=score, health_band=band, health_at=now, **keep))
    clear = (update(table).where(table.c.health_score.is_not(None), table.c.stage.not_in(ACTIVE_STAGES))
             .values(health_score=None, health_band=None, health_at=None, **keep))
    if customer_ids is not None and len(set(customer_ids)) <= _IN_LIMIT:
        clear = clear.where(table.c.id.in_(sorted(set(customer_ids))))
    cleared = session.execute(clear).rowcount
    return RecomputeReport(computed=len(gathered), written=written, cleared=cleared, bands=bands)


def history(*, session: Session, customer_id: int, limit: int = 30) -> list[HealthScore]:
    """A customer's stored scores, newest first (index on customer_id, computed_at)."""
    stmt = (select(HealthScore).where(HealthScore.customer_id == customer_id)
            .order_by(HealthScore.computed_at.desc(), HealthScore.id.desc()).limit(limit))
    return list(session.exec(stmt))


# -- what the Slack side reads ----------------------------------------------------------------

def _components(session: Session, row_ids: list[int]) -> dict[int, list]:
    """The stored components of these history rows, by row id."""
    out = {}
    for start in range(0, len(row_ids), _IN_LIMIT):
        chunk = row_ids[start:start + _IN_LIMIT]
        out.update(session.execute(select(HealthScore.id, HealthScore.components).where(HealthScore.id.in_(chunk))).all())
    return out


@dataclass(frozen=True)
class HealthChange:
    customer_id: int
    code: str
    name: str
    owner_id: str
    at: datetime                  # when the row showing the change was written
    score: int
    band: str
    previous_score: int | None
    previous_band: str | None
    turned_red: bool
    drop: int | None              # points below the week's highest score, when at least drop_points
    week_high: int | None
    reasons: list[tuple[str, dict]]


def changes(*, session: Session, since: datetime, drop_points: int, week: timedelta = timedelta(days=7)) -> list[HealthChange]:
    """Active customers whose rows written at or after `since` show a turn to red (from another band
    or from no score) or a fall to at least `drop_points` below the highest score of the week before
    that row (the rows of those 7 days, and the score just before it), while it still holds: the
    customer still red, or no higher than after the fall. One per customer: its latest row since
    `since` that turned red or fell, with its reasons (the three components that cost the score
    most); `turned_red` if any of them turned red, `drop` if that row's fall is big enough.
    Lowest scores first."""
    h = HealthScore
    turned = and_(h.band == RED, or_(h.previous_band.is_(None), h.previous_band != RED))
    fell = h.score < h.previous_score
    stmt = (select(h.id, h.customer_id, h.computed_at, h.score, h.band, h.previous_score, h.previous_band, Customer.code,
                   Customer.name, Customer.owner_id, Customer.health_score, Customer.health_band)
            .join(Customer, Customer.id == h.customer_id)
            .where(h.computed_at >= since, Customer.stage.in_(ACTIVE_STAGES), or_(turned, fell))
            .order_by(h.customer_id, h.computed_at, h.id))
    rows = session.execute(stmt).all()
    earlier = aliased(HealthScore)
    week_rows = (select(h.id, earlier.computed_at, earlier.score)
                 .join(earlier, and_(earlier.customer_id == h.customer_id, earlier.computed_at < h.computed_at,
                                     earlier.computed_at >= since - week))
                 .where(h.computed_at >= since, fell))
    before: dict[int, list[tuple[datetime, int]]] = {}
    for row_id, at, score in session.execute(week_rows):
        before.setdefault(row_id, []).append((at, score))
    latest, reddened = {}, set()
    for row in rows:
        if row.band == RED and row.previous_band != RED and row.health_band == RED:
            reddened.add(row.customer_id)
        high = drop = None
        if row.previous_score is not None and row.score < row.previous_score:
            high = max([row.previous_score] + [s for at, s in before.get(row.id, []) if at >= row.computed_at - week])
            drop = high - row.score if high - row.score >= drop_points else None
        dropped = drop is not None and row.health_score is not None and row.health_score <= row.score
        if row.customer_id in reddened or dropped:
            latest[row.customer_id] = (row, high, drop if dropped else None)
    components = _components(session, [row.id for row, _, _ in latest.values()])
    found = [
        HealthChange(customer_id=row.customer_id, code=row.code, name=row.name, owner_id=row.owner_id, at=row.computed_at,
                     score=row.score, band=row.band, previous_score=row.previous_score, previous_band=row.previous_band,
                     turned_red=row.customer_id in reddened, drop=drop, week_high=high, reasons=reasons_of(components[row.id]))
        for row, high, drop in latest.values()
    ]
    return sorted(found, key=lambda c: (c.score, c.customer_id))


@dataclass(frozen=True)
class AtRisk:
    customer_id: int
    code: str
    name: str
    owner_id: str
    score: int
    band: str
    at: datetime
    rfm_cell: str | None
    segment: str | None
    reasons: list[tuple[str, dict]]


def at_risk(*, session: Session, scope_owner_ids: Collection[str] | None, limit: int = 20) -> list[AtRisk]:
    """Yellow and red active customers, lowest score first (then by id), of these owners (None:
    everyone's), each with the three reasons that cost it most. Two queries."""
    stmt = (select(Customer.id, Customer.code, Customer.name, Customer.owner_id, Customer.health_score, Customer.health_band,
                   Customer.health_at)
            .where(Customer.stage.in_(ACTIVE_STAGES), Customer.health_band.in_((YELLOW, RED)))
            .order_by(Customer.health_score, Customer.id).limit(limit))
    if scope_owner_ids is not None:
        stmt = stmt.where(Customer.owner_id.in_(sorted(set(scope_owner_ids))))
    customers = session.execute(stmt).all()
    if not customers:
        return []
    latest = (select(HealthScore.customer_id, HealthScore.id, HealthScore.components, HealthScore.rfm_cell, HealthScore.segment)
              .join(Customer, and_(Customer.id == HealthScore.customer_id, Customer.health_at == HealthScore.computed_at))
              .where(Customer.id.in_([c.id for c in customers])).order_by(HealthScore.id))
    rows = {cid: (components, cell, segment) for cid, _, components, cell, segment in session.execute(latest)}
    out = []
    for cid, code, name, owner_id, score, band, at in customers:
        components, cell, segment = rows.get(cid, ([], None, None))
        out.append(AtRisk(customer_id=cid, code=code, name=name, owner_id=owner_id, score=score, band=band, at=at,
                          rfm_cell=cell, segment=segment, reasons=reasons_of(components)))
    return out
