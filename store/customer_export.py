"""Every customer as one CSV row, with the columns `python -m bot import` reads (store/customer_csv.py),
so an export imported into an empty database gives the same customers.

UTF-8 with a BOM (Excel then reads Chinese right). Headers and labels in Chinese for zh locales,
English otherwise. Phones and emails decrypted: whoever runs the export can read the database
anyway. Owners as "name (U123...)". Per customer the first contact (decision makers first) and
the earliest pending next action (下次跟进时间 in `tz`, 备注 its title); other contacts and
actions stay in the CRM only. Cells Excel would run as formulas get a leading ' (the import
drops it). Customers are read a batch at a time, so memory stays flat.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from store.auto_actions import Titled, title_in
from store.crm_models import CustomerTag
from store.customer_csv import COLUMNS, TAG_COLUMNS, format_time, guard, header, joiner, person
from store.models import PENDING_ACTION, Contact, Customer, NextAction, SlackUser
from store.privacy import Cipher
from store.vocab import label

BOM = "\ufeff"
_RANK = {"decision_maker": 0, "influencer": 1, "contact": 2}


def _row(c: Customer, *, tags: list[tuple[str, str]], contact: Contact | None, action: NextAction | None,
         users: dict[str, str], cipher: Cipher, locale: str, zone: ZoneInfo, titled: Callable[[Titled, str], str]) -> list[str]:
    opened = lambda token: cipher.decrypt(token) if token else ""  # noqa: E731
    chosen = lambda kind, code: label(kind, code, locale) if code else ""  # noqa: E731
    named = {column: joiner(locale).join(name for k, name in tags if k == kind) for column, kind in TAG_COLUMNS.items()}
    values = {
        "code": c.code, "source": chosen("source", c.source), "name": c.name,
        "contact": contact.name if contact else "",
        "title": contact.title if contact and contact.title else c.contact_title,
        "contact_info": "; ".join(x for x in (opened(contact.phone_enc), opened(contact.email_enc)) if x) if contact else "",
        "owner": person(users.get(c.owner_id, ""), c.owner_id), "stage_status": chosen("status", c.status),
        "next_follow_up": format_time(action.due_at, zone) if action else "", "notes": titled(action, locale) if action else "",
        "company": c.company, "industry": c.industry,
        "staff_count": "" if c.staff_count is None else str(c.staff_count),
        "annual_revenue": "" if c.annual_revenue is None else format(c.annual_revenue, "f"),
        "region": c.region, "cultural_notes": c.cultural_notes, "value_tier": chosen("value_tier", c.value_tier),
        "need_type": chosen("need_type", c.need_type), "phone": opened(c.phone_enc), "email": opened(c.email_enc),
        "grade": c.grade or "", "cs_owner": person(users.get(c.cs_owner_id or "", ""), c.cs_owner_id),
        "contact_role": chosen("decision_role", contact.role) if contact else "", **named,
    }
    return [guard(values[key] or "") for key in COLUMNS]


def export_customers(*, session: Session, out: TextIO, cipher: Cipher, locale: str, tz: str, batch: int = 1000,
                     titled: Callable[[Titled, str], str] = title_in) -> int:
    """Write the CSV to `out` (a text stream opened with newline=""); how many customers. `titled` gives
    an action's title in `locale` (the CLI hands in handlers/words.action_text, which also renders the
    titles made of data)."""
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([header(key, locale) for key in COLUMNS])
    users = {user_id: name for user_id, name in session.exec(select(SlackUser.id, SlackUser.name))}
    zone, last, count = ZoneInfo(tz), 0, 0
    while True:
        customers = list(session.exec(select(Customer).where(Customer.id > last).order_by(Customer.id).limit(batch)))
        if not customers:
            return count
        ids = [c.id for c in customers]
        tags, contacts, actions = defaultdict(list), {}, {}
        for cid, kind, name in session.exec(select(CustomerTag.customer_id, CustomerTag.kind, CustomerTag.name)
                                            .where(CustomerTag.customer_id.in_(ids)).order_by(CustomerTag.id)):
            tags[cid].append((kind, name))
        for contact in session.exec(select(Contact).where(Contact.customer_id.in_(ids)).order_by(Contact.id)):
            first = contacts.get(contact.customer_id)
            if first is None or _RANK.get(contact.role, 3) < _RANK.get(first.role, 3):
                contacts[contact.customer_id] = contact
        for action in session.exec(select(NextAction).where(NextAction.customer_id.in_(ids), NextAction.status.in_(PENDING_ACTION))
                                   .order_by(NextAction.due_at, NextAction.id)):
            actions.setdefault(action.customer_id, action)
        for c in customers:
            writer.writerow(_row(c, tags=tags[c.id], contact=contacts.get(c.id), action=actions.get(c.id), users=users,
                                 cipher=cipher, locale=locale, zone=zone, titled=titled))
        count += len(customers)
        last = ids[-1]
        session.expunge_all()
