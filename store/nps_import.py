"""NPS scores from a CSV file: every row checked first, then all recorded or none.

UTF-8 with or without a BOM. Headers in Chinese or English, in any order, any case:
客户/customer (name or code), 评分/score, 评论/comment, 时间/responded_at (a date or a date and
time, in `tz` unless it carries an offset; a date alone means 09:00; empty means now), 编号/id.
Without an id, a row's key is a hash of what it says (plus how many identical rows came before it
in the file), so importing the same file again records nothing new. Other columns are ignored.
"""
from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from store.customers import find_exact
from store.errors import DomainError, FieldErrors
from store.nps import EXTERNAL_ID_MAX, check_response, record_response

SOURCE = "csv"
COLUMNS = {
    "customer": ("客户", "customer"),
    "score": ("评分", "score"),
    "comment": ("评论", "comment"),
    "responded_at": ("时间", "responded_at"),
    "id": ("编号", "id"),
}
REQUIRED = ("customer", "score")
DAY_STARTS = time(9, 0)
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


@dataclass(frozen=True)
class RowError:
    line: int     # the line the row starts on; the header is line 1
    key: str      # catalog key of the reason
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NpsRow:
    line: int
    customer_id: int
    score: int
    comment: str
    responded_at: datetime
    external_id: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)


def _key(header: str) -> str | None:
    name = unicodedata.normalize("NFKC", header or "").strip().casefold()
    return next((k for k, names in COLUMNS.items() if name in names), None)


def parse_time(text: str, *, tz: ZoneInfo, now: datetime) -> datetime:
    """ISO 8601 (with or without offset), or YYYY/MM/DD [HH:MM[:SS]]; a bare date is 09:00 in tz."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return now
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in (*_FORMATS, "%Y/%m/%d"):
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise DomainError("nps_err_time", field="responded_at", value=text[:40])
    if len(text) <= 10:  # a date alone
        parsed = datetime.combine(parsed.date(), DAY_STARTS)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _row_key(cells: dict[str, str], seen: Counter) -> str:
    content = "\x1f".join(cells.get(k, "") for k in ("customer", "score", "comment", "responded_at"))
    seen[content] += 1
    digest = hashlib.sha256(f"{content}\x1e{seen[content]}".encode()).hexdigest()
    return f"row:{digest[:40]}"


def _records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and every non-blank record with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records, header, last = [], None, 0
    for cells in reader:
        start, last = last + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
        else:
            records.append((start, cells))
    return header or [], records


def _read_row(session: Session, line: int, cells: dict[str, str], *, tz: ZoneInfo, now: datetime,
              seen: Counter, ids: dict[str, int]) -> NpsRow | list[RowError]:
    errors: list[RowError] = []

    def fail(e: DomainError) -> None:
        errors.extend(RowError(line, x.key, dict(x.params)) for x in (e.errors if isinstance(e, FieldErrors) else [e]))

    customer = find_exact(session=session, text=cells.get("customer", "")) if cells.get("customer", "").strip() else None
    if customer is None:
        key = "nps_err_customer_unknown" if cells.get("customer", "").strip() else "nps_err_customer_missing"
        errors.append(RowError(line, key, {"customer": cells.get("customer", "").strip()[:60]}))
    responded_at = None
    try:
        responded_at = parse_time(cells.get("responded_at", ""), tz=tz, now=now)
    except DomainError as e:
        fail(e)
    external_id = cells.get("id", "").strip() or _row_key(cells, seen)
    if external_id in ids:
        errors.append(RowError(line, "nps_err_id_repeated", {"id": external_id[:EXTERNAL_ID_MAX], "first": ids[external_id]}))
    ids.setdefault(external_id, line)
    try:
        score, comment = check_response(score=cells.get("score", ""), comment=cells.get("comment", ""), source=SOURCE,
                                        external_id=external_id, responded_at=responded_at or now, now=now)
    except DomainError as e:
        fail(e)
    if errors:
        return errors
    return NpsRow(line=line, customer_id=customer.id, score=score, comment=comment, responded_at=responded_at,
                  external_id=external_id)


def read_csv(data: bytes, *, session: Session, tz: str, now: datetime) -> tuple[list[NpsRow], ImportReport]:
    """Every row checked (indexed customer lookups only); nothing written."""
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        report.errors.append(RowError(text_line(data, e.start), "nps_err_encoding"))
        return [], report
    header, records = _records(text)
    keys = [_key(h) for h in header]
    report.ignored_columns = [h.strip() for h, k in zip(header, keys) if k is None and h.strip()]
    doubled = [k for k, n in Counter(k for k in keys if k).items() if n > 1]
    missing = [k for k in REQUIRED if k not in keys]
    if doubled or missing or not header:
        for k in missing or ([] if header else list(REQUIRED)):
            report.errors.append(RowError(1, "nps_err_header_missing", {"column": " / ".join(COLUMNS[k])}))
        for k in doubled:
            report.errors.append(RowError(1, "nps_err_header_twice", {"column": " / ".join(COLUMNS[k])}))
        return [], report
    zone, seen, ids, rows = ZoneInfo(tz), Counter(), {}, []
    for line, cells in records:
        report.rows += 1
        by_key = {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}
        read = _read_row(session, line, by_key, tz=zone, now=now, seen=seen, ids=ids)
        if isinstance(read, NpsRow):
            rows.append(read)
        else:
            report.errors.extend(read)
    return rows, report


def text_line(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


Record = Callable[..., tuple[object, bool]]


def import_nps(*, session: Session, data: bytes, tz: str, now: datetime, recorded_by: str | None = None,
               record: Record = record_response) -> ImportReport:
    """Check every row; if any is refused, write nothing and return the reasons. Otherwise record
    them in order of response time (so a repeated low score sees the earlier one) through `record`,
    which takes record_response's arguments (the caller passes one that also raises the alerts)."""
    rows, report = read_csv(data, session=session, tz=tz, now=now)
    if report.errors:
        return report
    for row in sorted(rows, key=lambda r: (r.responded_at, r.line)):
        response, created = record(session=session, customer_id=row.customer_id, score=row.score, comment=row.comment,
                                   source=SOURCE, external_id=row.external_id, responded_at=row.responded_at,
                                   recorded_by=recorded_by, now=now)
        if created:
            report.created += 1
            report.created_ids.append(response.id)
        else:
            report.duplicates += 1
    return report
