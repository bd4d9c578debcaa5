"""A customer's profile: the template's fields, tags, phone and email, owner; every change audited."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, update
from sqlmodel import Session, select

from store import audit
from store.crm_models import CustomerTag
from store.errors import Checker, DomainError
from store.models import PENDING_ACTION, Customer, NextAction
from store.permissions import Viewer, can_edit, can_read, can_reassign, can_see_contact_details, require
from store.privacy import Cipher, check_email, check_phone, mask_email, mask_phone, opened, sealed
from store.text import NAME_MAX, clean, clean_line, normalise_name
from store.text import require as require_text
from store.vocab import codes

LINE_FIELDS = {"company": 200, "contact_title": 200, "industry": 100, "region": 100}
NOTES_MAX = 2000
CHOICE_FIELDS = {"source": "source", "value_tier": "value_tier", "need_type": "need_type"}
PROFILE_FIELDS = (*LINE_FIELDS, "cultural_notes", *CHOICE_FIELDS, "staff_count", "annual_revenue", "cs_owner_id")
SEARCH_MAX = 600
TAG_MAX, TAGS_MAX = 50, 30


def check_profile(fields: Mapping[str, object]) -> dict[str, object]:
    """Cleaned values, or FieldErrors naming every bad field. Unknown names are a TypeError."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    c, out = Checker(), {}
    for name, value in fields.items():
        if name in LINE_FIELDS:
            out[name] = c.check(require_text, clean_line(value), field=name, limit=LINE_FIELDS[name], required=False)
        elif name == "cultural_notes":
            out[name] = c.check(require_text, clean(value), field=name, limit=NOTES_MAX, required=False)
        elif name in CHOICE_FIELDS:
            value = value or (None if name != "source" else "")
            if value and value not in codes(CHOICE_FIELDS[name]):
                c.fail(f"err_{name}", field=name, value=value)
            out[name] = value
        elif name == "staff_count":
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                c.fail("err_number", field=name)
            out[name] = value
        elif name == "annual_revenue":
            out[name] = c.check(money, value, field=name)
        else:  # cs_owner_id
            out[name] = clean_line(value) or None
    c.done()
    return out


def money(value: object, *, field: str = "amount") -> Decimal | None:
    """A non-negative Decimal with at most 2 decimals from a Decimal, int or str; floats refused. The
    size is checked before quantize(), which cannot hold 1e30 in the default context."""
    if value is None or value == "":
        return None
    if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int, str)):
        raise DomainError("err_amount", field=field)
    try:
        amount = Decimal(clean_line(value).replace(",", "")) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise DomainError("err_amount", field=field) from None
    if amount.is_finite() and amount >= Decimal(10) ** 16:
        raise DomainError("err_amount_too_big", field=field)
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise DomainError("err_amount", field=field)
    return amount.quantize(Decimal("0.01"))


def search_text(customer: Customer, tag_names: Iterable[str]) -> str:
    return search_text_of(customer.name, customer.company, customer.code, customer.industry, tag_names)


def search_text_of(name: str, company: str | None, code: str | None, industry: str | None, tag_names: Iterable[str]) -> str:
    """What /crm find searches (customer.search_norm): the name, company, code, industry and tag names, normalised."""
    return normalise_name(" ".join(p for p in (name, company, code, industry, *tag_names) if p))[:SEARCH_MAX]


def refresh_search(session: Session, customer: Customer) -> None:
    tags = session.exec(select(CustomerTag.name).where(CustomerTag.customer_id == customer.id).order_by(CustomerTag.id)).all()
    customer.search_norm = search_text(customer, tags)


def _get(session: Session, customer_id: int, *, lock: bool = False) -> Customer:
    customer = session.get(Customer, customer_id, with_for_update=lock)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    return customer


def update_customer(*, session: Session, viewer: Viewer, customer_id: int, now: datetime, name: str | None = None,
                    **fields: object) -> Customer:
    """Change profile fields (only those given); each change audited."""
    customer = _get(session, customer_id, lock=True)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    values = check_profile(fields)
    if name is not None:
        values["name"] = require_text(clean_line(name), field="customer", limit=NAME_MAX)
    if "value_tier" in values and values["value_tier"] != customer.value_tier:
        customer.value_tier_source = "manual" if values["value_tier"] else None  # a person's choice: the nightly pass keeps it
    for field, value in values.items():
        audit.record(session, at=now, by=viewer.id, customer_id=customer.id, field=field, old=getattr(customer, field), new=value)
        setattr(customer, field, value)
    if "name" in values:
        customer.name_norm = normalise_name(customer.name)
    refresh_search(session, customer)
    audit.stamp(customer, now)
    session.add(customer)
    session.flush()
    return customer


