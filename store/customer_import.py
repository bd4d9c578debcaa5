"""Customers from a CSV file (the lead template, the customer-information table, or our export):
every row checked and written, a batch at a time, in the caller's transaction (one savepoint), or
nothing: a refused row undoes the batches written before it.

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
  (SlackUser.email / .name, casefolded); nobody or several people refuses the row. A caller that
  can ask Slack passes `resolve_owner` (bot/cli/owners.py), called once per owner value with the
  cell's text: it returns the user id or raises DomainError.
- 阶段状态: a status or stage label (zh or en) or code; a new customer starts there (one stage
  history entry, "imported"; an import is a record of where customers are, not a move, so no
  transition rule applies and no lifecycle action is made).
- 联系人 makes a contact with 职位 and 决策角色; 联系方式 (a phone or an email, told apart by
  the "@"; both may be given, split by ; or ,) is the contact's, or the customer's 电话/邮箱 when
  no contact is named. Phones and emails are checked and stored encrypted.
- 下次跟进时间 makes a next action for the owner titled 备注 (or, without 备注, the kind follow_up: 跟进 / Follow up in its reader's language), announced by
  the scheduler like any other; a date alone is 09:00 in `tz`. A time already past is accepted
  and falls due at once (the report counts them). 备注 without a time is added to 文化备注.
- A row an earlier import wrote exactly as it is (the same cells under the same columns, the same
  zone and default owner: RowDigest, its keyed digest kept in imported_row) is counted as a row with
  nothing new and not read again: what was removed from its customer since is not put back. The
  file is looked over first (`survey`: every record's digest looked up, BATCH at a time, and the
  codes it keeps), before any row is read; only the other rows are read, checked and matched.
- No first-contact action is made: an import records what the file says (10,000 rows must not
  ask for 10,000 calls tomorrow); give 下次跟进时间 to be reminded.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from store import customer_csv as read
from store.customer_csv import header_key
from store.customer_match import Index, Target, merge, row_keys_of
from store.customer_reading import ASIDE_ROWS, KNOWN, RowDigest, file_records, survey
from store.customer_rows import BATCH, ImportReport, Progress, Row, RowError, RowReader, people
from store.customer_writes import DEFER_FROM, Writer
from store.errors import DomainError
from store.nps_import import text_line
from store.privacy import Cipher

__all__ = ["ImportReport", "OwnerResolver", "RowError", "import_customers"]
OwnerResolver = Callable[[str], str]  # an owner cell -> a Slack user id; DomainError when none or several


class _Resolved:
    """read_row's `who` when the caller resolves owners: an empty cell is no owner."""

    def __init__(self, resolve: OwnerResolver) -> None:
        self.resolve = resolve

    def find(self, text: str, *, field: str = "owner") -> str | None:
        return self.resolve(text) if (text or "").strip() else None


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
                     default_owner: str | None = None, progress: Progress | None = None,
                     resolve_owner: OwnerResolver | None = None, read_aside: Callable | None = None,
                     aside_from: int = ASIDE_ROWS, defer_from: int = DEFER_FROM) -> ImportReport:
    """Check every row; if any is refused write nothing and return the reasons, else write them all
    (in the caller's transaction). `default_owner`: a Slack user id for rows without an owner.
    `resolve_owner`: how owner cells become user ids (default: the users the bot has met).
    `read_aside`: when `aside_from` rows or more are left to read once the file is looked over, they
    are read and checked by what it makes (bot/cli/import_reader.py's Aside: a second process, while
    this one matches and writes; store/customer_reading.py). `defer_from`: from how many new rows an
    import into a smaller SQLite database builds the indexes it does not read afterwards (Writer.defer_indexes).

    One pass over the file: rows are read, checked and matched BATCH at a time (the customers they
    may mean looked up per batch), and each batch's customers are written at once inside a
    savepoint; the first refused row stops the writing, and the savepoint is rolled back at the end.
    Nothing is kept across written batches: the database (this transaction) finds the customers
    earlier rows made or completed."""
    report = ImportReport()
    try:
        data.decode("utf-8-sig")  # checked whole first: a bad byte is reported with its line, before anything is read
    except UnicodeDecodeError as e:
        report.errors.append(RowError(text_line(data, e.start), "nps_err_encoding"))
        return report
    header, records, about = file_records(data)
    keys = _columns(header, report, default_owner)
    if keys is None:
        return report
    written = {k: h.strip() for h, k in zip(header, keys) if k}
    who = people(session) if resolve_owner is None else _Resolved(resolve_owner)
    index = Index(session)
    writer = Writer(session, cipher=cipher, now=now)
    savepoint = writer.savepoint()
    aside = None
    try:
        with writer.tuned():
            seen = survey(records, keys, RowDigest(cipher, keys, f"{tz}\x1f{default_owner or ''}"), writer.imported)
            writer.kept, unknown = seen.kept, seen.rows - len(seen.known)
            writer.defer_indexes(unknown, defer_from)
            if read_aside is not None and unknown >= aside_from:  # a large file of new rows: read in a second process
                aside = read_aside(who=who, data=data, keys=keys, tz=tz, now=now, default_owner=default_owner, cipher=cipher)
                writer.cipher, reads = aside.cipher, aside.reads(seen.known)
            else:  # a small file, or mostly rows imported before: read here, if any
                reader, known = RowReader(keys, who=who, zone=ZoneInfo(tz), now=now, default_owner=default_owner), set(seen.known)
                reads = ((line, KNOWN if line in known else reader.read(line, cells)) for line, cells in file_records(data)[1]) \
                    if unknown else ((line, KNOWN) for line in seen.known)
            _each(reads, seen.digests, index, report, cipher, written, writer, progress, about)
            if not report.errors:  # else the savepoint's rollback puts them back
                writer.build_indexes()
    finally:
        if aside is not None:
            aside.close()
    report.errors.sort(key=lambda e: e.line)
    if report.errors:
        savepoint.rollback()  # the batches written before the first refused row
        report.created = report.updated = report.unchanged = report.known = report.contacts = report.actions = report.overdue = 0
        return report
    savepoint.commit()
    return report


