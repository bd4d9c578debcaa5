"""Writing a customer import (store/customer_import.py), a batch of customers at a time in the
caller's transaction (one savepoint): rows through PostgreSQL's COPY or the driver's executemany, each
column's bind processor applied here (SQLAlchemy's per-row parameter handling and ORM objects cost ten times as much),
codes from the month's counter, audit entries as store.audit.record writes them."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter

from sqlalchemy import case, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from store import audit
from store.crm_models import AuditEntry, CustomerTag, ImportedRow, StageChange
from store.customer_match import Target, select_in
from store.auto_actions import title_for
from store.customer_rows import FOLLOW_UP, IMPORTED_BY, LINE_DEFAULTS
from store.models import ActionStatus, CodeCounter, Contact, Customer, NextAction
from store.privacy import Cipher, mask_email, mask_phone, sealed
from store.profile import PROFILE_FIELDS, search_text_of
from store.text import normalise_name


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
    """Codes for new customers without one, from the month's counter (moved past the codes the file
    keeps before the first batch: Writer)."""
    bare = [t for t in targets if not t.code]
    if bare:
        month = now.strftime("%Y%m")
        last = _counter(session, month, len(bare), add=True)
        for t, n in zip(bare, range(last - len(bare) + 1, last + 1)):
            t.code = f"C{month}{n:03d}"


_PROCESSORS: dict[tuple, list[tuple[int, object]]] = {}  # (dialect, table, names) -> [(position, bind processor)]


def _processors(dialect, table, names: tuple[str, ...]) -> list[tuple[int, object]]:
    """The columns of `names` that have a bind processor on the dialect, worked out once per table and names."""
    key = (dialect.name, dialect.driver, table, names)
    got = _PROCESSORS.get(key)
    if got is None:
        got = _PROCESSORS[key] = [(i, p) for i, p in enumerate(table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names) if p]
    return got


def _bound(conn, model, names: list[str], rows: list[dict]) -> list[tuple]:
    """The rows' values in `names` order, each passed through its column's bind processor as
    SQLAlchemy would (None left as it is). Each distinct value of a column is processed once (most
    are the import's `now`), and a column whose values all come back as they are (PostgreSQL's
    UTC datetimes) is left alone."""
    pick = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    processors = []
    for i, p in _processors(conn.dialect, model.__table__, tuple(names)):
        try:
            done = {value: p(value) for value in set(map(itemgetter(names[i]), rows)) if value is not None}
        except TypeError:  # an unhashable value (a JSON column's dict): each processed
            processors.append((i, None, p))
            continue
        if any(got is not value for value, got in done.items()):
            done[None] = None
            processors.append((i, done, p))
    if not processors:
        return list(map(pick, rows))
    params = []
    for row in rows:
        values = list(pick(row))
        for i, done, p in processors:
            value = values[i]
            values[i] = done[value] if done is not None else None if value is None else p(value)
        params.append(tuple(values))
    return params


def _run_many(session: Session, model, sql: str, names: list[str], rows: list[dict]) -> None:
    """`sql` (with one placeholder per name) through the driver's executemany."""
    if rows:
        conn = session.connection()
        conn.exec_driver_sql(sql.replace("?", "%s") if conn.dialect.name == "postgresql" else sql, _bound(conn, model, names, rows))


def _insert(session: Session, model, rows: list[dict]) -> None:
    """INSERT the rows (dicts with the same keys): PostgreSQL's COPY (psycopg's, in this transaction;
    several times faster than an executemany of INSERTs), else the driver's executemany."""
    if not rows:
        return
    conn = session.connection()
    quote, names = conn.dialect.identifier_preparer.quote, list(rows[0])
    columns = ", ".join(quote(n) for n in names)
    if conn.dialect.name == "postgresql":
        sql, dbapi = f"COPY {quote(model.__table__.name)} ({columns}) FROM STDIN", conn.dialect.loaded_dbapi
        try:
            with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
                for values in _bound(conn, model, names, rows):
                    copy.write_row(values)
        except dbapi.Error as e:  # as SQLAlchemy raises it for any other statement (IntegrityError, ...)
            raise DBAPIError.instance(sql, None, e, dbapi.Error, dialect=conn.dialect) from e
        return
    _run_many(session, model, f"INSERT INTO {quote(model.__table__.name)} ({columns}) VALUES ({', '.join('?' * len(names))})", names, rows)


def _sealed(cipher: Cipher, phone: object, email: object, blind: dict | None = None) -> dict[str, str | None]:
    """store.privacy.sealed's columns (all four), the blind indexes taken from `blind` (row_keys_of)
    when it has them."""
    phone_enc = phone_index = email_enc = email_index = None
    if phone:
        known = blind.get(("phone", phone)) if blind else None
        phone_enc, phone_index = cipher.encrypt(phone), known[2:] if known else cipher.phone_index(phone)
    if email:
        known = blind.get(("email", email)) if blind else None
        email_enc, email_index = cipher.encrypt(email), known[2:] if known else cipher.email_index(email)
    return {"phone_enc": phone_enc, "phone_index": phone_index, "email_enc": email_enc, "email_index": email_index}


