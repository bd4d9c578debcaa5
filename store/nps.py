"""NPS: recording scores 0-10 from any source, the closed-loop rules, and aggregates in SQL.

Promoters score 9-10, passives 7-8, detractors 0-6; NPS = % promoters - % detractors, rounded
half away from zero to one decimal (None with no responses). Aggregates group by the customer's
*current* owner, and a team is the reps whose manager is a given manager. Periods are [start, end).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from store.crm_models import AuditEntry
from store.errors import Checker, DomainError
from store.models import Customer, Interaction, NextAction, NpsResponse, SlackUser
from store.sla import Calendar, add_business
from store.text import ACTION_MAX, clean, clean_line, clip_to, require, whole_number

COMMENT_MAX = 2000
EXTERNAL_ID_MAX = 100
SOURCES = ("slack", "csv", "webhook")
PROMOTER_MIN, PASSIVE_MIN = 9, 7
# A detractor within this many days before another makes the second one escalate.
REPEAT_WINDOW = timedelta(days=90)
# How far ahead of our clock a response time may be (the sender's clock may run a little fast).
FUTURE_SLACK = timedelta(minutes=5)
LOOP_BUSINESS_DAYS = 2


def category(score: int) -> str:
    """"promoter" | "passive" | "detractor"."""
    if score >= PROMOTER_MIN:
        return "promoter"
    return "passive" if score >= PASSIVE_MIN else "detractor"


def is_detractor(score: int) -> bool:
    return score < PASSIVE_MIN


def nps_value(promoters: int, detractors: int, total: int) -> float | None:
    if not total:
        return None
    exact = Decimal((promoters - detractors) * 100) / Decimal(total)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def parse_score(value: object) -> int:
    """An int 0-10 (a bool is not a score); text only as plain digits."""
    if isinstance(value, str) and whole_number(value.strip()) is not None:
        value = whole_number(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise DomainError("nps_err_score", field="score")
    return value


def check_response(*, score: object, comment: str | None, source: str, external_id: str | None,
                   responded_at: datetime, now: datetime) -> tuple[int, str]:
    """Every rule a response must meet, all at once (FieldErrors). Returns (score, cleaned comment)."""
    c = Checker()
    score = c.check(parse_score, score)
    comment = c.check(require, clean(comment), field="comment", limit=COMMENT_MAX, required=False)
    if source not in SOURCES:
        raise ValueError(f"unknown NPS source {source!r}")
    if external_id is not None and not 0 < len(external_id) <= EXTERNAL_ID_MAX:
        c.fail("nps_err_external_id", field="external_id", limit=EXTERNAL_ID_MAX)
    if responded_at.tzinfo is None or responded_at.utcoffset() is None:
        raise ValueError("responded_at must be aware")
    if responded_at > now + FUTURE_SLACK:
        c.fail("nps_err_future", field="responded_at")
    c.done()
    return score, comment


def record_response(*, session: Session, customer_id: int, score: object, comment: str | None, source: str,
                    external_id: str | None, responded_at: datetime, recorded_by: str | None,
                    now: datetime) -> tuple[NpsResponse, bool]:
    """Record one response; (row, True) when this call created it. A response already recorded
    under the same (source, external_id) is left as it was and returned with False."""
    score, comment = check_response(score=score, comment=comment, source=source, external_id=external_id,
                                    responded_at=responded_at, now=now)
    if session.get(Customer, customer_id) is None:
        raise DomainError("nps_err_customer_unknown", field="customer", customer=str(customer_id))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(NpsResponse)
        .values(customer_id=customer_id, score=score, comment=comment, source=source, external_id=external_id,
                responded_at=responded_at, recorded_by=recorded_by, created_at=now)
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(NpsResponse.id)
    )
    new_id = session.execute(stmt).scalar()
    if new_id is not None:
        return session.get(NpsResponse, new_id), True
    existing = session.exec(select(NpsResponse).where(NpsResponse.source == source, NpsResponse.external_id == external_id)).one()
    return existing, False


def get_response(*, session: Session, response_id: int) -> NpsResponse | None:
    return session.get(NpsResponse, response_id)


def _before(response: NpsResponse):
    """Responses of the same customer earlier than this one (ties broken by id)."""
    return and_(
        NpsResponse.customer_id == response.customer_id,
        NpsResponse.id != response.id,
        or_(NpsResponse.responded_at < response.responded_at,
            and_(NpsResponse.responded_at == response.responded_at, NpsResponse.id < response.id)),
    )


def previous_response(*, session: Session, response: NpsResponse) -> NpsResponse | None:
    stmt = select(NpsResponse).where(_before(response)).order_by(NpsResponse.responded_at.desc(), NpsResponse.id.desc())
    return session.exec(stmt.limit(1)).first()


def prior_detractor(*, session: Session, response: NpsResponse, window: timedelta = REPEAT_WINDOW) -> NpsResponse | None:
    """The latest other detractor of the same customer within `window` before this response."""
    stmt = (
        select(NpsResponse)
        .where(_before(response), NpsResponse.score < PASSIVE_MIN, NpsResponse.responded_at >= response.responded_at - window)
        .order_by(NpsResponse.responded_at.desc(), NpsResponse.id.desc())
    )
    return session.exec(stmt.limit(1)).first()


def loop_due(cal: Calendar, responded_at: datetime, *, days: int = LOOP_BUSINESS_DAYS) -> datetime:
    """`days` business days after the response: days x the calendar's working-day minutes."""
    start = cal.start.hour * 60 + cal.start.minute
    end = cal.end.hour * 60 + cal.end.minute or 24 * 60
    return add_business(cal, responded_at, days * (end - start))


