"""Reading the file of a customer import (store/customer_import.py): its records, the file looked
over before any row is read (`survey`: the rows earlier imports wrote exactly as they are, by their
keyed digests, and the codes it keeps), and, for a large file, the reading done in a second process
(`serve`; bot/cli/import_reader.py starts it) while this one matches and writes.

Reading a row (RowReader.read: every cell checked) and its blind indexes (row_keys_of: HMACs) are
functions of the row, the header and the key alone, and they were about a quarter of a first
import's time; the database work cannot start on a batch before it is read, and the writing
cannot be spread (one transaction, one connection). So a reading process runs a batch ahead of
the writing one, on the other core: `serve`, run in a process bot/cli/import_reader.py starts (only
bot/ starts processes and threads; "spawn", so nothing of the importing process, its threads or
its connections, is inherited); it never opens the database: the owners it meets are asked of this
process (`who`: the people the bot knows, or Slack), which answers between batches.

Messages: this process sends ("known", lines) first (the lines `survey` found written by earlier
imports: not read). The reading process sends ("rows", [item, ...]) per BATCH records, each item
(line, Row's fields), (line, None, [(key, field, params), ...]) or (line,) for a known line, with
the batch's phones and emails encrypted ({value: token}); then ("end",). ("who", text, field) asks
for an owner, answered ("ok", user id or None) or ("refused", key, field, params). ("failed",
traceback) when the reading process broke.
"""
from __future__ import annotations

import io
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from store import customer_csv as read
from store.customer_match import row_keys_of
from store.customer_rows import BATCH, DIGEST_VERSION, Row, RowReader
from store.errors import DomainError
from store.privacy import Cipher

ASIDE_ROWS = 5000  # from this many rows left to read, they are read aside: below, starting a process costs more than it saves
_FIELDS = Row.__slots__


def file_records(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]], int]:
    """The header, the records one at a time with the line each starts on (decoded as they are read:
    the file is not held twice), and about how many there are (the lines after the header: exact
    unless a cell spans lines or a line is blank)."""
    records = read.records(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))
    header = next(records, (1, []))[1]
    return header, records, max(data.count(b"\n", 0, len(data.rstrip(b"\r\n"))), 0)


class RowDigest:
    """An imported row's digest (Cipher.row_digest) of the cells the import reads, each after the
    list of their columns (so the header's language and order do not matter), and `context` (the
    zone dates are read in and the default owner: the same cells read otherwise are another row)."""

    def __init__(self, cipher: Cipher, keys: list[str | None], context: str) -> None:
        columns = sorted((k, i) for i, k in enumerate(keys) if k)
        self.cipher, self.at = cipher, [i for _, i in columns]
        self.head = "\x1e".join([f"v{DIGEST_VERSION}", context, "\x1f".join(k for k, _ in columns), ""])

    def __call__(self, cells: list[str]) -> str:
        n = len(cells)
        return self.cipher.row_digest(self.head + "\x1f".join([cells[i] if i < n else "" for i in self.at]))


KNOWN = "known"  # a record's reading when an earlier import wrote it exactly as it is: not read again


@dataclass
class Survey:
    """The file at a glance, before any row is read: which records earlier imports wrote as they are
    (their digests in imported_row), each other record's digest (the first of two equal records
    only: the second finds what the first wrote), and the codes it keeps."""

    rows: int = 0
    known: list[int] = field(default_factory=list)  # lines
    digests: dict[int, str] = field(default_factory=dict)  # line -> digest
    kept: dict[str, int] = field(default_factory=dict)  # {month: the highest sequence}: _kept_code


def _kept_code(cell: str, kept: dict[str, int]) -> None:
    """A code in next_code's form (C202611007) the file keeps, noted: the month's counter is moved
    past them before the first new customer gets a code, so a code handed out early in the file is
    never one a later row keeps."""
    try:  # the cell as RowReader.read takes it
        seq = read.crm_code_seq(read.code(read.unguard(cell) if cell[:1] == "'" else cell))
    except DomainError:  # refused when the row is read
        return
    if seq:
        kept[seq[0]] = max(kept.get(seq[0], 0), seq[1])


