"""Reading the rows of a customer import (store/customer_import.py): checks only, nothing written
and nothing looked up but the Slack users. One `RowReader` per file works a column's repeated
cells (owners, stages, choices, tags, dates) out once; matching rows to customers is in
store/customer_match.py."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from store import customer_csv as read
from store.auto_actions import SYSTEM, title_for
from store.contacts import TITLE_MAX
from store.customer_csv import CONTACT_SPLIT, TAG_COLUMNS, People, split_list
from store.errors import DomainError, FieldErrors
from store.models import SlackUser
from store.nps_import import parse_time
from store.privacy import check_email, check_phone
from store.profile import LINE_FIELDS, NOTES_MAX, TAGS_MAX, check_profile, check_tags
from store.text import ACTION_MAX, NAME_MAX, clean, clean_line, normalise_name, require

FOLLOW_UP = "follow_up"  # the kind (store/vocab.py "auto_action") of an imported action without 备注
IMPORTED_BY = SYSTEM
BATCH, CHUNK = 1000, 500  # rows per write; keys per IN (...)
DIGEST_VERSION = 1  # of RowDigest (store/customer_reading.py): raised when a cell is read otherwise, so no earlier digest skips it
MEMO = 2000  # distinct cells of a column whose result a RowReader keeps
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
    known: int = 0       # of those, rows an earlier import wrote exactly as they are (not read again)
    contacts: int = 0
    actions: int = 0
    overdue: int = 0     # of those actions, already due
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(slots=True)
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
    name_norm: str = ""                  # normalise_name(name)
    digest: str = ""                     # Cipher.row_digest of its cells (store.crm_models.ImportedRow)
    keys: dict | None = None             # row_keys_of, when the reading process worked them out


def people(session: Session) -> People:
    return People(session.exec(select(SlackUser.id, SlackUser.name, SlackUser.email)).all())


def find_owner(*, session: Session, text: str) -> str:
    """The Slack user id an owner cell (or --default-owner) names; DomainError when none or several."""
    found = people(session).find(text)
    if found is None:
        raise DomainError("imp_owner_missing", field="owner")
    return found


# -- reading a row: checks only, nothing looked up but the Slack users -------------------------------

def _attempt(column: str, fn, *args, **kwargs) -> tuple[object, list[DomainError]]:
    """(fn's value, []) or (None, its refusals, each naming `column`)."""
    try:
        return fn(*args, **kwargs), []
    except FieldErrors as e:  # a check of several fields: keep each one
        found = e.errors
    except DomainError as e:
        found = [e]
    for error in found:
        error.field = column
    return None, found


def _profile(name: str, value: object) -> object:
    """A profile field's stored value (store.profile.check_profile), None when empty."""
    if value in (None, ""):
        return None
    if name in LINE_FIELDS:  # check_profile's rule for one field, without its checker (a call per row on unique values)
        return require(clean_line(value), field=name, limit=LINE_FIELDS[name], required=False) or None
    if name == "cultural_notes":
        return require(clean(value), field=name, limit=NOTES_MAX, required=False) or None
    got = check_profile({name: value})[name]
    return None if got == "" else got


def _tags(kind: str, text: str) -> list[tuple[str, str]]:
    names = split_list(text)
    return check_tags({kind: names}) if names else []


_PROFILE_COLUMNS = (("company", "company"), ("industry", "industry"), ("region", "region"), ("source", "source"),
                    ("value_tier", "value_tier"), ("need_type", "need_type"), ("staff_count", "staff_count"),
                    ("annual_revenue", "annual_revenue"), ("title", "contact_title"), ("cs_owner", "cs_owner_id"))


class RowReader:
    """read_row for one file: cells are checked as store.customer_import says; the result of a
    column's repeated cells (owners, stages, choices, tags, titles, dates) is worked out once."""

    def __init__(self, keys: list[str | None], *, who: People, zone: ZoneInfo, now: datetime, default_owner: str | None) -> None:
        """`keys`: the column each cell of a record is (None: not read)."""
        self.keys = keys
        given = set(keys)
        self._profiles = [(column, name) for column, name in _PROFILE_COLUMNS if column in given]
        self._tag_columns = [column for column in TAG_COLUMNS if column in given]
        self.who, self.zone, self.now, self.default_owner = who, zone, now, default_owner
        self._memo: dict[str, dict[str, tuple[object, list[DomainError]]]] = defaultdict(dict)
        self._by_column: dict[str, Callable[[str], object]] = {
            "owner": who.find,
            "cs_owner": lambda text: _profile("cs_owner_id", who.find(text, field="cs_owner")),
            "stage_status": read.stage_status,
            "grade": read.grade,
            "staff_count": lambda text: _profile("staff_count", read.staff_count(text)),
            "annual_revenue": lambda text: _profile("annual_revenue", read.revenue(text)),
            "title": lambda text: _profile("contact_title", text),
            "contact_role": lambda text: read.choice("contact_role", text) or "contact",
            # as the UTC instant the store keeps: a local time in a repeated hour (fold) never equals another zone's datetime
            "next_follow_up": lambda text: parse_time(text, tz=zone, now=now).astimezone(timezone.utc),
            **{column: (lambda column: lambda text: _profile(column, text))(column) for column in ("company", "industry", "region")},
            **{column: (lambda column: lambda text: _profile(column, read.choice(column, text)))(column)
               for column in ("source", "value_tier", "need_type")},
            **{column: (lambda kind: lambda text: _tags(kind, text))(kind) for column, kind in TAG_COLUMNS.items()},
        }

    def _cell(self, errors: list[DomainError], column: str, text: str) -> object:
        """The column's reading of a cell, its refusals added to `errors`."""
        memo = self._memo[column]
        got = memo.get(text)
        if got is None:
            got = _attempt(column, self._by_column[column], text)
            if len(memo) < MEMO:
                memo[text] = got
        errors += got[1]
        return got[0]

    def read(self, line: int, record: list[str]) -> Row | list[DomainError]:
        """A record's cells (in the header's order) checked: the row, or every refusal."""
        get = {k: read.unguard(cell) if cell[:1] == "'" else cell for k, cell in zip(self.keys, record) if k}.get

        def check(column: str, fn, *args, **kwargs):
            value, found = _attempt(column, fn, *args, **kwargs)
            errors.extend(found)
            return value

        errors: list[DomainError] = []
        cell = lambda column, text=None: self._cell(errors, column, get(column, "") if text is None else text)  # noqa: E731
        values: dict[str, object] = {}
        name = check("name", require, clean_line(get("name", "")), field="name", limit=NAME_MAX)
        code = check("code", read.code, get("code", ""))
        before = len(errors)
        owner = cell("owner") or (self.default_owner if len(errors) == before else None)
        if owner is None and len(errors) == before:
            errors.append(DomainError("imp_owner_missing", field="owner"))
        stage = cell("stage_status")
        for column, name_ in self._profiles:
            value = cell(column)
            if value is not None:
                values[name_] = value
        grade = cell("grade")
        if grade:
            values["grade"] = grade
        phone = check("phone", check_phone, get("phone", "")) if clean_line(get("phone", "")) else None
        email = check("email", check_email, get("email", "")) if clean_line(get("email", "")) else None

        said: dict[str, list] = {"phone": [], "email": []}  # 联系方式: a phone, an email, or one of each
        for part in split_list(get("contact_info", ""), CONTACT_SPLIT):
            kind = "email" if "@" in part else "phone"
            said[kind].append(check("contact_info", check_email if kind == "email" else check_phone, part))
        if len(said["phone"]) > 1 or len(said["email"]) > 1:
            errors.append(DomainError("imp_contact_info_two", field="contact_info"))
        info_phone, info_email = (said["phone"] or [None])[0], (said["email"] or [None])[0]
        contact = None
        if clean_line(get("contact", "")):
            contact = dict(name=check("contact", require, clean_line(get("contact", "")), field="contact", limit=NAME_MAX),
                           title=clean_line(get("title", ""))[:TITLE_MAX], phone=info_phone, email=info_email, role=cell("contact_role"))
        else:
            phone, email = phone or info_phone, email or info_email
        values.update({k: v for k, v in (("phone", phone), ("email", email)) if v})

        tags: list[tuple[str, str]] = []
        for column in self._tag_columns:
            tags += cell(column) or []
        if len(tags) > TAGS_MAX:
            errors.append(DomainError("err_too_many", field=next(k for k in TAG_COLUMNS if get(k, "").strip()), limit=TAGS_MAX))

        due_text, notes, action = get("next_follow_up", "").strip(), clean(get("notes", "")), None
        if due_text:
            due = cell("next_follow_up", due_text)
            title = check("notes", require, clean_line(notes) or title_for(FOLLOW_UP), field="notes", limit=ACTION_MAX)
            action = (title, due) if due and title else None
        kept = (clean(get("cultural_notes", "")), "" if due_text else notes)  # 备注 without a time: kept with the notes
        cultural = check("cultural_notes", _profile, "cultural_notes", "\n".join(p for p in kept if p))
        if cultural is not None:
            values["cultural_notes"] = cultural
        if errors:
            return errors
        return Row(line=line, code=code, name=name, owner_id=owner, stage=stage, values=values, tags=tags, contact=contact,
                   action=action, name_norm=normalise_name(name))
