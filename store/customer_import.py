"""Customers from a CSV file (the lead template, the customer-information table, or our export):
every row checked first, then all written in the caller's transaction, or nothing.

UTF-8 with or without a BOM; the columns are store/customer_csv.py's. What a row does:

- It is matched to a customer: by 线索编号/code; else by any phone or email it gives (the blind
  indexes of customers and their contacts); else by the exact normalised name with the same
  owner. Earlier rows of the file count: two rows for one company are one customer. A key that
  matches several customers refuses the row. Nothing matched: a new customer, keeping the row's
  code (letters, digits, - and _, up to 16; the month's counter is moved past a kept C2026...
  code) or getting the next one.
- A matched customer is only *completed*: empty fields are filled, tags, contacts and follow-ups
  it lacks are added; nothing it has is changed (not its name, owner or stage). So importing the
  same file again changes nothing, and an enriched file fills the gaps.
- 负责人/owner: a Slack user id, "name (U123...)" as the export writes it, an email or a name
  (SlackUser.email / .name, casefolded); nobody or several people refuses the row.
- 阶段状态: a status or stage label (zh or en) or code; a new customer starts there (one stage
  history entry, "imported"; an import is a record of where customers are, not a move, so no
  transition rule applies and no lifecycle action is made).
- 联系人 makes a contact with 职位 and 决策角色; 联系方式 (a phone or an email, told apart by
  the "@"; both may be given, split by ; or ,) is the contact's, or the customer's 电话/邮箱 when
  no contact is named. Phones and emails are checked and stored encrypted.
- 下次跟进时间 makes a next action for the owner titled 备注 (or "跟进 / Follow up"), announced by
  the scheduler like any other; a date alone is 09:00 in `tz`. A time already past is accepted
  and falls due at once (the report counts them). 备注 without a time is added to 文化备注.
- No first-contact action is made: an import records what the file says (10,000 rows must not
  ask for 10,000 calls tomorrow); give 下次跟进时间 to be reminded.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import case, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store import audit
from store import customer_csv as read
from store.auto_actions import SYSTEM
from store.contacts import TITLE_MAX
from store.crm_models import AuditEntry, CustomerTag, StageChange
from store.customer_csv import CONTACT_SPLIT, TAG_COLUMNS, People, header_key, split_list
from store.errors import Checker, DomainError
from store.models import PENDING_ACTION, ActionStatus, CodeCounter, Contact, Customer, NextAction, SlackUser
from store.nps_import import parse_time, text_line
from store.privacy import Cipher, check_email, check_phone, mask_email, mask_phone, sealed
from store.profile import LINE_FIELDS, PROFILE_FIELDS, TAGS_MAX, check_profile, check_tags, search_text
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


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
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

def _read_row(line: int, cells: dict[str, str], *, who: People, zone: ZoneInfo, now: datetime,
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


def _row_keys(cipher: Cipher, row: Row) -> list[str]:
    contact = row.contact or {}
    keys = _own_keys(cipher, row.values.get("phone"), None) + _own_keys(cipher, contact.get("phone"), None)
    keys += _own_keys(cipher, None, row.values.get("email")) + _own_keys(cipher, None, contact.get("email"))
    return list(dict.fromkeys(keys))


def _name_key(name: str, owner_id: str) -> str:
    return f"n:{normalise_name(name)}\x1f{owner_id}"


def _index(index: dict[str, list[Target]], target: Target, keys: Iterable[str]) -> None:
    for key in keys:
        if target not in index[key]:
            index[key].append(target)


def _existing(session: Session, rows: list[Row], keys: dict[int, list[str]]) -> dict[str, list[Target]]:
    """The customers any row could mean (indexed IN lookups), with their tags, contacts and
    pending actions, indexed by code, phone, email and name + owner."""
    wanted = {"c": {r.code for r in rows if r.code}, "n": {normalise_name(r.name) for r in rows},
              "p": {k[2:] for ks in keys.values() for k in ks if k[0] == "p"},
              "e": {k[2:] for ks in keys.values() for k in ks if k[0] == "e"}}
    found: dict[int, Customer] = {}
    for kind, column in (("c", Customer.code), ("p", Customer.phone_index), ("e", Customer.email_index), ("n", Customer.name_norm)):
        for chunk in _chunks(wanted[kind]):
            found.update((c.id, c) for c in session.exec(select(Customer).where(column.in_(chunk))))
    by_contact: list[tuple[int, str]] = []
    for kind, column in (("p", Contact.phone_index), ("e", Contact.email_index)):
        for chunk in _chunks(wanted[kind]):
            found_ids = session.exec(select(Contact.customer_id, column).where(column.in_(chunk)))
            by_contact += [(cid, f"{kind}:{idx}") for cid, idx in found_ids]
    for chunk in _chunks({cid for cid, _ in by_contact} - found.keys()):
        found.update((c.id, c) for c in session.exec(select(Customer).where(Customer.id.in_(chunk))))
    targets = {cid: Target(owner_id=c.owner_id, name=c.name, code=c.code, customer=c, stage=(c.stage, c.status),
                           values={**{f: getattr(c, f) for f in PROFILE_FIELDS}, "grade": c.grade, "phone": c.phone_enc,
                                   "email": c.email_enc})
               for cid, c in found.items()}
    for chunk in _chunks(targets):
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
        _index(index, t, [f"c:{c.code}", _name_key(c.name, c.owner_id)]
               + [f"{k}:{i}" for k, i in (("p", c.phone_index), ("e", c.email_index)) if i])
    for cid, key in by_contact:
        _index(index, targets[cid], [key])
    return index


def _match(index: dict[str, list[Target]], row: Row, keys: list[str]) -> Target | None:
    """By code, else by any phone or email, else by name + owner; several customers: refused."""
    if row.code and index.get(f"c:{row.code}"):
        return index[f"c:{row.code}"][0]
    for key in [*keys, _name_key(row.name, row.owner_id)]:
        hits = index.get(key, [])
        if len(hits) > 1:
            raise DomainError("imp_ambiguous", field="name", codes=", ".join(sorted(t.code or "?" for t in hits)[:5]))
        if hits:
            return hits[0]
    return None


def _merge(target: Target, row: Row, cipher: Cipher) -> tuple[bool, list[str]]:
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


# -- writing: plain INSERTs of many rows at once (ORM objects cost ten times as much) ------------------

def _counter(session: Session, period: str, n: int, *, add: bool) -> int:
    """The month's counter moved on by n (add) or raised to at least n; its new value."""
    value = CodeCounter.value + n if add else case((CodeCounter.value < n, n), else_=CodeCounter.value)
    for _ in range(3):
        if session.execute(update(CodeCounter).where(CodeCounter.period == period).values(value=value)).rowcount:
            return session.execute(select(CodeCounter.value).where(CodeCounter.period == period)).scalar_one()
        try:
            with session.begin_nested():
                session.add(CodeCounter(period=period, value=n))
            return n
        except IntegrityError:  # another writer made the month's row first: update it instead
            continue
    raise RuntimeError(f"could not move the code counter of {period}")