_PROFILE = frozenset(PROFILE_FIELDS)
_NO_PROFILE = {f: "" if f in LINE_DEFAULTS else None for f in PROFILE_FIELDS}  # a profile column the file leaves empty


def _customer_row(t: Target, cipher: Cipher, now: datetime) -> dict:
    """What store.customers.create_customer would store, at the row's stage."""
    v = t.values
    grade = v.get("grade")
    row = {"code": t.code, "name": t.name, "name_norm": normalise_name(t.name), "owner_id": t.owner_id, "created_by": IMPORTED_BY,
           "created_at": now, "updated_at": now, "stage": t.stage[0], "status": t.stage[1], "stage_changed_at": now,
           "grade": grade, "grade_source": "manual" if grade else None, **_NO_PROFILE}
    for name, value in v.items():
        if name in _PROFILE:
            row[name] = value
    row.update(_sealed(cipher, v.get("phone"), v.get("email"), t.blind))
    row["search_norm"] = search_text_of(t.name, row["company"], t.code, row["industry"], [name for _, name in t.new_tags])
    return row


def _audit(customer_id: int, field: str, old: object, new: object, now: datetime, *, entity: str = "customer",
           entity_id: int | None = None) -> dict:
    """An audit_entry row, as store.audit.record writes it."""
    return {"at": now, "by": IMPORTED_BY, "entity": entity, "entity_id": customer_id if entity_id is None else entity_id,
            "customer_id": customer_id, "field": field, "old": audit.as_text(old), "new": audit.as_text(new)}


def _fill(t: Target, cipher: Cipher, now: datetime, audits: list[dict]) -> dict:
    """A customer of the database: its columns the file fills (phone/email sealed), search text and
    updated_at; each fill audited as store.audit.record does (phone/email masked)."""
    cid, columns, v = t.customer_id, {}, t.values
    for name, (old, value) in t.filled.items():
        if name in ("phone", "email"):
            columns.update(sealed(cipher, **{"phone": None, "email": None, name: value}))
            audits.append(_audit(cid, name, None, mask_phone(value) if name == "phone" else mask_email(value), now))
            continue
        audits.append(_audit(cid, name, old, value, now))
        columns[name] = value
        if name == "grade":
            if t.grade_source != "manual":
                audits.append(_audit(cid, "grade_source", t.grade_source, "manual", now))
            columns["grade_source"] = "manual"
    search = search_text_of(t.name, v.get("company"), t.code, v.get("industry"), [name for _, name in (*t.tags, *t.new_tags)])
    return {**columns, "search_norm": search, "updated_at": now, "id": cid}


def _update(session: Session, rows: list[dict]) -> None:
    """UPDATE customer by id, one executemany per set of columns."""
    quote = session.connection().dialect.identifier_preparer.quote
    by_columns: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row in rows:
        by_columns[tuple(row)].append(row)
    for names, group in by_columns.items():
        sets = ", ".join(f"{quote(n)} = ?" for n in names if n != "id")
        _run_many(session, Customer, f"UPDATE customer SET {sets} WHERE id = ?", [n for n in names if n != "id"] + ["id"], group)


def _ids(session: Session, head: str, keys: list) -> dict[tuple, int]:
    """{(the other columns): id} for the rows `head` (SELECT id, ... WHERE column) finds among `keys`."""
    found: dict[tuple, int] = {}
    for row in select_in(session, head, keys):
        found[tuple(row[1:])] = max(row[0], found.get(tuple(row[1:]), 0))
    return found


