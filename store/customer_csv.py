"""Customers as CSV rows: the columns `python -m bot import` reads and `export` writes, and how a
cell is read (a label in Chinese or English, or the stored code) and written.

Headers in Chinese or English, any order and case; a trailing "*" or "(...)" is ignored:
    lead template   线索编号/code 来源渠道/source 客户名称/name 联系人/contact 职位/title
                    联系方式/contact_info 需求标签/tags 负责人/owner 阶段状态/stage_status
                    下次跟进时间/next_follow_up 备注/notes
    customer info   公司/company 行业/industry 员工数(规模)/staff_count 年营收/annual_revenue
                    地区/region 文化备注/cultural_notes 价值等级/value_tier 需求类型/need_type
                    电话/phone 邮箱/email 等级/grade 客户成功经理/cs_owner
    more            决策角色/contact_role 自定义标签/free_tags 行为标签/behaviour_tags 个人标签/personal_tags
The export writes every column, in this order, with the first name of each.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TextIO
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from store.errors import DomainError
from store.lifecycle import DEFAULT_STATUS, STAGE_STATUSES
from store.text import whole_number
from store.vocab import VOCAB, codes

# key -> (Chinese header, English header, other names accepted on import)
COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "code": ("线索编号", "code", ("客户编号", "编号", "lead_code", "customer_code")),
    "source": ("来源渠道", "source", ("来源", "渠道", "lead_source")),
    "name": ("客户名称", "name", ("客户", "客户名", "名称", "customer", "customer_name")),
    "contact": ("联系人", "contact", ("联系人姓名", "contact_name")),
    "title": ("职位", "title", ("职务", "联系人职位", "contact_title", "job_title")),
    "contact_info": ("联系方式", "contact_info", ("contact_details",)),
    "need_tags": ("需求标签", "tags", ("need_tags", "need_stage_tags")),
    "owner": ("负责人", "owner", ("销售负责人",)),
    "stage_status": ("阶段状态", "stage_status", ("阶段", "状态", "stage", "status")),
    "next_follow_up": ("下次跟进时间", "next_follow_up", ("下次跟进", "跟进时间", "next_follow_up_at", "follow_up")),
    "notes": ("备注", "notes", ("note", "remarks")),
    "company": ("公司", "company", ("公司名称", "company_name")),
    "industry": ("行业", "industry", ()),
    "staff_count": ("员工数", "staff_count", ("规模", "规模/员工数", "员工人数", "人数", "staff", "employees", "size")),
    "annual_revenue": ("年营收", "annual_revenue", ("年收入", "营收", "revenue")),
    "region": ("地区", "region", ("区域",)),
    "cultural_notes": ("文化备注", "cultural_notes", ("culture_notes",)),
    "value_tier": ("价值等级", "value_tier", ("客户价值",)),
    "need_type": ("需求类型", "need_type", ()),
    "phone": ("电话", "phone", ("手机", "电话号码", "phone_number", "mobile")),
    "email": ("邮箱", "email", ("电子邮箱", "e_mail")),
    "grade": ("等级", "grade", ("客户等级",)),
    "cs_owner": ("客户成功经理", "cs_owner", ("客户成功负责人", "客户成功", "cs_owner_id", "cs_manager")),
    "contact_role": ("决策角色", "contact_role", ("decision_role",)),
    "free_tags": ("自定义标签", "free_tags", ("标签",)),
    "behaviour_tags": ("行为标签", "behaviour_tags", ("behavior_tags",)),
    "personal_tags": ("个人标签", "personal_tags", ()),
}
TAG_COLUMNS = {"need_tags": "need_stage", "free_tags": "free", "behaviour_tags": "behaviour", "personal_tags": "personal"}
CHOICES = {"source": "source", "value_tier": "value_tier", "need_type": "need_type", "contact_role": "decision_role"}
TAG_SPLIT = re.compile(r"[,，、;；]")
CONTACT_SPLIT = re.compile(r"[,，、;；/]")
_SLACK_ID = re.compile(r"^[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{2,}$")  # any length Slack gives (UZH001, U0123ABCDEF)
_ID_SUFFIX = re.compile(r"\(\s*([UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{2,})\s*\)$")
_CRM_CODE = re.compile(r"^C(\d{4})(0[1-9]|1[0-2])(\d{3,})$")
CODE_MAX = 16
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_\-]*$")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def header_key(header: str) -> str | None:
    """The column a header names, or None."""
    name = re.sub(r"\s*\(.*\)$", "", _fold(header)).rstrip("*").strip()
    name = re.sub(r"[\s\-]+", "_", name)
    return next((key for key, (zh, en, other) in COLUMNS.items() if name in (zh, en, *other)), None)


def header(key: str, locale: str) -> str:
    zh, en, _ = COLUMNS[key]
    return zh if locale.lower().startswith("zh") else en


def _word(text: str) -> str:
    """How a choice is compared: NFKC, casefolded, "_" "-" and runs of blanks as one space."""
    return re.sub(r"[\s_\-]+", " ", _fold(text)).strip()


def _lookup(kind: str) -> dict[str, str]:
    return {_word(text): code for code, (zh, en) in VOCAB[kind].items() for text in (code, zh, en)}


_CHOICES = {kind: _lookup(kind) for kind in (*CHOICES.values(), "stage", "status")}
_STAGE_OF = {status: stage for stage, statuses in STAGE_STATUSES.items() for status in statuses}


def choice(column: str, text: str) -> str | None:
    """The code a cell names (label in either language, or the code); None when empty."""
    if not _word(text):
        return None
    found = _CHOICES[CHOICES[column]].get(_word(text))
    if found is None:
        raise DomainError("imp_choice", field=column, value=text.strip()[:40])
    return found


def stage_status(text: str) -> tuple[str, str] | None:
    """(stage, status) from a status (高意向, High intent, high_intent), a stage (its default status),
    or both ("线索期/高意向"); None when empty."""
    parts = [p for p in re.split(r"[/／|·>→]", text or "") if _word(p)]
    if not parts:
        return None
    stage = status = None
    for part in parts:
        word = _word(part)
        if word in _CHOICES["status"] and status is None:
            status = _CHOICES["status"][word]
        elif word in _CHOICES["stage"] and stage is None:
            stage = _CHOICES["stage"][word]
        else:
            raise DomainError("imp_stage", field="stage_status", value=text.strip()[:40])
    if status is not None:
        if stage not in (None, _STAGE_OF[status]):
            raise DomainError("imp_stage", field="stage_status", value=text.strip()[:40])
        return _STAGE_OF[status], status
    if stage not in DEFAULT_STATUS:
        raise DomainError("imp_stage_status_needed", field="stage_status", value=text.strip()[:40])
    return stage, DEFAULT_STATUS[stage]


def grade(text: str) -> str | None:
    """A, a, A类, A 类, Grade A -> "A"; None when empty."""
    word = _word(text)
    if not word:
        return None
    word = word.removeprefix("grade").strip().rstrip("类级").strip().upper()
    if word not in codes("grade"):
        raise DomainError("imp_grade", field="grade", value=text.strip()[:40])
    return word


def staff_count(text: str) -> int | None:
    """350, 1,200, 350人; a range (100-500) is refused."""
    value = _fold(text).replace(",", "").removesuffix("人").strip()
    if not value:
        return None
    if whole_number(value) is None:
        raise DomainError("imp_number", field="staff_count", value=text.strip()[:40])
    return whole_number(value)


def revenue(text: str) -> str:
    """As written, for store.profile.money, with ¥/元 dropped and 万/亿 multiplied out: 5000万 -> 50000000."""
    value = _fold(text).replace(",", "").lstrip("¥").removesuffix("元").strip()
    for unit, zeros in (("万", 4), ("亿", 8)):
        number = value.removesuffix(unit).strip()
        if value.endswith(unit) and re.fullmatch(r"\d+(\.\d+)?", number):
            return format(Decimal(number).scaleb(zeros), "f")
    return value


def code(text: str) -> str | None:
    """The customer code a cell holds, upper-cased: letters, digits, - and _, at most 16."""
    value = unicodedata.normalize("NFKC", text or "").strip().upper()
    if not value:
        return None
    if len(value) > CODE_MAX or not _CODE.match(value):
        raise DomainError("imp_code", field="code", value=value[:40], limit=CODE_MAX)
    return value


def crm_code_seq(value: str) -> tuple[str, int] | None:
    """("202611", 7) for C202611007, the form store.customers.next_code hands out; else None."""
    found = _CRM_CODE.match(value)
    return (found.group(1) + found.group(2), int(found.group(3))) if found else None


def slack_id(text: str) -> str | None:
    """A Slack user id alone (U0123ABCD) or at the end in brackets ("王小明 (U0123ABCD)")."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if _SLACK_ID.match(value):
        return value
    found = _ID_SUFFIX.search(value)
    return found.group(1) if found else None