def _codes(session: Session, targets: list[Target], now: datetime) -> None:
    """Codes for new customers without one, after moving each month's counter past the codes in
    next_code's form that the file keeps (so next_code never hands one out again)."""
    top: dict[str, int] = {}
    for t in targets:
        seq = read.crm_code_seq(t.code) if t.code else None
        if seq:
            top[seq[0]] = max(top.get(seq[0], 0), seq[1])
    for period, n in sorted(top.items()):
        _counter(session, period, n, add=False)
    bare = [t for t in targets if not t.code]
    if bare:
        month = now.strftime("%Y%m")
        last = _counter(session, month, len(bare), add=True)
        for t, n in zip(bare, range(last - len(bare) + 1, last + 1)):
            t.code = f"C{month}{n:03d}"


def _insert(session: Session, model, rows: list[dict], *, key: tuple[str, ...] = ()) -> dict[tuple, int]:
    """INSERT the rows, many per statement; with `key`, {their values of those columns: id}. (Asking
    for the ids in the rows' order would make SQLite insert them one by one.)"""
    if not rows:
        return {}
    table = model.__table__
    if not key:
        session.execute(insert(table), rows)
        return {}
    found = session.execute(insert(table).returning(table.c.id, *(table.c[k] for k in key)), rows)
    return {tuple(row[1:]): row[0] for row in found}


def _sealed(cipher: Cipher, phone: object, email: object) -> dict[str, str | None]:
    return {"phone_enc": None, "phone_index": None, "email_enc": None, "email_index": None,
            **sealed(cipher, phone=phone or None, email=email or None)}