def create_loop_action(*, session: Session, response: NpsResponse, owner_id: str, title: str, due_at: datetime,
                       created_by: str, now: datetime) -> NextAction:
    """The "close the loop" next action: announced by the scheduler at due_at like any other."""
    action = NextAction(customer_id=response.customer_id, title=clip_to(clean_line(title), ACTION_MAX), due_at=due_at,
                        announce_at=due_at, owner_id=owner_id, created_by=created_by, created_at=now, updated_at=now)
    session.add(action)
    session.flush()
    return action


def recent_interactions(*, session: Session, customer_id: int, limit: int = 3) -> list[Interaction]:
    stmt = (select(Interaction).where(Interaction.customer_id == customer_id)
            .order_by(Interaction.occurred_on.desc(), Interaction.id.desc()).limit(limit))
    return list(session.exec(stmt))


# -- aggregates ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class NpsStats:
    responses: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def nps(self) -> float | None:
        return nps_value(self.promoters, self.detractors, self.responses)


def _counts(answer=NpsResponse.id, score=NpsResponse.score):
    return (
        func.count(answer),
        func.coalesce(func.sum(case((score >= PROMOTER_MIN, 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(score >= PASSIVE_MIN, score < PROMOTER_MIN), 1), else_=0)), 0),
        func.coalesce(func.sum(case((score < PASSIVE_MIN, 1), else_=0)), 0),
    )


def _stats(row) -> NpsStats:
    return NpsStats(*(int(v or 0) for v in row))


def _scoped(stmt, *, start: datetime | None, end: datetime | None, customer_id: int | None = None,
            owner_id: str | None = None, manager_id: str | None = None):
    if start is not None:
        stmt = stmt.where(NpsResponse.responded_at >= start)
    if end is not None:
        stmt = stmt.where(NpsResponse.responded_at < end)
    if customer_id is not None:
        stmt = stmt.where(NpsResponse.customer_id == customer_id)
    if owner_id is not None or manager_id is not None:
        stmt = stmt.join(Customer, Customer.id == NpsResponse.customer_id)
    if owner_id is not None:
        stmt = stmt.where(Customer.owner_id == owner_id)
    if manager_id is not None:
        stmt = stmt.where(Customer.owner_id.in_(select(SlackUser.id).where(SlackUser.manager_id == manager_id)))
    return stmt


def nps_stats(*, session: Session, start: datetime | None = None, end: datetime | None = None, customer_id: int | None = None,
              owner_id: str | None = None, manager_id: str | None = None) -> NpsStats:
    """One aggregate over [start, end), narrowed to a customer, an owner and/or a manager's team."""
    stmt = _scoped(select(*_counts()), start=start, end=end, customer_id=customer_id, owner_id=owner_id, manager_id=manager_id)
    return _stats(session.execute(stmt).one())


def nps_by_customer(*, session: Session, start: datetime | None = None, end: datetime | None = None,
                    owner_id: str | None = None) -> dict[int, NpsStats]:
    stmt = _scoped(select(NpsResponse.customer_id, *_counts()), start=start, end=end, owner_id=owner_id)
    return {row[0]: _stats(row[1:]) for row in session.execute(stmt.group_by(NpsResponse.customer_id))}


