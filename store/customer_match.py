"""Matching the rows of a customer import (store/customer_import.py) to customers: those of the
database, looked up per chunk of rows by the keys the rows give (code, phone and email blind
indexes, name + owner; IN (...) lists of CHUNK keys, plain SQL through the driver, no ORM objects), and those
earlier rows of the file make. Nothing written."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from store.customer_csv import TAG_COLUMNS
from store.customer_rows import CHUNK, Row
from store.errors import DomainError
from store.models import PENDING_ACTION, NextAction
from store.privacy import Cipher
from store.profile import PROFILE_FIELDS, TAGS_MAX
from store.text import normalise_name


@dataclass(eq=False, slots=True)
class Target:
    """A customer the import creates (`customer_id` None until written) or completes."""

    owner_id: str
    name: str
    code: str | None = None
    customer_id: int | None = None
    stage: tuple[str, str] = ("lead", "to_nurture")
    values: dict[str, object] = field(default_factory=dict)   # what it has
    filled: dict[str, tuple[object, object]] | None = None     # a customer of the database: column -> (had, given)
    grade_source: str | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)  # a customer of the database: those it has
    new_tags: list[tuple[str, str]] = field(default_factory=list)
    new_contacts: list[dict] = field(default_factory=list)
    new_actions: list[tuple[str, datetime]] = field(default_factory=list)
    # what it has, to tell what a row adds: made when a second row comes (most new customers have one)
    tag_keys: set[tuple[str, str]] | None = None
    contacts: set[str] | None = None
    actions: set[tuple[str, datetime]] | None = None
    blind: dict[tuple[str, object], str] = field(default_factory=dict)  # the rows' row_keys_of, reused when sealing

    @classmethod
    def start(cls, row: Row, own: dict[tuple[str, object], str]) -> tuple[Target, list[str]]:
        """A new customer from its first row (taking the row's values); the keys it is found by."""
        target = cls(owner_id=row.owner_id, name=row.name, code=row.code, stage=row.stage or ("lead", "to_nurture"),
                     values=row.values, tags=[], new_tags=row.tags, new_contacts=[row.contact] if row.contact else [],
                     new_actions=[row.action] if row.action else [], blind=own)
        return target, [*own.values(), name_key(row.name, row.owner_id, norm=row.name_norm)] + ([f"c:{row.code}"] if row.code else [])

    @property
    def fresh(self) -> bool:
        return self.customer_id is None

    def changes(self) -> bool:
        return self.fresh or bool(self.filled or self.new_tags or self.new_contacts or self.new_actions)

    def known(self) -> None:
        """Make the sets merge compares a row with."""
        if self.tag_keys is None:
            self.tag_keys = {(kind, normalise_name(name)) for kind, name in (*self.tags, *self.new_tags)}
            self.contacts = {normalise_name(x["name"]) for x in self.new_contacts}
            self.actions = set(self.new_actions)
            self.filled = {} if self.filled is None and not self.fresh else self.filled


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def select_in(session: Session, head: str, values: Iterable, tail: str = "", params: tuple = ()) -> list[tuple]:
    """`head` IN (values)`tail`, plain SQL through the driver, run CHUNK values at a time: every row.
    `head` and `tail` are this package's constants; the values, and `params` after them, are bound.
    PostgreSQL: `head` = ANY(one array) instead, the values at once: one statement, prepared once
    (an IN of 500 parameters is planned anew each time, and cost more than the lookup)."""
    conn, found = session.connection(), []
    if conn.dialect.name == "postgresql":
        values = list(values)
        return conn.exec_driver_sql(f"{head} = ANY(%s){tail}", (values, *params)).fetchall() if values else []
    mark = "?"
    for chunk in chunks(values):
        found += conn.exec_driver_sql(f"{head} IN ({', '.join([mark] * len(chunk))}){tail}", (*chunk, *params)).fetchall()
    return found


def row_keys_of(cipher: Cipher, row: Row) -> dict[tuple[str, object], str]:
    """The row's phones and emails -> their index keys ("p:" or "e:" and the blind index), phones first."""
    contact, keys = row.contact or {}, {}
    for kind, index in (("phone", cipher.phone_index), ("email", cipher.email_index)):
        for value in (row.values.get(kind), contact.get(kind)):
            if value and (kind, value) not in keys:
                keys[kind, value] = f"{kind[0]}:{index(value)}"
    return keys


def name_key(name: str, owner_id: str, *, norm: str | None = None) -> str:
    return f"n:{normalise_name(name) if norm is None else norm}\x1f{owner_id}"


_COLUMNS = ("id", "code", "name", "owner_id", "stage", "status", "grade", "grade_source", "phone_enc", "phone_index", "email_enc",
            "email_index", *PROFILE_FIELDS)  # the customer columns a Target is made from, in this order
_FIELDS = tuple(enumerate(PROFILE_FIELDS, start=12))


class Index:
    """Key -> the customers it names: those of the database any row of the batch could mean, then the
    ones earlier rows make. `load` before matching a chunk of rows; each key is asked for once until
    `forget` (once a batch is written) or for the whole file (once a row is refused and nothing more
    is written, as the customers of refused files are kept here).

    The lookups are plain SQL through the driver (`?` or `%s` placeholders, every value a parameter,
    the names constants of this module): compiling an IN (...) of 500 values through SQLAlchemy
    cost more than running it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.keys: dict[str, Target | list[Target]] = {}  # a list only when several
        self.known: dict[int, Target] = {}
        self._asked: set[str] = set()
        self._loaded: list[Target] = []  # customers of the database loaded since the last release()
        conn = session.connection()
        self._mark = "%s" if conn.dialect.name == "postgresql" else "?"
        due = NextAction.__table__.c.due_at.type.dialect_impl(conn.dialect)
        self._due = due.result_processor(conn.dialect, None) or (lambda value: value)

    def _in(self, head: str, values: Iterable, tail: str = "", params: tuple = ()) -> list[tuple]:
        return select_in(self.session, head, values, tail, params)

    def add(self, target: Target, keys: Iterable[str]) -> None:
        for key in keys:
            hit = self.keys.get(key)
            if hit is None:
                self.keys[key] = target
            elif isinstance(hit, list):
                if target not in hit:
                    hit.append(target)
            elif hit is not target:
                self.keys[key] = [hit, target]

    def hits(self, key: str) -> list[Target]:
        hit = self.keys.get(key)
        return [] if hit is None else hit if isinstance(hit, list) else [hit]

    def _customers(self, column: str, values: Iterable) -> list[tuple]:
        return self._in(f"SELECT {', '.join(_COLUMNS)} FROM customer WHERE {column}", values)

    def load(self, rows: list[Row], keys: dict[int, dict]) -> None:
        """The customers these rows could mean, with their tags, contacts and pending actions."""
        wanted = [f"c:{r.code}" for r in rows if r.code] + [f"n:{r.name_norm}" for r in rows]
        wanted += [k for ks in keys.values() for k in ks.values()]
        by_kind: dict[str, set[str]] = defaultdict(set)
        for key in wanted:
            if key not in self._asked:
                self._asked.add(key)
                by_kind[key[0]].add(key[2:])
        ids: set[int] = set()  # ids first (each lookup read from its index alone), then each customer's row once
        for kind, column in (("c", "code"), ("p", "phone_index"), ("e", "email_index"), ("n", "name_norm")):
            ids.update(cid for cid, in self._in(f"SELECT id FROM customer WHERE {column}", sorted(by_kind[kind])))
        by_contact: list[tuple[int, str]] = []
        for kind, column in (("p", "phone_index"), ("e", "email_index")):
            by_contact += [(cid, f"{kind}:{idx}") for cid, idx in self._in(f"SELECT customer_id, {column} FROM contact WHERE {column}",
                                                                           sorted(by_kind[kind]))]
        ids.update(cid for cid, _ in by_contact)
        found = {c[0]: c for c in self._customers("id", sorted(ids - self.known.keys()))}
        new = {cid: self._target(c) for cid, c in found.items()}
        self._details(new)
        self.known.update(new)
        self._loaded += new.values()
        for cid, t in new.items():
            c = found[cid]
            self.add(t, [f"c:{c[1]}", name_key(c[2], c[3])] + [f"{k}:{i}" for k, i in (("p", c[9]), ("e", c[11])) if i])
        for cid, key in by_contact:
            self.add(self.known[cid], [key])

    @staticmethod
    def _target(c: tuple, target: Target | None = None) -> Target:
        """A customer of the database (a row of _COLUMNS) as a Target (`target`: one released, filled again)."""
        t = target or Target(owner_id=c[3], name=c[2], code=c[1], customer_id=c[0], stage=(c[4], c[5]))
        t.grade_source, t.filled, t.tags, t.tag_keys, t.contacts, t.actions = c[7], {}, [], set(), set(), set()
        t.values = {f: c[i] for i, f in _FIELDS}
        t.values.update(grade=c[6], phone=c[8], email=c[10])
        return t

    def release(self) -> None:
        """Customers of the database that the rows so far leave unchanged keep only what finds them
        (memory stays flat on a file that imports again); `ready` loads them again if a later row names them."""
        for t in self._loaded:
            if not t.changes():
                t.values, t.filled, t.tags, t.tag_keys, t.contacts, t.actions, t.blind = {}, None, [], None, None, None, {}
        self._loaded = []

    def forget(self) -> None:
        """Everything matched so far is written (in this transaction): the database finds it as well
        as this index would, by every key (code, phones and emails of customers and contacts, name +
        owner), so nothing is kept across batches and memory stays flat."""
        self.keys, self.known, self._asked, self._loaded = {}, {}, set(), []

    def ready(self, target: Target) -> None:
        """A released customer of the database loaded again, before a row is merged into it."""
        if not target.fresh and target.tag_keys is None:
            self._target(self._customers("id", [target.customer_id])[0], target)
            self._details({target.customer_id: target})
            self._loaded.append(target)

    def _details(self, targets: dict[int, Target]) -> None:
        ids = sorted(targets)
        for cid, kind, name, norm in self._in("SELECT customer_id, kind, name, name_norm FROM customer_tag WHERE customer_id", ids,
                                              " ORDER BY id"):
            targets[cid].tags.append((kind, name))
            targets[cid].tag_keys.add((kind, norm))
        for cid, name in self._in("SELECT customer_id, name FROM contact WHERE customer_id", ids):
            targets[cid].contacts.add(normalise_name(name))
        due = self._due
        pending = f" AND status IN ({', '.join([self._mark] * len(PENDING_ACTION))})"
        for cid, title, at in self._in("SELECT customer_id, title, due_at FROM next_action WHERE customer_id", ids, pending, PENDING_ACTION):
            targets[cid].actions.add((title, due(at)))

    def match(self, row: Row, keys: dict) -> Target | None:
        """By code, else by any phone or email, else by name + owner; several customers: refused."""
        if row.code and self.hits(f"c:{row.code}"):
            return self.hits(f"c:{row.code}")[0]
        for key in [*keys.values(), name_key(row.name, row.owner_id, norm=row.name_norm)]:
            hits = self.hits(key)
            if len(hits) > 1:
                raise DomainError("imp_ambiguous", field="name", codes=", ".join(sorted(t.code or "?" for t in hits)[:5]))
            if hits:
                return hits[0]
        return None


def merge(target: Target, row: Row, own: dict[tuple[str, object], str]) -> tuple[bool, list[str]]:
    """Fill what the customer lacks; (anything new, keys the customer now has that it had not).
    `own`: row_keys_of the row."""
    changed, keys = False, []
    target.known()
    target.blind.update(own)
    for name, value in row.values.items():
        had = target.values.get(name)
        if had in (None, ""):
            target.values[name] = value
            if not target.fresh:
                target.filled[name] = (had, value)
            changed = True
            if name in ("phone", "email"):
                keys.append(own[name, value])
    for kind, name in row.tags:
        key = (kind, normalise_name(name))
        if key not in target.tag_keys:
            target.tag_keys.add(key)
            target.new_tags.append((kind, name))
            changed = True
    if len(target.tag_keys) > TAGS_MAX:
        raise DomainError("err_too_many", field=next(iter(TAG_COLUMNS)), limit=TAGS_MAX)
    if row.contact and normalise_name(row.contact["name"]) not in target.contacts:
        target.contacts.add(normalise_name(row.contact["name"]))
        target.new_contacts.append(row.contact)
        keys += [own[kind, row.contact[kind]] for kind in ("phone", "email") if row.contact[kind]]
        changed = True
    if row.action and row.action not in target.actions:
        target.actions.add(row.action)
        target.new_actions.append(row.action)
        changed = True
    return changed, keys