def check_tags(tags: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
    """[(kind, name)] without duplicates, or FieldErrors (err_tag_kind, err_too_long, err_too_many)."""
    c, out, seen = Checker(), [], set()
    for kind, names in tags.items():
        if kind not in codes("tag_kind"):
            c.fail("err_tag_kind", field="tags", kind=kind)
            continue
        for raw in names:
            name = c.check(require_text, clean_line(raw), field="tags", limit=TAG_MAX)
            if name and (kind, normalise_name(name)) not in seen:
                seen.add((kind, normalise_name(name)))
                out.append((kind, name))
    if len(out) > TAGS_MAX:
        c.fail("err_too_many", field="tags", limit=TAGS_MAX)
    c.done()
    return out


def write_tags(session: Session, customer: Customer, tags: list[tuple[str, str]], *, by: str, now: datetime) -> None:
    before = tag_list(session=session, customer_id=customer.id)
    session.execute(delete(CustomerTag).where(CustomerTag.customer_id == customer.id))
    for kind, name in tags:
        session.add(CustomerTag(customer_id=customer.id, kind=kind, name=name, name_norm=normalise_name(name)))
    session.flush()
    fmt = lambda pairs: ", ".join(f"{k}:{n}" for k, n in pairs) or None  # noqa: E731
    audit.record(session, at=now, by=by, customer_id=customer.id, field="tags", old=fmt(before), new=fmt(tags))
    refresh_search(session, customer)


def set_tags(*, session: Session, viewer: Viewer, customer_id: int, tags: Mapping[str, Iterable[str]], now: datetime) -> Customer:
    """Replace the customer's tags: {"free": ["VIP"], "behaviour": ["爱比价"], ...}."""
    pairs = check_tags(tags)
    customer = _get(session, customer_id, lock=True)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    write_tags(session, customer, pairs, by=viewer.id, now=now)
    audit.stamp(customer, now)
    session.add(customer)
    session.flush()
    return customer


def tag_list(*, session: Session, customer_id: int) -> list[tuple[str, str]]:
    rows = session.exec(select(CustomerTag.kind, CustomerTag.name).where(CustomerTag.customer_id == customer_id).order_by(CustomerTag.id))
    return [(kind, name) for kind, name in rows.all()]


def check_phone_email(phone: str | None, email: str | None) -> tuple[str | None, str | None]:
    """Cleaned phone and email ("" clears, None leaves alone), or FieldErrors for both at once."""
    c = Checker()
    if phone:
        phone = c.check(check_phone, phone)
    if email:
        email = c.check(check_email, email)
    c.done()
    return phone, email


def seal_into(session: Session, row, *, cipher: Cipher, phone: str | None, email: str | None, by: str, now: datetime,
              customer_id: int, entity: str = "customer") -> None:
    """Encrypt onto a customer or contact row; the audit log gets masked values only."""
    old_phone, old_email = opened(cipher, row, unmasked=False)
    for column, value in sealed(cipher, phone=phone, email=email).items():
        setattr(row, column, value)
    if phone is not None:
        audit.record(session, at=now, by=by, customer_id=customer_id, entity=entity, entity_id=row.id, field="phone",
                     old=old_phone, new=mask_phone(phone) if phone else None)
    if email is not None:
        audit.record(session, at=now, by=by, customer_id=customer_id, entity=entity, entity_id=row.id, field="email",
                     old=old_email, new=mask_email(email) if email else None)


def set_contact_details(*, session: Session, viewer: Viewer, customer_id: int, cipher: Cipher, now: datetime,
                        phone: str | None = None, email: str | None = None) -> Customer:
    phone, email = check_phone_email(phone, email)
    customer = _get(session, customer_id, lock=True)
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    seal_into(session, customer, cipher=cipher, phone=phone, email=email, by=viewer.id, now=now, customer_id=customer.id)
    audit.stamp(customer, now)
    session.add(customer)
    session.flush()
    return customer


@dataclass(frozen=True)
class ContactDetails:
    phone: str | None
    email: str | None
    masked: bool


def contact_details(*, session: Session, viewer: Viewer, customer_id: int, cipher: Cipher) -> ContactDetails:
    """The customer's phone and email: unmasked for its owner, the owner's manager and admins."""
    customer = _get(session, customer_id)
    require(can_read(viewer, customer), viewer=viewer, customer=customer, action="read")
    unmasked = can_see_contact_details(viewer, customer)
    phone, email = opened(cipher, customer, unmasked=unmasked)
    return ContactDetails(phone=phone, email=email, masked=not unmasked)


def customers_with_phone(*, session: Session, cipher: Cipher, phone: str) -> list[Customer]:
    """Customers whose phone is this one however written (blind index; nothing decrypted)."""
    stmt = select(Customer).where(Customer.phone_index == cipher.phone_index(phone)).order_by(Customer.id)
    return list(session.exec(stmt))


def customers_with_email(*, session: Session, cipher: Cipher, email: str) -> list[Customer]:
    stmt = select(Customer).where(Customer.email_index == cipher.email_index(email)).order_by(Customer.id)
    return list(session.exec(stmt))


def reassign(*, session: Session, viewer: Viewer, customer_id: int, new_owner_id: str, now: datetime) -> Customer:
    """Give the customer a new owner; its pending next actions that the old owner held move too."""
    customer = _get(session, customer_id, lock=True)
    require(can_reassign(viewer, customer, new_owner_id), viewer=viewer, customer=customer, action="reassign")
    old_owner = customer.owner_id
    if new_owner_id == old_owner:
        return customer
    audit.record(session, at=now, by=viewer.id, customer_id=customer.id, field="owner_id", old=old_owner, new=new_owner_id)
    customer.owner_id = new_owner_id
    audit.stamp(customer, now)
    session.add(customer)
    session.execute(
        update(NextAction)
        .where(NextAction.customer_id == customer.id, NextAction.owner_id == old_owner, NextAction.status.in_(PENDING_ACTION))
        .values(owner_id=new_owner_id, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return customer