def person(name: str, user_id: str | None) -> str:
    """How the export writes an owner: "name (U123)", or the id alone."""
    if not user_id:
        return ""
    return f"{name} ({user_id})" if name else user_id


def person_key(text: str) -> str:
    """How names and emails of Slack users are compared."""
    return re.sub(r"\s+", " ", _fold(text))


def split_list(text: str, pattern: re.Pattern = TAG_SPLIT) -> list[str]:
    return [part.strip() for part in pattern.split(text or "") if part.strip()]


def joiner(locale: str) -> str:
    return "、" if locale.lower().startswith("zh") else ", "


def format_time(at: datetime | None, tz: ZoneInfo) -> str:
    """2026-11-24 15:00 in the zone (seconds only when there are some)."""
    if at is None:
        return ""
    local = at.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def records(text: str | TextIO) -> Iterator[tuple[int, list[str]]]:
    """Every non-blank record, the header first, with the line it starts on (the header's is 1 when
    the file does not start with blank lines), one at a time. `text`: the file's text, or a text
    stream opened with newline=""."""
    reader = csv.reader(io.StringIO(text, newline="") if isinstance(text, str) else text)
    last = 0
    for row in reader:
        start, last = last + 1, reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


class People:
    """Slack users as an owner cell names them: an id (alone or as "name (U123)"), an email or a
    name, compared casefolded. An id is taken as it is, known or not (an export names owners so)."""

    def __init__(self, users: Iterable[tuple[str, str, str]]) -> None:
        self.by_email: dict[str, set[str]] = defaultdict(set)
        self.by_name: dict[str, set[str]] = defaultdict(set)
        for user_id, name, email in users:
            if email.strip():
                self.by_email[person_key(email)].add(user_id)
            if name.strip():
                self.by_name[person_key(name)].add(user_id)

    def find(self, text: str, *, field: str = "owner") -> str | None:
        value = " ".join((text or "").split())
        if not value:
            return None
        found = slack_id(value)
        if found:
            return found
        key = person_key(value)
        matches = self.by_email.get(key, set()) if "@" in key else self.by_name.get(key, set())
        if not matches:
            raise DomainError("imp_owner_unknown", field=field, owner=value[:60])
        if len(matches) > 1:
            raise DomainError("imp_owner_ambiguous", field=field, owner=value[:60], count=len(matches))
        return next(iter(matches))


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def guard(cell: str) -> str:
    """A cell Excel would run as a formula (=, +, -, @ first) gets a leading ' that Excel hides;
    it also keeps +86 phone numbers as text."""
    return "'" + cell if cell.startswith(_FORMULA) else cell


def unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA) else cell
