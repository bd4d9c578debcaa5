"""Reading the rows of a customer import (store/customer_import.py) and matching them to customers:
checks only, nothing written; the only lookups are the Slack users and, per chunk of keys, the
customers and contacts the rows may be."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from store import customer_csv as read
from store.auto_actions import SYSTEM
from store.contacts import TITLE_MAX
from store.crm_models import CustomerTag
from store.customer_csv import CONTACT_SPLIT, TAG_COLUMNS, People, split_list
from store.errors import Checker, DomainError
from store.models import PENDING_ACTION, Contact, Customer, NextAction, SlackUser
from store.nps_import import parse_time
from store.privacy import Cipher, check_email, check_phone
from store.profile import LINE_FIELDS, PROFILE_FIELDS, TAGS_MAX, check_profile, check_tags
from store.text import ACTION_MAX, NAME_MAX, clean, clean_line, normalise_name, require

FOLLOW_UP = "跟进 / Follow up"
IMPORTED_BY = SYSTEM
BATCH, CHUNK = 1000, 500  # rows per flush; keys per IN (...)
Progress = Callable[[str, int, int], None]  # (phase "check" | "write", done, total)
LINE_DEFAULTS = (*LINE_FIELDS, "cultural_notes", "source")  # profile columns holding "" rather than NULL


@dataclass(frozen=True)
class RowError:
    line: int                 # the line the row starts on; the header is line 1
    key: str                  # catalog key of the reason
    params: dict = field(default_factory=dict)
    column: str | None = None  # the header as the file wrote it


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0     # rows that made a new customer
    updated: int = 0     # rows that completed a customer (of the database or of an earlier row)
    unchanged: int = 0   # rows with nothing new
    contacts: int = 0
    actions: int = 0
    overdue: int = 0     # of those actions, already due
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class Row:
    line: int
    code: str | None
    name: str
    owner_id: str
    stage: tuple[str, str] | None
    values: dict[str, object]            # profile fields, grade, phone, email: only those given
    tags: list[tuple[str, str]]
    contact: dict | None                 # name, title, role, phone, email
    action: tuple[str, datetime] | None  # title, due


@dataclass(eq=False)
class Target:
    """A customer the import creates (`customer` None until written) or completes."""

    owner_id: str
    name: str
    code: str | None = None
    customer: Customer | None = None
    stage: tuple[str, str] = ("lead", "to_nurture")
    values: dict[str, object] = field(default_factory=dict)   # what it has
    filled: dict[str, object] = field(default_factory=dict)   # what the import gives it
    tags: list[tuple[str, str]] = field(default_factory=list)
    tag_keys: set[tuple[str, str]] = field(default_factory=set)
    new_tags: list[tuple[str, str]] = field(default_factory=list)
    contacts: set[str] = field(default_factory=set)
    new_contacts: list[dict] = field(default_factory=list)
    actions: set[tuple[str, datetime]] = field(default_factory=set)
    new_actions: list[tuple[str, datetime]] = field(default_factory=list)


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def people(session: Session) -> People:
    return People(session.exec(select(SlackUser.id, SlackUser.name, SlackUser.email)).all())


def find_owner(*, session: Session, text: str) -> str:
    """The Slack user id an owner cell (or --default-owner) names; DomainError when none or several."""
    found = people(session).find(text)
    if found is None:
        raise DomainError("imp_owner_missing", field="owner")
    return found


# -- reading a row: checks only, nothing looked up but the Slack users -------------------------------

def read_row(line: int, cells: dict[str, str], *, who: People, zone: ZoneInfo, now: datetime,
              default_owner: str | None) -> Row | list[DomainError]:
    c = Checker()

    def check(column: str, fn, *args, **kwargs):
        before = len(c.errors)
        value = c.check(fn, *args, **kwargs)
        for error in c.errors[before:]:
            error.field = column
        return value

    def profile(column: str, name: str, value: object) -> None:
        if value not in (None, ""):
            got = check(column, check_profile, {name: value})
            if got and got[name] not in (None, ""):
                values[name] = got[name]

    get = lambda key: cells.get(key, "")  # noqa: E731
    values: dict[str, object] = {}
    name = check("name", require, clean_line(get("name")), field="name", limit=NAME_MAX)
    code = check("code", read.code, get("code"))
    before = len(c.errors)
    owner = check("owner", who.find, get("owner")) or (default_owner if len(c.errors) == before else None)
    if owner is None and len(c.errors) == before:
        c.fail("imp_owner_missing", field="owner")
    stage = check("stage_status", read.stage_status, get("stage_status"))
    for column in ("company", "industry", "region"):
        profile(column, column, get(column))
    for column in ("source", "value_tier", "need_type"):
        profile(column, column, check(column, read.choice, column, get(column)))
    profile("staff_count", "staff_count", check("staff_count", read.staff_count, get("staff_count")))
    profile("annual_revenue", "annual_revenue", read.revenue(get("annual_revenue")))
    profile("title", "contact_title", get("title"))
    profile("cs_owner", "cs_owner_id", check("cs_owner", who.find, get("cs_owner"), field="cs_owner"))
    grade = check("grade", read.grade, get("grade"))
    if grade:
        values["grade"] = grade
    phone = check("phone", check_phone, get("phone")) if clean_line(get("phone")) else None
    email = check("email", check_email, get("email")) if clean_line(get("email")) else None

    said = {"phone": [], "email": []}  # 联系方式: a phone, an email, or one of each
    for part in split_list(get("contact_info"), CONTACT_SPLIT):
        kind = "email" if "@" in part else "phone"
        said[kind].append(check("contact_info", check_email if kind == "email" else check_phone, part))
    if len(said["phone"]) > 1 or len(said["email"]) > 1:
        c.fail("imp_contact_info_two", field="contact_info")
    info_phone, info_email = (said["phone"] or [None])[0], (said["email"] or [None])[0]
    contact = None
    if clean_line(get("contact")):
        contact = dict(name=check("contact", require, clean_line(get("contact")), field="contact", limit=NAME_MAX),
                       title=clean_line(get("title"))[:TITLE_MAX], phone=info_phone, email=info_email,
                       role=check("contact_role", read.choice, "contact_role", get("contact_role")) or "contact")
    else:
        phone, email = phone or info_phone, email or info_email
    values.update({k: v for k, v in (("phone", phone), ("email", email)) if v})

    tags: list[tuple[str, str]] = []
    for column, kind in TAG_COLUMNS.items():
        names = split_list(get(column))
        if names:
            tags += check(column, check_tags, {kind: names}) or []
    if len(tags) > TAGS_MAX:
        c.fail("err_too_many", field=next(k for k in TAG_COLUMNS if get(k).strip()), limit=TAGS_MAX)

    due_text, notes, action = get("next_follow_up").strip(), clean(get("notes")), None
    if due_text:
        due = check("next_follow_up", parse_time, due_text, tz=zone, now=now)
        title = check("notes", require, clean_line(notes) or FOLLOW_UP, field="notes", limit=ACTION_MAX)
        action = (title, due) if due and title else None
    kept = (clean(get("cultural_notes")), "" if due_text else notes)  # 备注 without a time: kept with the notes
    profile("cultural_notes", "cultural_notes", "\n".join(p for p in kept if p))
    if c.errors:
        return c.errors
    return Row(line=line, code=code, name=name, owner_id=owner, stage=stage, values=values, tags=tags, contact=contact,
               action=action)


# -- matching rows to customers ----------------------------------------------------------------------

def _own_keys(cipher: Cipher, phone: object, email: object) -> list[str]:
    return ([f"p:{cipher.phone_index(phone)}"] if phone else []) + ([f"e:{cipher.email_index(email)}"] if email else [])


def row_keys_of(cipher: Cipher, row: Row) -> list[str]:
    contact = row.contact or {}
    keys = _own_keys(cipher, row.values.get("phone"), None) + _own_keys(cipher, contact.get("phone"), None)
    keys += _own_keys(cipher, None, row.values.get("email")) + _own_keys(cipher, None, contact.get("email"))
    return list(dict.fromkeys(keys))


def name_key(name: str, owner_id: str) -> str:
    return f"n:{normalise_name(name)}\x1f{owner_id}"


def add_to_index(index: dict[str, list[Target]], target: Target, keys: Iterable[str]) -> None:
    for key in keys:
        if target not in index[key]:
            index[key].append(target)


def existing(session: Session, rows: list[Row], keys: dict[int, list[str]]) -> dict[str, list[Target]]:
    """The customers any row could mean (indexed IN lookups), with their tags, contacts and
    pending actions, indexed by code, phone, email and name + owner."""
    wanted = {"c": {r.code for r in rows if r.code}, "n": {normalise_name(r.name) for r in rows},
              "p": {k[2:] for ks in keys.values() for k in ks if k[0] == "p"},
              "e": {k[2:] for ks in keys.values() for k in ks if k[0] == "e"}}
    found: dict[int, Customer] = {}
    for kind, column in (("c", Customer.code), ("p", Customer.phone_index), ("e", Customer.email_index), ("n", Customer.name_norm)):
        for chunk in chunks(wanted[kind]):
            found.update((c.id, c) for c in session.exec(select(Customer).where(column.in_(chunk))))
    by_contact: list[tuple[int, str]] = []
    for kind, column in (("p", Contact.phone_index), ("e", Contact.email_index)):
        for chunk in chunks(wanted[kind]):
            found_ids = session.exec(select(Contact.customer_id, column).where(column.in_(chunk)))
            by_contact += [(cid, f"{kind}:{idx}") for cid, idx in found_ids]
    for chunk in chunks({cid for cid, _ in by_contact} - found.keys()):
        found.update((c.id, c) for c in session.exec(select(Customer).where(Customer.id.in_(chunk))))
    targets = {cid: Target(owner_id=c.owner_id, name=c.name, code=c.code, customer=c, stage=(c.stage, c.status),
                           values={**{f: getattr(c, f) for f in PROFILE_FIELDS}, "grade": c.grade, "phone": c.phone_enc,
                                   "email": c.email_enc})
               for cid, c in found.items()}
    for chunk in chunks(targets):
        for cid, kind, name, norm in session.exec(select(CustomerTag.customer_id, CustomerTag.kind, CustomerTag.name,
                                                         CustomerTag.name_norm).where(CustomerTag.customer_id.in_(chunk))
                                                  .order_by(CustomerTag.id)):
            targets[cid].tags.append((kind, name))
            targets[cid].tag_keys.add((kind, norm))
        for cid, name in session.exec(select(Contact.customer_id, Contact.name).where(Contact.customer_id.in_(chunk))):
            targets[cid].contacts.add(normalise_name(name))
        for cid, title, due in session.exec(select(NextAction.customer_id, NextAction.title, NextAction.due_at).where(
                NextAction.customer_id.in_(chunk), NextAction.status.in_(PENDING_ACTION))):
            targets[cid].actions.add((title, due))
    index: dict[str, list[Target]] = defaultdict(list)
    for cid, t in targets.items():
        c = t.customer
        add_to_index(index, t, [f"c:{c.code}", name_key(c.name, c.owner_id)]
               + [f"{k}:{i}" for k, i in (("p", c.phone_index), ("e", c.email_index)) if i])
    for cid, key in by_contact:
        add_to_index(index, targets[cid], [key])
    return index


def match(index: dict[str, list[Target]], row: Row, keys: list[str]) -> Target | None:
    """By code, else by any phone or email, else by name + owner; several customers: refused."""
    if row.code and index.get(f"c:{row.code}"):
        return index[f"c:{row.code}"][0]
    for key in [*keys, name_key(row.name, row.owner_id)]:
        hits = index.get(key, [])
        if len(hits) > 1:
            raise DomainError("imp_ambiguous", field="name", codes=", ".join(sorted(t.code or "?" for t in hits)[:5]))
        if hits:
            return hits[0]
    return None


def merge(target: Target, row: Row, cipher: Cipher) -> tuple[bool, list[str]]:
    """Fill what the customer lacks; (anything new, keys the customer now has that it had not)."""
    changed, keys = False, []
    for name, value in row.values.items():
        if target.values.get(name) in (None, ""):
            target.values[name] = target.filled[name] = value
            changed = True
            keys += _own_keys(cipher, value, None) if name == "phone" else _own_keys(cipher, None, value) if name == "email" else []
    for kind, name in row.tags:
        if (kind, normalise_name(name)) not in target.tag_keys:
            target.tag_keys.add((kind, normalise_name(name)))
            target.new_tags.append((kind, name))
            changed = True
    if len(target.tag_keys) > TAGS_MAX:
        raise DomainError("err_too_many", field=next(iter(TAG_COLUMNS)), limit=TAGS_MAX)
    if row.contact and normalise_name(row.contact["name"]) not in target.contacts:
        target.contacts.add(normalise_name(row.contact["name"]))
        target.new_contacts.append(row.contact)
        keys += _own_keys(cipher, row.contact["phone"], row.contact["email"])
        changed = True
    if row.action and row.action not in target.actions:
        target.actions.add(row.action)
        target.new_actions.append(row.action)
        changed = True
    return changed, keys
