"""What the scheduler does about money after signing, every tick, as of `now` in the team's zone:

    payment due   an unpaid instalment due within `ahead` days (or already due) gets one next action
                  for the deal's owner, due at 09:00 on its due date (origin "payment:<instalment id>";
                  receiving it in full marks it done); kind "payment_due", params deal/seq/amount/currency.
    overdue       an instalment still unpaid the day after its due date: one PAYMENT_OVERDUE alert to
                  the deal's owner.
    escalation    still unpaid `escalate` days after its due date: one PAYMENT_ESCALATE alert to the
                  owner's manager (the admins when the owner has none).
    renewal       a won deal whose renewal date is within `renewal` days gets one next action for its
                  owner, due at 09:00 that many days before the renewal date (or now, when the deal
                  was won later than that); origin "renewal:<deal id>", once per renewal date;
                  kind "renewal", params deal/day.

Each instalment and deal is stamped when its step is done (action_at, overdue_at, escalated_at,
renewal_reminded_on), so a sweep reads only what is still to do; two replicas sweeping at once make
one action (the partial unique index on pending origins) and queue one alert (the outbox's key).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, select

from store import audit, outbox
from store.alert_kinds import PAYMENT_ESCALATE, PAYMENT_OVERDUE
from store.auto_actions import open_once
from store.crm_models import Deal
from store.money_models import Instalment
from store.payments import payment_origin
from store.users import admin_ids, manager_of
from store.tuning import MoneyDays

MORNING = time(9, 0)


@dataclass
class MoneySweep:
    actions: int = 0
    alerts: int = 0


def renewal_origin(deal_id: int) -> str:
    return f"renewal:{deal_id}"


def _morning(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, MORNING, tzinfo=zone)


def payment_params(deal: Deal, i: Instalment) -> dict:
    """What an instalment's next action says (handlers/words.action_text renders it per reader)."""
    return {"deal": deal.title, "seq": i.seq, "amount": format(i.amount, "f"), "currency": i.currency}


def renewal_params(deal: Deal) -> dict:
    return {"deal": deal.title, "day": deal.renewal_on.isoformat()}


def _payment_title(deal: Deal, i: Instalment) -> str:
    """The stored title (exports, anything that does not render `params`): zh-CN, without the amount."""
    return f"回款：{deal.title} 第 {i.seq} 期"


def _renewal_title(deal: Deal) -> str:
    return f"续约提醒：{deal.title}（{deal.renewal_on.isoformat()} 到期续约）"


def _open_instalments(session: Session, *conditions, limit: int):
    stmt = (select(Instalment, Deal).join(Deal, Deal.id == Instalment.deal_id)
            .where(Instalment.paid_on.is_(None), Deal.stage == "won", *conditions)
            .order_by(Instalment.due_on, Instalment.id).limit(limit))
    return session.exec(stmt).all()


def sweep_money(*, session: Session, now: datetime, tz: str, days: MoneyDays = MoneyDays(),
                admins: frozenset[str] = frozenset(), limit: int = 500) -> MoneySweep:
    """One pass (at most `limit` of each step: the next tick does the rest)."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    done = MoneySweep()
    for i, deal in _open_instalments(session, Instalment.action_at.is_(None), Instalment.due_on <= today + timedelta(days=days.ahead),
                                     limit=limit):
        made = open_once(session, customer_id=i.customer_id, owner_id=deal.owner_id, origin=payment_origin(i.id), kind="payment_due",
                         due_at=_morning(i.due_on, zone), now=now, title=_payment_title(deal, i),
                         params=payment_params(deal, i))
        done.actions += made is not None
        i.action_at = now
        audit.stamp(i, now)
        session.add(i)
    for i, deal in _open_instalments(session, Instalment.overdue_at.is_(None), Instalment.due_on < today, limit=limit):
        done.alerts += outbox.enqueue(session=session, kind=PAYMENT_OVERDUE, subject=f"instalment:{i.id}",
                                      due_key=i.due_on.isoformat(), recipient=deal.owner_id, now=now)
        i.overdue_at = now
        audit.stamp(i, now)
        session.add(i)
    for i, deal in _open_instalments(session, Instalment.escalated_at.is_(None),
                                     Instalment.due_on <= today - timedelta(days=days.escalate), limit=limit):
        manager = manager_of(session=session, user_id=deal.owner_id)
        for recipient in [manager] if manager else admin_ids(session=session, bootstrap=admins):
            done.alerts += outbox.enqueue(session=session, kind=PAYMENT_ESCALATE, subject=f"instalment:{i.id}",
                                          due_key=f"{i.due_on.isoformat()}:{recipient}", recipient=recipient, now=now)
        i.escalated_at = now
        audit.stamp(i, now)
        session.add(i)
    done.actions += _renewals(session, now=now, zone=zone, today=today, days=days, limit=limit)
    session.flush()
    return done


def _renewals(session: Session, *, now: datetime, zone: ZoneInfo, today: date, days: MoneyDays, limit: int) -> int:
    stmt = (select(Deal).where(Deal.stage == "won", Deal.renewal_on >= today, Deal.renewal_on <= today + timedelta(days=days.renewal),
                               or_(Deal.renewal_reminded_on.is_(None), Deal.renewal_reminded_on != Deal.renewal_on))
            .order_by(Deal.renewal_on, Deal.id).limit(limit))
    made = 0
    for deal in session.exec(stmt).all():
        due = max(_morning(deal.renewal_on - timedelta(days=days.renewal), zone), now)
        made += open_once(session, customer_id=deal.customer_id, owner_id=deal.owner_id, origin=renewal_origin(deal.id),
                          kind="renewal", due_at=due, now=now, title=_renewal_title(deal),
                          params=renewal_params(deal)) is not None
        deal.renewal_reminded_on = deal.renewal_on
        audit.stamp(deal, now)
        session.add(deal)
    return made