def _customer_row(t: Target, cipher: Cipher, now: datetime) -> dict:
    """What store.customers.create_customer would store, at the row's stage."""
    v = t.values
    row = dict(code=t.code, name=t.name, name_norm=normalise_name(t.name), owner_id=t.owner_id, created_by=IMPORTED_BY,
               created_at=now, updated_at=now, stage=t.stage[0], status=t.stage[1], stage_changed_at=now,
               grade=v.get("grade"), grade_source="manual" if v.get("grade") else None,
               **{f: v.get(f, "" if f in LINE_DEFAULTS else None) for f in PROFILE_FIELDS},
               **_sealed(cipher, v.get("phone"), v.get("email")))
    row["search_norm"] = search_text(SimpleNamespace(**row), [name for _, name in t.new_tags])
    return row


def _audit(customer_id: int, field: str, old: object, new: object, now: datetime, *, entity: str = "customer",
           entity_id: int | None = None) -> dict:
    """An audit_entry row, as store.audit.record writes it."""
    return dict(at=now, by=IMPORTED_BY, entity=entity, entity_id=customer_id if entity_id is None else entity_id,
                customer_id=customer_id, field=field, old=audit.as_text(old), new=audit.as_text(new))


def _fill(session: Session, t: Target, cipher: Cipher, now: datetime) -> None:
    """An existing customer: the empty fields the file fills, each audited (phone/email masked)."""
    c = t.customer
    for name, value in t.filled.items():
        if name in ("phone", "email"):
            for column, token in sealed(cipher, **{"phone": None, "email": None, name: value}).items():
                setattr(c, column, token)
            shown = mask_phone(value) if name == "phone" else mask_email(value)
            audit.record(session, at=now, by=IMPORTED_BY, customer_id=c.id, field=name, old=None, new=shown)
            continue
        audit.record(session, at=now, by=IMPORTED_BY, customer_id=c.id, field=name, old=getattr(c, name), new=value)
        setattr(c, name, value)
        if name == "grade":
            audit.record(session, at=now, by=IMPORTED_BY, customer_id=c.id, field="grade_source", old=c.grade_source, new="manual")
            c.grade_source = "manual"
    c.search_norm = search_text(c, [name for _, name in (*t.tags, *t.new_tags)])
    audit.stamp(c, now)
    session.add(c)


def _write(session: Session, targets: list[Target], *, cipher: Cipher, now: datetime, progress: Progress | None) -> None:
    _codes(session, [t for t in targets if t.customer is None], now)
    shown = lambda pairs: ", ".join(f"{k}:{n}" for k, n in pairs) or None  # noqa: E731 (as store.profile.write_tags)
    for start in range(0, len(targets), BATCH):
        batch = targets[start:start + BATCH]
        fresh = [t for t in batch if t.customer is None]
        ids = _insert(session, Customer, [_customer_row(t, cipher, now) for t in fresh], key=("code",))
        rows: dict[type, list[dict]] = defaultdict(list)
        contacts: list[tuple[int, dict]] = []
        for t in batch:
            if t.customer is not None:
                _fill(session, t, cipher, now)
        session.flush()  # the fills' audit entries before the INSERTs' ones
        for t in batch:
            cid, owner = (ids[(t.code,)], t.owner_id) if t.customer is None else (t.customer.id, t.customer.owner_id)
            if t.customer is None:
                rows[StageChange].append(dict(customer_id=cid, at=now, by=IMPORTED_BY, from_stage=None, from_status=None,
                                              to_stage=t.stage[0], to_status=t.stage[1], reason="imported"))
                rows[AuditEntry].append(_audit(cid, "created", None, t.code, now))
            if t.new_tags:
                rows[CustomerTag] += [dict(customer_id=cid, kind=k, name=n, name_norm=normalise_name(n)) for k, n in t.new_tags]
                rows[AuditEntry].append(_audit(cid, "tags", shown(t.tags), shown([*t.tags, *t.new_tags]), now))
            rows[NextAction] += [dict(customer_id=cid, interaction_id=None, title=title, due_at=due, announce_at=due,
                                      owner_id=owner, created_by=owner, status=ActionStatus.open.value, done_at=None,
                                      done_by=None, created_at=now, updated_at=now, origin=None)
                                 for title, due in t.new_actions]
            contacts += [(cid, x) for x in t.new_contacts]
        contact_ids = _insert(session, Contact, [dict(customer_id=cid, name=x["name"], title=x["title"], role=x["role"],
                                                      created_at=now, **_sealed(cipher, x["phone"], x["email"]))
                                                 for cid, x in contacts], key=("customer_id", "name"))
        for cid, x in contacts:  # audited as store.contacts.add_contact does (one contact per name and customer)
            about = dict(entity="contact", entity_id=contact_ids[(cid, x["name"])])
            rows[AuditEntry].append(_audit(cid, "created", None, f"{x['name']} {x['title']} {x['role']}".strip(), now, **about))
            rows[AuditEntry] += [_audit(cid, field, None, mask(x[field]), now, **about)
                                 for field, mask in (("phone", mask_phone), ("email", mask_email)) if x[field]]
        for model in (StageChange, CustomerTag, NextAction, AuditEntry):
            _insert(session, model, rows[model])
        if progress:
            progress("write", start + len(batch), len(targets))
    session.flush()


