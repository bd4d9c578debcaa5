"""The data of the documents the lifecycle template names (handlers/documents/ draws them as Markdown):
《客户需求分析报告》 a customer's needs with its profile, contacts, deals and latest interactions;
《潜在客户清单》 the leads (and nurturing customers) the reader may see; 《流失客户分析报告》 a
quarter's churn cases with reasons, lessons and win-back outcomes; 《客户回访记录》 a customer's
interactions with their outcomes. Queries only; who may read what is the caller's `viewer`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from store.crm_models import Deal, Need
from store.errors import DomainError
from store.health_models import ChurnCase, WinbackPlan
from store.models import PENDING_ACTION, Contact, Customer, Interaction, NextAction, Stage
from store.permissions import Viewer, readable
from store.winback import WinbackReview, monthly_review

LEADS_MAX = 500        # rows of the leads list
VISITS_MAX = 200       # interactions of a visit record
CHURN_MAX = 500


def quarter_of(text: str, tz: str) -> tuple[datetime, datetime, str]:
    """"2026-Q4" -> its start and end in the zone, and the code; DomainError("doc_err_quarter") otherwise."""
    raw = (text or "").strip().upper().replace(" ", "")
    year, _, quarter = raw.partition("-Q")
    if not (year.isdigit() and len(year) == 4 and quarter in ("1", "2", "3", "4") and 2000 <= int(year) <= 2099):
        raise DomainError("doc_err_quarter", value=text[:20])
    zone, first_month = ZoneInfo(tz), (int(quarter) - 1) * 3 + 1
    start = datetime(int(year), first_month, 1, tzinfo=zone)
    end = datetime(int(year) + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1, tzinfo=zone)
    return start, end, f"{year}-Q{quarter}"


@dataclass(frozen=True)
class NeedsData:
    customer: Customer
    contacts: list[Contact]
    needs: list[Need]
    deals: list[Deal]
    interactions: list[Interaction]


def needs_data(*, session: Session, customer: Customer, interactions: int = 10) -> NeedsData:
    cid = customer.id
    return NeedsData(
        customer=customer,
        contacts=list(session.exec(select(Contact).where(Contact.customer_id == cid).order_by(Contact.id))),
        needs=list(session.exec(select(Need).where(Need.customer_id == cid).order_by(Need.status, Need.id))),
        deals=list(session.exec(select(Deal).where(Deal.customer_id == cid).order_by(Deal.id))),
        interactions=list(session.exec(select(Interaction).where(Interaction.customer_id == cid)
                                       .order_by(Interaction.occurred_on.desc(), Interaction.id.desc()).limit(interactions))),
    )


def visits_data(*, session: Session, customer: Customer) -> list[Interaction]:
    """The customer's interactions, oldest first (the last VISITS_MAX)."""
    rows = session.exec(select(Interaction).where(Interaction.customer_id == customer.id)
                        .order_by(Interaction.occurred_on.desc(), Interaction.id.desc()).limit(VISITS_MAX)).all()
    return list(reversed(rows))


@dataclass(frozen=True)
class LeadRow:
    customer: Customer
    next: NextAction | None  # its earliest pending action (titled per reader: handlers/words.action_text)


def leads_data(*, session: Session, viewer: Viewer | None) -> tuple[list[LeadRow], int]:
    """Leads and nurturing customers the viewer may read (None: everyone), newest first; and how many in all."""
    where = [Customer.stage.in_((Stage.lead.value, Stage.nurturing.value))]
    if viewer is not None:
        where.append(readable(viewer, union=session.get_bind().dialect.name == "sqlite"))
    customers = list(session.exec(select(Customer).where(*where).order_by(Customer.created_at.desc(), Customer.id.desc())
                                  .limit(LEADS_MAX)))
    total = session.execute(select(func.count(Customer.id)).where(*where)).scalar_one()
    nexts: dict[int, NextAction] = {}
    ids = [c.id for c in customers]
    if ids:
        for action in session.exec(select(NextAction).where(NextAction.customer_id.in_(ids), NextAction.status.in_(PENDING_ACTION))
                                   .order_by(NextAction.due_at.desc())):
            nexts[action.customer_id] = action   # the earliest wins: ordered latest first
    return [LeadRow(c, nexts.get(c.id)) for c in customers], total


@dataclass(frozen=True)
class ChurnRow:
    customer: Customer
    case: ChurnCase
    plan: WinbackPlan | None


def churn_data(*, session: Session, start: datetime, end: datetime, viewer: Viewer | None) -> tuple[WinbackReview, list[ChurnRow]]:
    where = [ChurnCase.at >= start, ChurnCase.at < end]
    if viewer is not None:
        where.append(readable(viewer, union=session.get_bind().dialect.name == "sqlite"))
    rows = session.execute(select(Customer, ChurnCase, WinbackPlan).join(ChurnCase, ChurnCase.customer_id == Customer.id)
                           .outerjoin(WinbackPlan, WinbackPlan.churn_case_id == ChurnCase.id)
                           .where(*where).order_by(ChurnCase.at, ChurnCase.id).limit(CHURN_MAX)).all()
    owners = None if viewer is None else sorted({r[0].owner_id for r in rows})
    review = monthly_review(session=session, start=start, end=end, owner_ids=owners)
    return review, [ChurnRow(*r) for r in rows]


def first_day(start: datetime, tz: str) -> date:
    return start.astimezone(ZoneInfo(tz)).date()
