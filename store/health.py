"""Customer health in the database: the facts of every active customer gathered in bulk, scores
stored with their history. The changes that ping customer success and the customers at risk are
read from that history by store/health_watch.py. The score itself (components, weights, bands, reasons) is plain arithmetic in store/health_rules.py,
whose names are importable from here too.

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
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, insert, or_, update
from sqlmodel import Session, select

from store.crm_models import Deal
from store.grading import Cadence
from store.models import OPEN_TICKET, PENDING_ACTION, Customer, HealthScore, Interaction, NextAction, NpsResponse, Ticket
from store.rfm import ACTIVE_STAGES, WON, rfm_scores
from store.health_rules import BANDS, DAY, Facts, HealthWeights, _Rules
# what callers have always imported from here (tests, handlers, the scheduler's jobs)
from store.health_rules import CODES, COMPONENTS, GREEN, RED, YELLOW, Health, cadence_days, reason, reasons_of, score_of  # noqa: F401
from store.sla import Calendar, deadline_after, working_window  # store.sla's own business-time arithmetic

# Above this many ids a partial recompute reads every active customer and keeps the ones asked for.
_IN_LIMIT = 5000
_TICK = timedelta(microseconds=1)
_CHUNK = 10_000  # customers scored and written at a time, so their objects do not pile up


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
        """store.sla_clock.state(...) == "breached" for a clock that ran from started_at to `end` (its stop, the
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
    """Every fact of every active customer (or of those asked for): eight queries, whatever the count."""
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
    renewing = _scoped(select(Deal.customer_id).where(Deal.stage == WON, Deal.renewal_on.is_not(None)).distinct(),
                       Deal.customer_id, ids)
    renews = set(session.execute(renewing).scalars())
    tickets = _tickets_by_customer(session, now, w, cal, ids)
    cells = rfm_scores(session=session)  # quintiles need them all, asked for or not
    if len(cells) < w.rfm_min_customers:
        cells = {}

    out = {}
    for cid, (grade, contact_at, contacted, score, band) in base.items():
        (opened, breaches), (recent, prior) = tickets.get(cid, (0, 0)), interactions.get(cid, (0, 0))
        count, oldest = actions.get(cid, (0, None))
        out[cid] = (Facts(grade, contact_at, bool(contacted), nps.get(cid, ()), opened, breaches, recent, prior, count, oldest,
                          renewal.get(cid), cells.get(cid), cid in renews), (score, band))
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