# -- the whole file ----------------------------------------------------------------------------------

def _columns(header: list[str], report: ImportReport, default_owner: str | None) -> list[str | None] | None:
    keys = [header_key(h) for h in header]
    report.ignored_columns = [h.strip() for h, k in zip(header, keys) if k is None and h.strip()]
    missing = [k for k in ("name", "owner") if k not in keys and not (k == "owner" and default_owner)]
    doubled = [k for k, n in Counter(k for k in keys if k).items() if n > 1]
    for k in missing:
        report.errors.append(RowError(1, "imp_header_missing", {"column": " / ".join(read.COLUMNS[k][:2])}))
    for k in doubled:
        report.errors.append(RowError(1, "imp_header_twice", {"column": " / ".join(read.COLUMNS[k][:2])}))
    return None if report.errors else keys


def import_customers(*, session: Session, data: bytes, cipher: Cipher, tz: str, now: datetime,
                     default_owner: str | None = None, progress: Progress | None = None) -> ImportReport:
    """Check every row; if any is refused write nothing and return the reasons, else write them all
    (in the caller's transaction). `default_owner`: a Slack user id for rows without an owner."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        report.errors.append(RowError(text_line(data, e.start), "nps_err_encoding"))
        return report
    header, records = read.records(text)
    keys = _columns(header, report, default_owner)
    if keys is None:
        return report
    written = {k: h.strip() for h, k in zip(header, keys) if k}
    who, zone, rows, row_keys = people(session), ZoneInfo(tz), [], {}
    for done, (line, cells) in enumerate(records, 1):
        report.rows += 1
        by_key = {k: read.unguard(cells[i]) if i < len(cells) else "" for i, k in enumerate(keys) if k}
        got = _read_row(line, by_key, who=who, zone=zone, now=now, default_owner=default_owner)
        if isinstance(got, Row):
            rows.append(got)
            row_keys[got.line] = _row_keys(cipher, got)
        else:
            report.errors += [RowError(line, e.key, dict(e.params), written.get(e.field)) for e in got]
        if progress and (done % 500 == 0 or done == len(records)):
            progress("check", done, len(records))
    index = _existing(session, rows, row_keys)
    targets: dict[Target, None] = {}  # in the order rows first name them
    for row in rows:
        try:
            target = _match(index, row, row_keys[row.line])
            fresh = target is None
            if fresh:
                target = Target(owner_id=row.owner_id, name=row.name, code=row.code, stage=row.stage or ("lead", "to_nurture"))
            targets.setdefault(target)
            changed, new_keys = _merge(target, row, cipher)
        except DomainError as e:
            report.errors.append(RowError(row.line, e.key, dict(e.params), written.get(e.field) or read.header(e.field, "en")))
            continue
        if fresh:  # later rows find it as they would find it in the database
            new_keys += [_name_key(row.name, row.owner_id)] + ([f"c:{row.code}"] if row.code else [])
        _index(index, target, new_keys)
        report.created += fresh
        report.updated += changed and not fresh
        report.unchanged += not changed and not fresh
    report.errors.sort(key=lambda e: e.line)
    if report.errors:
        report.created = report.updated = report.unchanged = 0  # nothing is written
        return report
    targets = [t for t in targets if t.customer is None or t.filled or t.new_tags or t.new_contacts or t.new_actions]
    report.contacts = sum(len(t.new_contacts) for t in targets)
    report.actions = sum(len(t.new_actions) for t in targets)
    report.overdue = sum(due <= now for t in targets for _, due in t.new_actions)
    _write(session, targets, cipher=cipher, now=now, progress=progress)
    return report