def _reserve(session: Session, model, n: int) -> list[int] | None:
    """SQLite: the ids n new rows of `model`'s table will have, taken before they are written (so
    none is looked up after): those after the table's highest id, which no other connection can take
    meanwhile (SQLite has one writer: this transaction once it has written, and a transaction whose
    snapshot another writer has moved past is refused its first write, never writes over it).
    PostgreSQL: None, the rows are found after they are written (_ids): its sequence hands out one
    value a call, slower than that lookup (1.3 against 1.0 s at 100,000 customers)."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return None
    top = conn.exec_driver_sql(f"SELECT max(id) FROM {conn.dialect.identifier_preparer.quote(model.__table__.name)}").scalar() or 0
    return list(range(top + 1, top + n + 1))


def _with_id(row_id: int | None, row: dict) -> dict:
    """The row with the id _reserve took for it, if any (else its table's default gives one)."""
    return row if row_id is None else {"id": row_id, **row}


CACHE_KIB = 32 * 1024  # 64 MiB was 0.3 s faster at 100,000 rows, but the import and its reading process then peaked over 300 MB


DEFER_FROM = 5_000  # new rows from which an import into a smaller SQLite database builds some indexes afterwards
DEFERRED = ("customer", "contact", "stage_change", "customer_tag", "next_action", "audit_entry")
# the indexes of those tables that the import reads through (store/customer_match.py's lookups: by
# code, phone and email blind index, name, customer), and the one unique index (an import gives no origin)
KEPT_INDEXES = frozenset({"ix_customer_name_norm", "ix_customer_email_index", "ix_customer_phone_index", "ix_contact_customer_id",
                          "ix_contact_email_index", "ix_contact_phone_index", "ix_next_action_customer_status",
                          "uq_next_action_open_origin"})


class Writer:
    """Writes an import's customers batch by batch in the caller's transaction, inside one savepoint
    (`savepoint()`), so that a row refused after some batches were written undoes them all."""

    def __init__(self, session: Session, *, cipher: Cipher, now: datetime) -> None:
        self.session, self.cipher, self.now = session, cipher, now
        # {month: highest sequence} of the file's codes in next_code's form (store.customer_reading.survey),
        # set before the first write; the counters are moved past them when the first new customer is written
        self.kept: dict[str, int] | None = None
        self.default_title = title_for(FOLLOW_UP)  # an action without 备注 keeps its kind, so it reads in its reader's language
        self._deferred: list[tuple[str, str]] = []  # (name, CREATE INDEX ...) of the indexes defer_indexes dropped

    def savepoint(self) -> SessionTransaction:
        """A savepoint inside the caller's transaction. pysqlite opens no transaction before a
        SAVEPOINT, and RELEASE of an outermost one would commit: BEGIN first when none is open.
        BEGIN IMMEDIATE: the import holds SQLite's write lock from here (waiting busy_timeout for a
        writer in progress), so the file is looked over in a snapshot no other writer moves. A
        deferred BEGIN read first and asked for the lock at its first write, which SQLite refuses at
        once ("database is locked", no wait) when the bot has written meanwhile: a bot answering a
        command beside a large import made it fail."""
        conn = self.session.connection()
        if conn.dialect.name == "sqlite" and not conn.connection.driver_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return self.session.begin_nested()

    @contextmanager
    def tuned(self) -> Iterator[None]:
        """The connection set for the import, then set back. SQLite: the page cache raised to
        CACHE_KIB (its indexes outgrow the default 2 MiB, and every lookup and insert read pages
        again). PostgreSQL: sequential scans off for the import's transaction (SET LOCAL): its
        statistics lag the rows this transaction writes or a large import just committed, and
        without them it takes each value of a 500-value IN (...) to match 0.5% of the table, so it
        scanned the whole table for every lookup instead of using the index."""
        conn = self.session.connection()
        if conn.dialect.name == "sqlite":
            setting, value = "PRAGMA cache_size", f"{-CACHE_KIB:d}"
            before = conn.exec_driver_sql(setting).scalar()
            change = lambda to: conn.exec_driver_sql(f"{setting}={int(to):d}")  # noqa: E731
        elif conn.dialect.name == "postgresql":
            before, value = conn.exec_driver_sql("SHOW enable_seqscan").scalar(), "off"
            change = lambda to: conn.exec_driver_sql(f"SET LOCAL enable_seqscan = {'on' if to == 'on' else 'off'}")  # noqa: E731
        else:
            yield
            return
        change(value)
        try:
            yield
        except BaseException:
            if conn.dialect.name == "sqlite":  # not undone by a rollback; SET LOCAL is, and a failed transaction takes no SET
                change(before)
            raise
        change(before)

    def defer_indexes(self, rows: int, least: int = DEFER_FROM) -> None:
        """SQLite, when the import brings `least` new rows or more, and more than `customer` holds: the indexes the import
        never reads through (DEFERRED) dropped now and built again by `build_indexes`, in this
        transaction. Building an index from its rows at once sorts them; keeping it while rows come
        in one by one inserts each into its B-tree (search text, owners, dates, due times). Readers
        of the database see the committed schema meanwhile (the WAL), and a rolled-back import puts
        the indexes back with the rest. PostgreSQL: nothing (DROP INDEX would lock the tables
        against every reader until the import commits)."""
        conn = self.session.connection()
        if conn.dialect.name != "sqlite" or rows < least:
            return
        held = conn.exec_driver_sql("SELECT count(*) FROM customer").scalar()
        if rows <= held:
            return
        marks = ", ".join("?" * len(DEFERRED))
        self._deferred = [(name, sql) for name, sql in conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name",
            tuple(DEFERRED)) if name not in KEPT_INDEXES]
        for name, _ in self._deferred:
            conn.exec_driver_sql(f"DROP INDEX {conn.dialect.identifier_preparer.quote(name)}")

    def build_indexes(self) -> None:
        """The indexes `defer_indexes` dropped, built again as they were."""
        conn = self.session.connection()
        for _, sql in self._deferred:
            conn.exec_driver_sql(sql)
        self._deferred = []

    def imported(self, digests: list[str]) -> set[str]:
        """Those of `digests` an earlier import wrote (store.customer_reading.survey asks, before any write)."""
        return {d for d, in select_in(self.session, "SELECT digest FROM imported_row WHERE digest", digests)}

    def remember(self, rows: dict[str, Target]) -> None:
        """Each written row's digest with the customer it made or completed (written already: ids set)."""
        _insert(self.session, ImportedRow, [dict(digest=d, customer_id=t.customer_id, at=self.now) for d, t in rows.items()])

    def write(self, targets: list[Target]) -> None:
        """INSERT the new customers (their ids set on the targets), UPDATE what the others are filled
        with, then their stage entries, tags, next actions, contacts and audit entries."""
        if not targets:
            return
        session, cipher, now = self.session, self.cipher, self.now
        shown = lambda pairs: ", ".join(f"{k}:{n}" for k, n in pairs) or None  # noqa: E731 (as store.profile.write_tags)
        fresh = [t for t in targets if t.fresh]
        if fresh and self.kept is not None:  # before any code is handed out or kept
            for period, n in sorted(self.kept.items()):
                _counter(session, period, n, add=False)
            self.kept = None
        _codes(session, fresh, now)
        reserved = _reserve(session, Customer, len(fresh))
        _insert(session, Customer, [_with_id(cid, _customer_row(t, cipher, now)) for t, cid in zip(fresh, reserved or [None] * len(fresh))])
        if reserved is None:
            found = _ids(session, "SELECT id, code FROM customer WHERE code", [t.code for t in fresh])
            reserved = [found[(t.code,)] for t in fresh]
        ids = dict(zip(fresh, reserved))
        rows: dict[type, list[dict]] = defaultdict(list)
        _update(session, [_fill(t, cipher, now, rows[AuditEntry]) for t in targets if not t.fresh])  # audited before the INSERTs
        contacts: list[tuple[int, dict, dict]] = []
        norms: dict[str, str] = {}  # a tag's normalise_name: a file names few tags, many times
        for t in targets:
            cid = ids[t] if t.fresh else t.customer_id
            if t.fresh:
                rows[StageChange].append(dict(customer_id=cid, at=now, by=IMPORTED_BY, from_stage=None, from_status=None,
                                              to_stage=t.stage[0], to_status=t.stage[1], reason="imported"))
                rows[AuditEntry].append(_audit(cid, "created", None, t.code, now))
            if t.new_tags:
                rows[CustomerTag] += [dict(customer_id=cid, kind=k, name=n,
                                           name_norm=norms.get(n) or norms.setdefault(n, normalise_name(n))) for k, n in t.new_tags]
                rows[AuditEntry].append(_audit(cid, "tags", shown(t.tags), shown([*t.tags, *t.new_tags]), now))
            rows[NextAction] += [dict(customer_id=cid, interaction_id=None, title=title,
                                      kind=FOLLOW_UP if title == self.default_title else None, due_at=due, announce_at=due,
                                      owner_id=t.owner_id, created_by=t.owner_id, status=ActionStatus.open.value, done_at=None,
                                      done_by=None, created_at=now, updated_at=now, origin=None)
                                 for title, due in t.new_actions]
            contacts += [(cid, x, t.blind) for x in t.new_contacts]
        reserved = _reserve(session, Contact, len(contacts))
        _insert(session, Contact, [_with_id(xid, dict(customer_id=cid, name=x["name"], title=x["title"], role=x["role"], created_at=now,
                                                      **_sealed(cipher, x["phone"], x["email"], blind)))
                                   for xid, (cid, x, blind) in zip(reserved or [None] * len(contacts), contacts)])
        if reserved is None:  # one contact per name and customer
            found = _ids(session, "SELECT id, customer_id, name FROM contact WHERE customer_id", sorted({cid for cid, _, _ in contacts}))
            reserved = [found[(cid, x["name"])] for cid, x, _ in contacts]
        for xid, (cid, x, _) in zip(reserved, contacts):  # audited as store.contacts.add_contact does
            about = dict(entity="contact", entity_id=xid)
            rows[AuditEntry].append(_audit(cid, "created", None, f"{x['name']} {x['title']} {x['role']}".strip(), now, **about))
            rows[AuditEntry] += [_audit(cid, field, None, mask(x[field]), now, **about)
                                 for field, mask in (("phone", mask_phone), ("email", mask_email)) if x[field]]
        for model in (StageChange, CustomerTag, NextAction, AuditEntry):
            _insert(session, model, rows[model])
        for t in fresh:
            t.customer_id = ids[t]
