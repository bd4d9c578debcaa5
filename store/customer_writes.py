"""Writing a checked customer import (store/customer_import.py): plain INSERTs of many rows at once
(ORM objects cost ten times as much), codes from the month's counter, audit entries."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import case, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store import audit
from store import customer_csv as read
from store.crm_models import AuditEntry, CustomerTag, StageChange
from store.models import ActionStatus, CodeCounter, Contact, Customer, NextAction
from store.privacy import Cipher, mask_email, mask_phone, sealed
from store.profile import PROFILE_FIELDS, search_text
from store.text import normalise_name
from store.customer_rows import BATCH, IMPORTED_BY, LINE_DEFAULTS, Progress, Target


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


def write_targets(session: Session, targets: list[Target], *, cipher: Cipher, now: datetime, progress: Progress | None) -> None:
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
