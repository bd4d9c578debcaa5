"""Churn risk, the store side: who may answer a churn-risk ping, what they answered (kept in
risk_response), whether a change of health still calls for a ping, and the yellow and red
customers of some people for `/crm risk`.

A ping is held back while a snooze runs (until > now), and after a "not at risk" answer until the
score falls below the score it was given at, or the customer turns red after it. Only the latest
answer of each kind counts.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from store.errors import DomainError
from store.health import RED, YELLOW, reasons_of
from store.health_watch import AtRisk
from store.models import Customer, HealthScore, RiskResponse, Role
from store.permissions import Viewer
from store.rfm import ACTIVE_STAGES
from store.text import clean, clip_to

SNOOZE, NOT_AT_RISK, WINBACK = "snooze", "not_at_risk", "winback"
SNOOZE_FOR = timedelta(days=7)
REASON_MAX = 500
IN_CHUNK = 5000  # ids per IN (...) list


# -- who may answer ------------------------------------------------------------------------------

def may_answer(viewer: Viewer, customer: Customer) -> bool:
    """The customer-success owner, the account owner, the manager of either, and admins."""
    if viewer.role == Role.admin.value:
        return True
    people = {p for p in (customer.cs_owner_id, customer.owner_id) if p}
    if viewer.id in people:
        return True
    return viewer.role == Role.manager.value and bool(people & viewer.reports)


def _answerable(session: Session, viewer: Viewer, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer")
    if not may_answer(viewer, customer):
        raise DomainError("risk_err_forbidden", cs_owner=customer.cs_owner_id or "", owner=customer.owner_id)
    return customer


# -- answers ---------------------------------------------------------------------------------------

def snooze(*, session: Session, viewer: Viewer, customer_id: int, now: datetime) -> RiskResponse:
    """No ping for this customer for SNOOZE_FOR."""
    customer = _answerable(session, viewer, customer_id)
    answer = RiskResponse(customer_id=customer.id, kind=SNOOZE, by=viewer.id, at=now, until=now + SNOOZE_FOR,
                          score=customer.health_score)
    session.add(answer)
    session.flush()
    return answer


def not_at_risk(*, session: Session, viewer: Viewer, customer_id: int, reason: str | None, now: datetime) -> RiskResponse:
    """Not at risk, with the reason (required, at most REASON_MAX characters kept) and the score now."""
    text = clip_to(clean(reason), REASON_MAX)
    if not text:
        raise DomainError("err_required", field="reason")
    customer = _answerable(session, viewer, customer_id)
    answer = RiskResponse(customer_id=customer.id, kind=NOT_AT_RISK, by=viewer.id, at=now, score=customer.health_score,
                          reason=text)
    session.add(answer)
    session.flush()
    return answer


@dataclass(frozen=True)
class Answers:
    snooze: RiskResponse | None = None
    not_at_risk: RiskResponse | None = None


def latest_answers(*, session: Session, customer_ids: Collection[int]) -> dict[int, Answers]:
    """The latest snooze and the latest not-at-risk answer of each customer (index on customer_id, at)."""
    ids = sorted(set(customer_ids))
    found: dict[int, dict[str, RiskResponse]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        stmt = (select(RiskResponse)
                .where(RiskResponse.customer_id.in_(ids[start:start + IN_CHUNK]), RiskResponse.kind.in_((SNOOZE, NOT_AT_RISK)))
                .order_by(RiskResponse.customer_id, RiskResponse.at, RiskResponse.id))
        for answer in session.exec(stmt):
            found.setdefault(answer.customer_id, {})[answer.kind] = answer
    return {cid: Answers(snooze=kinds.get(SNOOZE), not_at_risk=kinds.get(NOT_AT_RISK)) for cid, kinds in found.items()}


def held_back(answers: Answers | None, *, score: int, turned_red: bool, at: datetime, now: datetime) -> bool:
    """Whether the answers given hold back a ping for a change to `score` written at `at`."""
    if answers is None:
        return False
    if answers.snooze is not None and answers.snooze.until is not None and answers.snooze.until > now:
        return True
    fine = answers.not_at_risk
    if fine is None:
        return False
    fell_below = fine.score is not None and score < fine.score
    return not (fell_below or (turned_red and at > fine.at))


def standing_not_at_risk(*, session: Session, customers: Collection[tuple[int, int | None]]) -> dict[int, RiskResponse]:
    """The latest "not at risk" answer of each (customer id, current score) that still holds, as
    `held_back` keeps the customer out of pings: the score has not fallen below the one it was given
    at, and the customer has not turned red since and stayed red (an answer given at a red 37 no
    longer holds once it went green and then red again at 38: that turn pinged)."""
    answers = latest_answers(session=session, customer_ids=[cid for cid, _ in customers])
    out = {}
    for cid, score in customers:
        fine = answers.get(cid, Answers()).not_at_risk
        if fine is not None and score is not None and (fine.score is None or score >= fine.score):
            out[cid] = fine
    for cid in _red_again(session, out):
        del out[cid]
    return out


def _red_again(session: Session, answers: dict[int, RiskResponse]) -> set[int]:
    """Of these customers, those red now that turned red (from another band) after their answer."""
    if not answers:
        return set()
    h = HealthScore
    turned = and_(h.band == RED, or_(h.previous_band.is_(None), h.previous_band != RED))
    found = set()
    ids = sorted(answers)
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start:start + IN_CHUNK]
        stmt = (select(h.customer_id, h.computed_at).join(Customer, Customer.id == h.customer_id)
                .where(h.customer_id.in_(chunk), Customer.health_band == RED, turned,
                       h.computed_at > min(answers[cid].at for cid in chunk)))
        found |= {cid for cid, at in session.execute(stmt) if at > answers[cid].at}
    return found


# -- what a ping carries ---------------------------------------------------------------------------

def still_applies(*, session: Session, customer: Customer | None, data: dict, queued_at: datetime, now: datetime) -> bool:
    """A queued ping still worth sending: the customer active and still red (a turn to red) or no higher
    than after the fall (a drop), and no answer since that holds it back."""
    if customer is None or customer.stage not in ACTIVE_STAGES or customer.health_score is None:
        return False
    red = bool(data.get("turned_red")) and customer.health_band == RED
    low = data.get("drop") is not None and customer.health_score <= int(data.get("score", -1))
    if not (red or low):
        return False
    answers = latest_answers(session=session, customer_ids=[customer.id]).get(customer.id)
    at = datetime.fromisoformat(data["at"]) if data.get("at") else queued_at
    return not held_back(answers, score=customer.health_score, turned_red=red, at=at, now=now)


# -- /crm risk ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RiskList:
    items: list[AtRisk]
    total: int
    not_at_risk: dict[int, RiskResponse] = field(default_factory=dict)  # of the items, answers that still hold


def risk_list(*, session: Session, people: Collection[str] | None, limit: int = 20) -> RiskList:
    """Yellow and red active customers owned or success-managed by `people` (None: everyone's), lowest
    score first (then by id), each with the three reasons that cost it most; and how many there are."""
    where = [Customer.stage.in_(ACTIVE_STAGES), Customer.health_band.in_((YELLOW, RED))]
    if people is not None:
        chosen = sorted(set(people))
        where.append(or_(Customer.owner_id.in_(chosen), Customer.cs_owner_id.in_(chosen)))
    total = session.execute(select(func.count(Customer.id)).where(*where)).scalar_one()
    if not total:
        return RiskList([], 0)
    rows = session.execute(select(Customer.id, Customer.code, Customer.name, Customer.owner_id, Customer.health_score,
                                  Customer.health_band, Customer.health_at)
                           .where(*where).order_by(Customer.health_score, Customer.id).limit(limit)).all()
    latest = (select(HealthScore.customer_id, HealthScore.components, HealthScore.rfm_cell, HealthScore.segment)
              .join(Customer, and_(Customer.id == HealthScore.customer_id, Customer.health_at == HealthScore.computed_at))
              .where(Customer.id.in_([r.id for r in rows])).order_by(HealthScore.id))
    explained = {cid: (components, cell, segment) for cid, components, cell, segment in session.execute(latest)}
    items = []
    for cid, code, name, owner_id, score, band, at in rows:
        components, cell, segment = explained.get(cid, ([], None, None))
        items.append(AtRisk(customer_id=cid, code=code, name=name, owner_id=owner_id, score=score, band=band, at=at,
                            rfm_cell=cell, segment=segment, reasons=reasons_of(components)))
    fine = standing_not_at_risk(session=session, customers=[(item.customer_id, item.score) for item in items])
    return RiskList(items, total, fine)


def at_risk_count(*, session: Session, owner_ids: Collection[str] | None) -> int:
    """Yellow and red active customers owned by `owner_ids` (None: everyone's)."""
    stmt = select(func.count()).select_from(Customer).where(Customer.stage.in_(ACTIVE_STAGES), Customer.health_band.in_((YELLOW, RED)))
    if owner_ids is not None:
        stmt = stmt.where(Customer.owner_id.in_(sorted(owner_ids)))
    return int(session.execute(stmt).scalar_one())


def components_at(*, session: Session, customer_id: int, at) -> list:
    """The health components of the customer's score computed at `at` ([] when there is none)."""
    return session.execute(select(HealthScore.components).where(HealthScore.customer_id == customer_id,
                                                                HealthScore.computed_at == at)).scalars().first() or []
