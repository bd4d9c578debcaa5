"""Contacts: several per customer, each with a title and a decision role, their changes kept."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from store import audit
from store.crm_models import ContactChange
from store.errors import Checker, DomainError
from store.models import Contact, Customer
from store.permissions import Viewer, can_edit, can_read, can_see_contact_details, require
from store.privacy import Cipher, opened
from store.profile import ContactDetails, check_phone_email, seal_into
from store.text import NAME_MAX, clean_line
from store.text import require as require_text
from store.vocab import codes
from store.db import get_for_update

TITLE_MAX, REASON_MAX = 200, 500
ROLES = codes("decision_role")


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    return customer


def _check(c: Checker, *, name: str | None, title: str | None, role: str | None) -> dict[str, str]:
    out = {}
    if name is not None:
        out["name"] = c.check(require_text, clean_line(name), field="name", limit=NAME_MAX)
    if title is not None:
        out["title"] = c.check(require_text, clean_line(title), field="title", limit=TITLE_MAX, required=False)
    if role is not None:
        if role not in ROLES:
            c.fail("err_decision_role", field="role", role=role)
        out["role"] = role
    return out


def add_contact(*, session: Session, viewer: Viewer, customer_id: int, name: str, now: datetime, title: str = "",
                role: str = "contact", phone: str | None = None, email: str | None = None,
                cipher: Cipher | None = None) -> Contact:
    c = Checker()
    values = _check(c, name=name, title=title, role=role)
    phone, email = c.check(check_phone_email, phone, email) or (None, None)
    c.done()
    customer = _customer(session, customer_id)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    contact = Contact(customer_id=customer.id, created_at=now, **values)
    session.add(contact)
    session.flush()
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, entity="contact", entity_id=contact.id,
                 field="created", old=None, new=f"{contact.name} {contact.title} {contact.role}".strip())
    if phone or email:
        if cipher is None:
            raise ValueError("a phone or email needs the cipher")
        seal_into(session, contact, cipher=cipher, phone=phone or None, email=email or None, by=viewer.id, now=now,
                  customer_id=customer.id, entity="contact")
    session.flush()
    return contact


def change_contact(*, session: Session, viewer: Viewer, contact_id: int, now: datetime, name: str | None = None,
                   title: str | None = None, role: str | None = None, phone: str | None = None,
                   email: str | None = None, cipher: Cipher | None = None, reason: str = "") -> Contact:
    """Change what is given; a new title or role is kept in the contact's history with the reason."""
    c = Checker()
    values = _check(c, name=name, title=title, role=role)
    phone, email = c.check(check_phone_email, phone, email) or (None, None)
    c.done()
    contact = get_for_update(session, Contact, contact_id)
    if contact is None:
        raise DomainError("err_unknown_contact")
    customer = _customer(session, contact.customer_id)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    before_title, before_role = contact.title, contact.role
    for field, value in values.items():
        audit.record(session, at=now, by=viewer.id, customer_id=contact.customer_id, entity="contact",
                     entity_id=contact.id, field=field, old=getattr(contact, field), new=value)
        setattr(contact, field, value)
    if (contact.title, contact.role) != (before_title, before_role):
        session.add(ContactChange(contact_id=contact.id, customer_id=contact.customer_id, at=now, by=viewer.id,
                                  from_title=before_title, to_title=contact.title, from_role=before_role,
                                  to_role=contact.role, reason=clean_line(reason)[:REASON_MAX]))
    if phone is not None or email is not None:
        if cipher is None:
            raise ValueError("a phone or email needs the cipher")
        seal_into(session, contact, cipher=cipher, phone=phone, email=email, by=viewer.id, now=now,
                  customer_id=contact.customer_id, entity="contact")
    session.add(contact)
    session.flush()
    return contact


def contacts_of(*, session: Session, customer_id: int) -> list[Contact]:
    """Decision makers first, then influencers, then the others; oldest first within each."""
    rank = {role: i for i, role in enumerate(("decision_maker", "influencer", "contact"))}
    contacts = session.exec(select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)).all()
    return sorted(contacts, key=lambda contact: rank.get(contact.role, len(rank)))


def contact_history(*, session: Session, contact_id: int) -> list[ContactChange]:
    """Newest first."""
    stmt = select(ContactChange).where(ContactChange.contact_id == contact_id).order_by(ContactChange.at.desc(), ContactChange.id.desc())
    return list(session.exec(stmt))


def contact_phone_email(*, session: Session, viewer: Viewer, contact_id: int, cipher: Cipher) -> ContactDetails:
    """Unmasked for the customer's owner, the owner's manager and admins; masked for other readers."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise DomainError("err_unknown_contact")
    customer = _customer(session, contact.customer_id)
    require(can_read(viewer, customer), viewer=viewer, customer=customer, action="read")
    unmasked = can_see_contact_details(viewer, customer)
    phone, email = opened(cipher, contact, unmasked=unmasked)
    return ContactDetails(phone=phone, email=email, masked=not unmasked)


def contacts_with_phone(*, session: Session, cipher: Cipher, phone: str) -> list[Contact]:
    """Contacts whose phone is this one however written (blind index; nothing decrypted)."""
    return list(session.exec(select(Contact).where(Contact.phone_index == cipher.phone_index(phone)).order_by(Contact.id)))


def contacts_with_email(*, session: Session, cipher: Cipher, email: str) -> list[Contact]:
    return list(session.exec(select(Contact).where(Contact.email_index == cipher.email_index(email)).order_by(Contact.id)))