def nps_by_owner(*, session: Session, start: datetime | None = None, end: datetime | None = None,
                 manager_id: str | None = None) -> dict[str, NpsStats]:
    stmt = select(Customer.owner_id, *_counts()).join(Customer, Customer.id == NpsResponse.customer_id)
    stmt = _scoped(stmt, start=start, end=end)
    if manager_id is not None:
        stmt = stmt.where(Customer.owner_id.in_(select(SlackUser.id).where(SlackUser.manager_id == manager_id)))
    return {row[0]: _stats(row[1:]) for row in session.execute(stmt.group_by(Customer.owner_id))}


def nps_for_team(*, session: Session, manager_id: str, start: datetime | None = None, end: datetime | None = None) -> NpsStats:
    return nps_stats(session=session, start=start, end=end, manager_id=manager_id)


@dataclass(frozen=True)
class NpsSummary:
    start: datetime
    end: datetime
    overall: NpsStats
    previous: NpsStats  # the period of the same length just before [start, end)
    by_owner: dict[str, NpsStats]


def nps_summary(*, session: Session, start: datetime, end: datetime, owner_id: str | None = None,
                manager_id: str | None = None) -> NpsSummary:
    """What a digest shows for [start, end): the whole (or one owner's, or one team's) NPS, the
    previous period's for the trend, and each owner's."""
    if end <= start:
        raise ValueError("a period ends after it starts")
    scope = {"owner_id": owner_id, "manager_id": manager_id}
    by_owner = nps_by_owner(session=session, start=start, end=end, manager_id=manager_id)
    if owner_id is not None:
        by_owner = {k: v for k, v in by_owner.items() if k == owner_id}
    return NpsSummary(
        start=start,
        end=end,
        overall=nps_stats(session=session, start=start, end=end, **scope),
        previous=nps_stats(session=session, start=start - (end - start), end=start, **scope),
        by_owner=by_owner,
    )


def latest_response(*, session: Session, customer_id: int) -> NpsResponse | None:
    return session.exec(select(NpsResponse).where(NpsResponse.customer_id == customer_id)
                        .order_by(NpsResponse.responded_at.desc(), NpsResponse.id.desc()).limit(1)).first()


def tier_when_answered():
    """The customer's value tier at the instant of its answer, from the audit log's "value_tier" entries
    (the nightly pass's and people's): the last one's new tier at or before the answer; with none before,
    the first later one's old tier (None: it had no tier then); with none at all, its tier now."""
    def entries(column, *, before: bool):
        return select(column).where(AuditEntry.customer_id == NpsResponse.customer_id, AuditEntry.entity == "customer",
                                    AuditEntry.field == "value_tier",
                                    AuditEntry.at <= NpsResponse.responded_at if before else AuditEntry.at > NpsResponse.responded_at)
    last_before = entries(AuditEntry.new, before=True).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1)
    first_after = entries(AuditEntry.old, before=False).order_by(AuditEntry.at, AuditEntry.id).limit(1)
    return case((entries(AuditEntry.id, before=True).exists(), last_before.scalar_subquery()),
                (entries(AuditEntry.id, before=False).exists(), first_after.scalar_subquery()), else_=Customer.value_tier)


def nps_by_tier(*, session: Session, start: datetime, end: datetime,
                owner_ids: frozenset[str] | None) -> dict[str | None, NpsStats]:
    """Answers in [start, end) by the value tier the customer had when it answered (tier_when_answered:
    high, medium, low, then None for no tier), of customers owned by `owner_ids` (None: everyone); a
    tier without answers is absent. One GROUP BY over the answers with their tier."""
    answers = _scoped(select(NpsResponse.id, NpsResponse.score, tier_when_answered().label("tier"))
                      .join(Customer, Customer.id == NpsResponse.customer_id), start=start, end=end)
    if owner_ids is not None:
        answers = answers.where(Customer.owner_id.in_(sorted(owner_ids)))
    a = answers.subquery()
    found = {row[0]: _stats(row[1:]) for row in session.execute(select(a.c.tier, *_counts(a.c.id, a.c.score)).group_by(a.c.tier))}
    order = ("high", "medium", "low")
    return {tier: found[tier] for tier in sorted(found, key=lambda x: order.index(x) if x in order else len(order))}