def _each(reads: Iterator[tuple[int, Row | list[DomainError] | str]], digests: dict[int, str], index: Index, report: ImportReport,
          cipher: Cipher, written: dict[str, str], writer: Writer, progress: Progress | None, about: int) -> None:
    """Every record's reading (the row, its refusals, or KNOWN), matched and written BATCH at a time."""
    batch: list[Row] = []
    for line, got in reads:
        report.rows += 1
        if got is KNOWN:
            report.known += 1
            report.unchanged += 1
        elif isinstance(got, Row):
            got.digest = digests.get(line, "")
            batch.append(got)
        else:
            report.errors += [RowError(line, e.key, dict(e.params), written.get(e.field)) for e in got]
        if len(batch) == BATCH:
            _match(index, batch, report, cipher, written, writer)
            batch = []
        if progress and report.rows % 500 == 0:
            progress("import", report.rows, max(about, report.rows))
    _match(index, batch, report, cipher, written, writer)
    if progress:
        progress("import", report.rows, report.rows)


def _match(index: Index, rows: list[Row], report: ImportReport, cipher: Cipher, written: dict[str, str], writer: Writer) -> None:
    """Rows that passed their checks, matched in the file's order to the customers they complete (of
    the database or of earlier rows) or made new ones; then the customers they change written,
    unless a row was refused already (nothing will be kept then)."""
    row_keys = {row.line: row_keys_of(cipher, row) if row.keys is None else row.keys for row in rows}
    index.load(rows, row_keys)
    targets: dict[Target, None] = {}  # in the order rows first name them
    remembered: dict[str, Target] = {}  # each row's digest -> the customer it made or completed
    for row in rows:
        try:
            target = index.match(row, row_keys[row.line])
            fresh = target is None
            if fresh:  # later rows find it as they would find it in the database
                (target, new_keys), changed = Target.start(row, row_keys[row.line]), True
            else:
                index.ready(target)
                changed, new_keys = merge(target, row, row_keys[row.line])
            if changed:  # a customer of the database left as it is is not written
                targets.setdefault(target)
        except DomainError as e:
            report.errors.append(RowError(row.line, e.key, dict(e.params), written.get(e.field) or read.header(e.field, "en")))
            continue
        index.add(target, new_keys)
        if row.digest:  # not the second of two equal records
            remembered.setdefault(row.digest, target)
        report.created += fresh
        report.updated += changed and not fresh
        report.unchanged += not changed and not fresh
    if not report.errors:
        changed = list(targets)
        report.contacts += sum(len(t.new_contacts) for t in changed)
        report.actions += sum(len(t.new_actions) for t in changed)
        report.overdue += sum(due <= writer.now for t in changed for _, due in t.new_actions)
        writer.write(changed)
        writer.remember(remembered)
        index.forget()
    else:
        index.release()