def survey(records: Iterator[tuple[int, list[str]]], keys: list[str | None], digest: RowDigest,
           imported: Callable[[list[str]], set[str]]) -> Survey:
    """One pass over the records, cells untouched; `imported`: those of some digests earlier imports wrote."""
    found, first, code_at = Survey(), {}, keys.index("code") if "code" in keys else None

    def looked_up(batch: list[tuple[int, str]]) -> None:
        known = imported([d for _, d in batch])
        for line, d in batch:
            if d in known:
                found.known.append(line)
            elif d not in first:
                first[d] = line
        batch.clear()

    batch: list[tuple[int, str]] = []
    for line, cells in records:
        found.rows += 1
        batch.append((line, digest(cells)))
        if code_at is not None and code_at < len(cells) and cells[code_at]:
            _kept_code(cells[code_at], found.kept)
        if len(batch) == BATCH:
            looked_up(batch)
    looked_up(batch)
    found.digests = {line: d for d, line in first.items()}
    return found


# -- the reading process ----------------------------------------------------------------------------

class _Asking:
    """RowReader's `who` in the reading process: each owner cell asked of the importing process once."""

    def __init__(self, conn) -> None:
        self.conn, self.known = conn, {}

    def find(self, text: str, *, field: str = "owner") -> str | None:
        got = self.known.get((text, field))
        if got is None:
            self.conn.send(("who", text, field))
            got = self.known[text, field] = self.conn.recv()
        if got[0] == "refused":
            raise DomainError(got[1], field=got[2], **got[3])
        return got[1]


def serve(conn, data: bytes, keys: list[str | None], tz: str, now: datetime, default_owner: str | None, cipher: Cipher) -> None:
    """The reading process: once told the lines earlier imports wrote (("known", lines)), the file's
    other rows read and checked (with their blind indexes), BATCH records at a time, sent on `conn`."""
    try:
        known = set(conn.recv()[1])
        reader = RowReader(keys, who=_Asking(conn), zone=ZoneInfo(tz), now=now, default_owner=default_owner)
        batch: list[tuple] = []
        tokens: dict[str, str] = {}  # the batch's phones and emails, encrypted (see Sealing)
        for line, cells in file_records(data)[1]:
            if line in known:
                batch.append((line,))
                if len(batch) == BATCH:
                    conn.send(("rows", batch, tokens))
                    batch, tokens = [], {}
                continue
            got = reader.read(line, cells)
            if isinstance(got, Row):
                got.keys = row_keys_of(cipher, got)
                batch.append((line, tuple(getattr(got, name) for name in _FIELDS)))
                for value in (got.values.get("phone"), got.values.get("email"), *((got.contact["phone"], got.contact["email"])
                                                                                  if got.contact else ())):
                    if value:
                        tokens[value] = cipher.encrypt(value)
            else:
                batch.append((line, None, [(e.key, e.field, e.params) for e in got]))
            if len(batch) == BATCH:
                conn.send(("rows", batch, tokens))
                batch, tokens = [], {}
        conn.send(("rows", batch, tokens))
        conn.send(("end",))
    except (BrokenPipeError, EOFError):  # the importing process stopped listening: it failed, and says why
        pass
    except BaseException:
        try:
            conn.send(("failed", traceback.format_exc()))
        except OSError:
            pass
        raise
    finally:
        conn.close()


# -- the importing process --------------------------------------------------------------------------

class Sealing:
    """The import's Cipher, encrypting with the tokens the reading process made for the phones and
    emails of the batches just read (each token used once; a value without one, or met again, is
    encrypted here): Fernet takes a fresh random IV for every token wherever it is made, so a token
    made there is one this process would have made. Those of the batch before the last are let go."""

    def __init__(self, cipher: Cipher) -> None:
        self.plain, self.tokens, self.before = cipher, {}, {}

    def more(self, tokens: dict[str, str]) -> None:
        self.before, self.tokens = self.tokens, tokens

    def encrypt(self, value: str) -> str:
        token = self.tokens.pop(value, None) or self.before.pop(value, None)
        return self.plain.encrypt(value) if token is None else token

    def __getattr__(self, name: str):  # the blind indexes, decrypt: the Cipher's
        return getattr(self.plain, name)
