"""The overdue-payment alerts (queued by store/payment_jobs.py): to the deal's owner with Record
payment, and to the owner's manager (or the admins) some days later. An instalment paid meanwhile
is not sent (None)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers import ids
from handlers.blocks import context as context_block, escape, fmt_date, mention, section
from handlers.context import Defaults, Profile
from handlers.delivery.kind import Kind, Rendered
from handlers.i18n import t
from handlers.payload import record_id
from handlers.numbers import money
from handlers.payments.views import button, collected_line
from handlers.refs import customer_ref
from store.alert_kinds import PAYMENT_ESCALATE, PAYMENT_OVERDUE
from store.models import Outbox
from store.payments import instalment_with_deal, schedule_of


def _loaded(session: Session, row: Outbox):
    kind, _, number = row.subject.partition(":")
    found = instalment_with_deal(session=session, instalment_id=record_id(number)) if kind == "instalment" else None
    if found is None or found[0].paid_on is not None:
        return None
    return found


def _facts(found, profile: Profile) -> dict:
    instalment, deal, customer = found
    return {"customer": customer_ref(profile.locale, customer), "title": escape(deal.title), "seq": instalment.seq,
            "amount": money(instalment.amount, instalment.currency, profile.locale), "day": fmt_date(instalment.due_on, profile),
            "outstanding": money(instalment.amount - instalment.received, instalment.currency, profile.locale)}


def render_overdue(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    found = _loaded(session, row)
    if found is None:
        return None
    loc, facts = profile.locale, _facts(found, profile)
    instalment, deal, customer = found
    blocks = [section(t(loc, "pay_overdue_header", **facts)),
              context_block(collected_line(loc, schedule_of(session=session, deal_id=deal.id))),
              {"type": "actions", "block_id": f"pay_overdue_{instalment.id}",
               "elements": [button(ids.PAY_RECEIVE_OPEN, t(loc, "pay_btn_receive"), str(instalment.id), primary=True)]}]
    return Rendered(text=t(loc, "pay_overdue_fallback", customer=escape(customer.name), seq=instalment.seq), blocks=blocks)


def render_escalate(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    found = _loaded(session, row)
    if found is None:
        return None
    instalment, deal, customer = found
    loc = profile.locale
    days = (now.astimezone(profile.zone).date() - instalment.due_on).days
    blocks = [section(t(loc, "pay_escalate_header", owner=mention(deal.owner_id), count=days, **_facts(found, profile))),
              context_block(collected_line(loc, schedule_of(session=session, deal_id=deal.id)))]
    return Rendered(text=t(loc, "pay_escalate_fallback", customer=escape(customer.name), count=days), blocks=blocks)


KINDS = {PAYMENT_OVERDUE: Kind(render_overdue), PAYMENT_ESCALATE: Kind(render_escalate)}
