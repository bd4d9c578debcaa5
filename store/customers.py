"""Customers: codes, exact lookups, search (type-ahead, /crm find, /crm mine), creation."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, func, or_, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store import audit
from store.behaviour_tags import codes_matching
from store.crm_models import StageChange
from store.tag_models import ComputedTag
from store.errors import Checker
from store.lifecycle import TimeLimits, open_first_contact
from store.models import CodeCounter, Customer, NextAction
from store.permissions import Viewer, readable
from store.privacy import Cipher, sealed
from store.profile import check_phone_email, check_profile, check_tags, search_text, write_tags
from store.sla import Calendar
from store.text import NAME_MAX, clean_line, normalise_name, require
from store.vocab import codes


def next_code(*, session: Session, now: datetime, prefix: str = "C") -> str:
    """prefix + YYYYMM + a sequence of at least three digits: C202611001 (customers), T202611001
    (tickets). Each prefix counts on its own; customers' counter is keyed by the bare month, as
    it has been since revision 0001, the others' by prefix + month.

    The counter row is updated in the caller's transaction, so two replicas serialise on it
    (PostgreSQL row lock, SQLite's single writer) and never hand out the same code.
    """
    if not (len(prefix) == 1 and prefix.isalpha() and prefix.isupper()):
        raise ValueError(f"a code prefix is one capital letter, got {prefix!r}")
    month = now.strftime("%Y%m")
    period = month if prefix == "C" else prefix + month
    for _ in range(3):
        bumped = session.execute(
            update(CodeCounter).where(CodeCounter.period == period).values(value=CodeCounter.value + 1)
        )
        if bumped.rowcount:
            value = session.execute(select(CodeCounter.value).where(CodeCounter.period == period)).scalar_one()
            return f"{prefix}{month}{value:03d}"
        try:
            with session.begin_nested():
                session.add(CodeCounter(period=period, value=1))
            return f"{prefix}{month}001"
        except IntegrityError:  # another writer created the month's row first: bump it instead
            continue
    raise RuntimeError(f"could not allocate a {prefix} code")


def get_customer(*, session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id)


def find_exact(*, session: Session, text: str) -> Customer | None:
    """A customer whose code or whole name is `text` (indexed lookups only)."""
    key = normalise_name(text)
    if not key:
        return None
    if key.startswith("c") and key[1:].isdigit():
        found = session.exec(select(Customer).where(Customer.code == key.upper())).first()
        if found:
            return found
    return session.exec(select(Customer).where(Customer.name_norm == key).order_by(Customer.id)).first()


def search_customers(*, session: Session, query: str, limit: int = 20, viewer: Viewer | None = None) -> list[Customer]:
    """Name or code containing the words, names starting with them first; only what `viewer`
    may read when one is given."""
    key = normalise_name(query)
    allowed = readable(viewer) if viewer is not None else true()
    if not key:
        stmt = select(Customer).where(allowed).order_by(Customer.updated_at.desc()).limit(limit)
        return list(session.exec(stmt))
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    starts = Customer.name_norm.like(f"{escaped}%", escape="\\")
    stmt = (
        select(Customer)
        .where(or_(Customer.name_norm.like(f"%{escaped}%", escape="\\"), func.lower(Customer.code).like(f"{escaped}%", escape="\\")))
        .where(allowed)
        .order_by(starts.desc(), func.length(Customer.name_norm), Customer.id)
        .limit(limit)
    )
    return list(session.exec(stmt))


def create_customer(*, session: Session, name: str, owner_id: str, created_by: str, now: datetime,
                    cipher: Cipher | None = None, phone: str | None = None, email: str | None = None,
                    tags: Mapping[str, Iterable[str]] | None = None, **fields: object) -> Customer:
    """A new lead (status to_nurture). `fields` are profile fields (store.profile.PROFILE_FIELDS),
    validated together with the name, phone, email and tags: FieldErrors names every bad one.
    A phone or email needs the cipher. The creation is the first entry of its stage history and
    audit log. No next action is made here: see create_lead."""
    c = Checker()
    name = c.check(require, clean_line(name), field="customer", limit=NAME_MAX)
    values = c.check(check_profile, fields) or {}
    pairs = c.check(check_tags, tags or {}) or []
    phone, email = c.check(check_phone_email, phone, email) or (None, None)
    c.done()
    if (phone or email) and cipher is None:
        raise ValueError("a phone or email needs the cipher")
    customer = Customer(
        code=next_code(session=session, now=now),
        name=name,
        name_norm=normalise_name(name),
        owner_id=owner_id,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        stage="lead",
        status="to_nurture",
        stage_changed_at=now,
        **values,
        **(sealed(cipher, phone=phone or None, email=email or None) if phone or email else {}),
    )
    customer.search_norm = search_text(customer, [tag for _, tag in pairs])
    session.add(customer)
    session.flush()
    write_tags(session, customer, pairs, by=created_by, now=now)
    session.add(StageChange(customer_id=customer.id, at=now, by=created_by, to_stage="lead", to_status="to_nurture",
                            reason="created"))
    audit.record(session, at=now, by=created_by, customer_id=customer.id, field="created", old=None, new=customer.code)
    session.add(customer)
    session.flush()
    return customer


def create_lead(*, session: Session, name: str, owner_id: str, created_by: str, now: datetime, calendar: Calendar,
                limits: TimeLimits = TimeLimits(), **kwargs) -> tuple[Customer, NextAction]:
    """create_customer, plus the first-contact action for the owner: due one working day later
    (TimeLimits.first_contact_working_days, business time on the team calendar)."""
    customer = create_customer(session=session, name=name, owner_id=owner_id, created_by=created_by, now=now, **kwargs)
    action = open_first_contact(session, customer, cal=calendar, limits=limits, now=now, by=created_by)
    return customer, action


def _pattern(word: str, *, anywhere: bool = True):
    """A LIKE pattern for the word, written into the SQL rather than bound: PostgreSQL then plans
    each search for its own words (a prepared, generic plan cannot tell a two-character word,
    which no trigram helps, from a longer one, and scans the whole trigram index for it)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return bindparam(None, f"{'%' if anywhere else ''}{escaped}%", type_=String, literal_execute=True)


def _matches(key: str):
    """One word of /crm find: in the customer's searchable text, or in the label of a behaviour tag it carries."""
    text = Customer.search_norm.like(_pattern(key), escape="\\")
    tags = codes_matching(key)
    if not tags:
        return text
    tagged = select(ComputedTag.customer_id).where(ComputedTag.code.in_(tags), ComputedTag.removed_at.is_(None))
    return or_(text, Customer.id.in_(tagged))


def find_customers(*, session: Session, words: str, viewer: Viewer, limit: int = 20) -> list[Customer]:
    """/crm find: customers the viewer may read whose name, company, code, industry or tags hold
    every word; names starting with the first word first, then shorter names. On PostgreSQL a
    trigram index serves words of three or more characters."""
    keys = normalise_name(words).split()
    if not keys:
        return []
    union = session.get_bind().dialect.name == "sqlite"
    stmt = select(Customer).where(readable(viewer, union=union), *(_matches(k) for k in keys))
    starts = Customer.name_norm.like(_pattern(keys[0], anywhere=False), escape="\\")
    stmt = stmt.order_by(starts.desc(), func.length(Customer.name_norm), Customer.id).limit(limit)
    return list(session.exec(stmt))


@dataclass(frozen=True)
class StageGroup:
    stage: str
    count: int
    customers: list[Customer]  # the most recently updated first, at most `per_stage`


def customers_by_stage(*, session: Session, owner_id: str, per_stage: int = 10) -> list[StageGroup]:
    """/crm mine: the owner's customers per stage, in lifecycle order, stages they have none in
    left out (index on owner_id, stage)."""
    counts = dict(session.exec(
        select(Customer.stage, func.count()).where(Customer.owner_id == owner_id).group_by(Customer.stage)
    ).all())
    groups = []
    for stage in codes("stage"):
        if not counts.get(stage):
            continue
        stmt = (select(Customer).where(Customer.owner_id == owner_id, Customer.stage == stage)
                .order_by(Customer.updated_at.desc(), Customer.id.desc()).limit(per_stage))
        groups.append(StageGroup(stage=stage, count=counts[stage], customers=list(session.exec(stmt))))
    return groups


def codes_of(*, session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """Each customer's code by id (those that exist)."""
    wanted = sorted(set(customer_ids))
    if not wanted:
        return {}
    return dict(session.execute(select(Customer.id, Customer.code).where(Customer.id.in_(wanted))).all())
