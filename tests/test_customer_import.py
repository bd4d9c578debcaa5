"""Customers from CSV: the store's all-or-nothing import, and `python -m bot import` as a process."""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from store.audit import history
from store.contacts import contacts_with_phone
from store.customer_import import RowError, import_customers
from store.customers import create_customer
from store.db import transaction
from store.migrate import upgrade
from store.key_rotation import rotate_key
from store.models import AuditEntry, CodeCounter, ImportedRow, Contact, Customer, CustomerTag, NextAction, StageChange
from store.permissions import Viewer
from store.privacy import Cipher
from store.profile import customers_with_email, customers_with_phone, set_tags
from store.users import save_user
from tests.clock import process_at
from tests.conftest import BOSS, REP, REP_EN

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)
KEY = "test-key-" + "k" * 40
CIPHER = Cipher(KEY)
ROOT = Path(__file__).resolve().parents[1]
LI_1, LI_2, NEWBIE = "U0LILEI001", "U0LILEI002", "U0NEWBIE42"
USERS = [(REP, "王小明", "wang@example.com", "zh-CN"), (REP_EN, "Alice Smith", "alice@example.com", "en-US"),
         (BOSS, "赵总", "zhao@example.com", "zh-CN"), (LI_1, "Li Lei", "li.lei@example.com", "en-US"),
         (LI_2, "li  lei", "lilei2@example.com", "en-US")]


def users(db) -> None:
    """The Slack users as the bot has cached them (users.info)."""
    with transaction(db) as s:
        for user_id, name, email, locale in USERS:
            save_user(session=s, user_id=user_id, name=name, email=email, locale=locale, now=NOW,
                      tz="Asia/Shanghai" if locale == "zh-CN" else "America/New_York")


def load(db, data: str | bytes, **kw):
    data = data.encode() if isinstance(data, str) else data
    with transaction(db) as s:
        return import_customers(session=s, data=data, cipher=CIPHER, tz="Asia/Shanghai", now=kw.pop("now", NOW), **kw)


def opened(token: str | None) -> str | None:
    return CIPHER.decrypt(token) if token else None


def customers(db) -> list[tuple]:
    with transaction(db) as s:
        return [(c.code, c.name, c.owner_id, c.stage, c.status, c.source, c.contact_title, c.cultural_notes,
                 opened(c.phone_enc), opened(c.email_enc)) for c in s.exec(select(Customer).order_by(Customer.id))]


def contacts(db) -> list[tuple]:
    with transaction(db) as s:
        rows = s.exec(select(Customer.code, Contact).join(Customer, Customer.id == Contact.customer_id).order_by(Contact.id))
        return [(code, c.name, c.title, c.role, opened(c.phone_enc), opened(c.email_enc)) for code, c in rows]


def tags(db) -> list[tuple]:
    with transaction(db) as s:
        rows = s.exec(select(Customer.code, CustomerTag.kind, CustomerTag.name).join(Customer, Customer.id == CustomerTag.customer_id)
                      .order_by(CustomerTag.id))
        return [tuple(r) for r in rows]


def actions(db) -> list[tuple]:
    with transaction(db) as s:
        rows = s.exec(select(Customer.code, NextAction).join(Customer, Customer.id == NextAction.customer_id).order_by(NextAction.id))
        return [(code, a.title, a.due_at.astimezone(SHANGHAI).isoformat(), a.owner_id, a.created_by, a.status,
                 a.announce_at == a.due_at, a.origin) for code, a in rows]


def counts(db) -> dict[str, int]:
    with transaction(db) as s:
        return {m.__name__: s.exec(select(func.count()).select_from(m)).one()
                for m in (Customer, Contact, CustomerTag, NextAction, StageChange, AuditEntry)}


TEMPLATE = ("\ufeff线索编号,来源渠道,客户名称,联系人,职位,联系方式,需求标签,负责人,阶段状态,下次跟进时间,备注\n"
            "XS-001,展会,星河科技,张总,总经理,+86 138-1234-5678,方案评估、预算确认,wang@example.com,高意向,2026-12-01,发送报价\n"
            ",官网表单,北方重工,李工,技术负责人,li@north.com,,王小明,已签约,2026-11-25 15:30,\n"
            ",转介绍,蓝天物流,,,,,Alice Smith,线索期,,展会上聊过\n")


def test_the_lead_templates_chinese_headers_with_a_bom(db):
    users(db)
    report = load(db, TEMPLATE)
    assert (report.rows, report.created, report.updated, report.unchanged, report.contacts, report.actions, report.overdue,
            report.errors, report.ignored_columns) == (3, 3, 0, 0, 2, 2, 0, [], [])
    assert customers(db) == [
        ("XS-001", "星河科技", REP, "lead", "high_intent", "exhibition", "总经理", "", None, None),
        ("C202611001", "北方重工", REP, "converted", "signed", "website_form", "技术负责人", "", None, None),
        ("C202611002", "蓝天物流", REP_EN, "lead", "to_nurture", "referral", "", "展会上聊过", None, None),  # 备注 without a time
    ]
    assert contacts(db) == [("XS-001", "张总", "总经理", "contact", "+86 138-1234-5678", None),
                            ("C202611001", "李工", "技术负责人", "contact", None, "li@north.com")]
    assert tags(db) == [("XS-001", "need_stage", "方案评估"), ("XS-001", "need_stage", "预算确认")]
    assert actions(db) == [("XS-001", "发送报价", "2026-12-01T09:00:00+08:00", REP, REP, "open", True, None),  # a date alone: 09:00
                           ("C202611001", "跟进", "2026-11-25T15:30:00+08:00", REP, REP, "open", True, None)]  # kind follow_up
    with transaction(db) as s:
        stages = [(c.to_stage, c.to_status, c.reason, c.at, c.by) for c in s.exec(select(StageChange).order_by(StageChange.id))]
        star = s.exec(select(Customer).where(Customer.code == "XS-001")).one()
        log = [(e.entity, e.field, e.old, e.new) for e in reversed(history(session=s, customer_id=star.id))]
        raw = s.execute(text("SELECT phone_enc, phone_index FROM contact WHERE name = '张总'")).one()
        found = [c.name for c in contacts_with_phone(session=s, cipher=CIPHER, phone="138 1234 5678")]
    assert stages == [("lead", "high_intent", "imported", NOW, "crm"), ("converted", "signed", "imported", NOW, "crm"),
                      ("lead", "to_nurture", "imported", NOW, "crm")]
    assert log == [("customer", "created", None, "XS-001"), ("customer", "tags", None, "need_stage:方案评估, need_stage:预算确认"),
                   ("contact", "created", None, "张总 总经理 contact"), ("contact", "phone", None, "138****5678")]
    assert "138-1234-5678" not in raw[0] and CIPHER.decrypt(raw[0]) == "+86 138-1234-5678"  # encrypted at rest
    assert raw[1] == CIPHER.phone_index("13812345678") and found == ["张总"]       # found however written


INFO_ZH = "客户名称,负责人,公司,行业,规模,年营收,地区,文化备注,价值等级,需求类型,电话,邮箱,等级,客户成功负责人,自定义标签,行为标签,个人标签,来源渠道\n"
INFO_EN = "Name,Owner,Company,Industry,Employees,Annual Revenue,Region,Cultural_Notes,value_tier,Need-Type,Phone,E-mail,Grade,cs_owner,free_tags,behaviour_tags,personal_tags,source\n"
INFO_ROW = '星河科技,U0REP00001,星河科技有限公司,制造业,"1,200人",5000万,华东 上海,"重视关系\n逢年过节问候",高价值,Service-oriented,+86 138-1234-5678,Info@Galaxy.com,a,赵总,"VIP, 大客户",爱比价,喜欢高尔夫,Referral\n'


@pytest.mark.parametrize("header", [INFO_ZH, INFO_EN], ids=["chinese", "english"])
def test_the_customer_information_tables_fields_in_chinese_or_english(db, header):
    users(db)
    report = load(db, header + INFO_ROW)
    assert (report.created, report.errors, report.ignored_columns) == (1, [], [])
    with transaction(db) as s:
        c = s.exec(select(Customer)).one()
        assert (c.company, c.industry, c.staff_count, c.annual_revenue, c.region, c.cultural_notes) == (
            "星河科技有限公司", "制造业", 1200, Decimal("50000000.00"), "华东 上海", "重视关系\n逢年过节问候")
        assert (c.value_tier, c.need_type, c.grade, c.grade_source, c.cs_owner_id, c.source, c.stage, c.status) == (
            "high", "service_oriented", "A", "manual", BOSS, "referral", "lead", "to_nurture")
        assert (opened(c.phone_enc), opened(c.email_enc)) == ("+86 138-1234-5678", "Info@Galaxy.com")
        assert c.search_norm == "星河科技 星河科技有限公司 c202611001 制造业 vip 大客户 爱比价 喜欢高尔夫"
        assert [x.code for x in customers_with_phone(session=s, cipher=CIPHER, phone="13812345678")] == ["C202611001"]
        assert [x.code for x in customers_with_email(session=s, cipher=CIPHER, email="info@galaxy.com")] == ["C202611001"]
    assert tags(db) == [("C202611001", "free", "VIP"), ("C202611001", "free", "大客户"), ("C202611001", "behaviour", "爱比价"),
                        ("C202611001", "personal", "喜欢高尔夫")]


def test_owners_by_email_name_or_slack_id_and_a_default_for_empty_ones(db):
    users(db)
    report = load(db, "name,Owner\nA,WANG@example.com\nB,alice  smith\nC,U0BOSS0003\nD,赵总 (U0BOSS0003)\nE,U0NEWBIE42\nF,\n",
                  default_owner=REP)
    assert report.errors == []
    assert [(c[1], c[2]) for c in customers(db)] == [("A", REP), ("B", REP_EN), ("C", BOSS), ("D", BOSS), ("E", NEWBIE), ("F", REP)]


def test_unknown_ambiguous_and_missing_owners_refuse_their_rows(db):
    users(db)
    report = load(db, "name,Owner\nA,Nobody\nB,Li Lei\nC,\nD,nobody@example.com\nE,王小明\n")
    assert report.errors == [
        RowError(2, "imp_owner_unknown", {"owner": "Nobody"}, "Owner"),
        RowError(3, "imp_owner_ambiguous", {"owner": "Li Lei", "count": 2}, "Owner"),
        RowError(4, "imp_owner_missing", {}, "Owner"),
        RowError(5, "imp_owner_unknown", {"owner": "nobody@example.com"}, "Owner"),
    ]
    assert counts(db)["Customer"] == 0


def test_one_bad_row_imports_nothing_and_every_problem_names_its_line_and_column(db):
    users(db)
    data = ("线索编号,客户名称,负责人,联系方式,电话,邮箱,阶段状态,下次跟进时间,来源渠道,等级,员工数,年营收\n"
            "XS-1,好公司,王小明,13800000000,,,高意向,2026-12-01 10:00,展会,A,350,100万\n"   # 2: fine
            ",甲,王小明,12ab,,,,,,,,\n"                                                       # 3
            ",乙,王小明,,123,,,,,,,\n"                                                        # 4
            ",丙,王小明,,,not-an-email,,,,,,\n"                                              # 5
            ",丁,王小明,,,,热情,,,,,\n"                                                       # 6
            ",戊,王小明,,,,流失期,,,,,\n"                                                     # 7
            ",己,王小明,,,,,下周二,,,,\n"                                                     # 8
            ",庚,王小明,,,,,2026-02-30,,,,\n"                                                 # 9
            ",辛,王小明,,,,,,地推,D,,\n"                                                      # 10
            ",壬,王小明,,,,,,,,100-500,很多\n"                                               # 11
            "XS 001,,王小明,,,,,,,,,\n"                                                       # 12
            "\n"                                                                             # 13: blank
            ",癸,王小明,13800000000; 13900000000,,,,,,,,\n")                                 # 14
    report = load(db, data)
    assert report.errors == [
        RowError(3, "err_phone", {}, "联系方式"),
        RowError(4, "err_phone", {}, "电话"),
        RowError(5, "err_email", {}, "邮箱"),
        RowError(6, "imp_stage", {"value": "热情"}, "阶段状态"),
        RowError(7, "imp_stage_status_needed", {"value": "流失期"}, "阶段状态"),
        RowError(8, "nps_err_time", {"value": "下周二"}, "下次跟进时间"),
        RowError(9, "nps_err_time", {"value": "2026-02-30"}, "下次跟进时间"),
        RowError(10, "imp_choice", {"value": "地推"}, "来源渠道"),
        RowError(10, "imp_grade", {"value": "D"}, "等级"),
        RowError(11, "imp_number", {"value": "100-500"}, "员工数"),
        RowError(11, "err_amount", {}, "年营收"),
        RowError(12, "err_required", {}, "客户名称"),
        RowError(12, "imp_code", {"value": "XS 001", "limit": 16}, "线索编号"),
        RowError(14, "imp_contact_info_two", {}, "联系方式"),
    ]
    assert (report.rows, report.created) == (12, 0)
    assert counts(db) == {"Customer": 0, "Contact": 0, "CustomerTag": 0, "NextAction": 0, "StageChange": 0, "AuditEntry": 0}
    with transaction(db) as s:
        assert s.exec(select(CodeCounter)).all() == []


@pytest.mark.parametrize("data, errors", [
    ("负责人,电话\n王小明,13800000000\n".encode(), [RowError(1, "imp_header_missing", {"column": "客户名称 / name"})]),
    ("客户名称,电话\n甲,13800000000\n".encode(), [RowError(1, "imp_header_missing", {"column": "负责人 / owner"})]),
    ("客户名称,负责人,阶段,状态\n甲,王小明,线索期,高意向\n".encode(), [RowError(1, "imp_header_twice", {"column": "阶段状态 / stage_status"})]),
    ("客户名称,负责人\n甲,王小明\n".encode("gbk"), [RowError(1, "nps_err_encoding", {})]),
    (b"", [RowError(1, "imp_header_missing", {"column": "客户名称 / name"}),
           RowError(1, "imp_header_missing", {"column": "负责人 / owner"})]),
])
def test_files_that_cannot_be_read_are_refused_whole(db, data, errors):
    users(db)
    assert load(db, data).errors == errors
    assert counts(db)["Customer"] == 0


def test_the_same_file_twice_adds_nothing(db):
    users(db)
    load(db, TEMPLATE)
    before = (counts(db), customers(db), contacts(db), tags(db), actions(db))
    again = load(db, TEMPLATE, now=NOW + timedelta(days=1))
    assert (again.rows, again.created, again.updated, again.unchanged, again.known, again.contacts, again.actions) == (3, 0, 0, 3, 3, 0, 0)
    assert (counts(db), customers(db), contacts(db), tags(db), actions(db)) == before
    # the same rows written otherwise (a space after each cell: read again, not known) find everything they say
    padded = "\n".join(",".join(f"{cell} " if cell else cell for cell in line.split(",")) for line in TEMPLATE.splitlines()[1:])
    reread = load(db, TEMPLATE.splitlines()[0] + "\n" + padded + "\n", now=NOW + timedelta(days=2))
    assert (reread.errors, reread.rows, reread.created, reread.updated, reread.unchanged, reread.known) == ([], 3, 0, 0, 3, 0)
    assert (counts(db), customers(db), contacts(db), tags(db), actions(db)) == before


def _digests(db) -> int:
    with transaction(db) as s:
        return len(s.exec(select(ImportedRow.digest)).all())


def test_rows_imported_before_are_skipped_and_what_was_removed_since_stays_removed(db):
    """A row an earlier import wrote exactly as it is is not read again: a tag removed since is not
    put back. A row with anything different is read, checked and matched as always; the header's
    language and column order do not make a row different; the zone and the default owner do."""
    users(db)
    load(db, TEMPLATE)
    assert _digests(db) == 3
    with transaction(db) as s:
        star = s.exec(select(Customer).where(Customer.code == "XS-001")).one()
        set_tags(session=s, viewer=Viewer(id=REP), customer_id=star.id, tags={"need_stage": ["方案评估"]}, now=NOW)
    again = load(db, TEMPLATE, now=NOW + timedelta(days=1))
    assert (again.known, again.unchanged, again.updated) == (3, 3, 0)
    assert tags(db) == [("XS-001", "need_stage", "方案评估")]
    # the same cells under English headers, in another order: still the same rows
    english = ("owner,code,name,source,contact,title,contact_info,need_tags,stage_status,next_follow_up,notes\n"
               "wang@example.com,XS-001,星河科技,展会,张总,总经理,+86 138-1234-5678,方案评估、预算确认,高意向,2026-12-01,发送报价\n")
    assert (load(db, english).known, _digests(db)) == (1, 3)
    # one cell more: read again, and the tag it names is what the customer lacks
    enriched = TEMPLATE.replace("方案评估、预算确认,wang", "方案评估、预算确认、决策链,wang")
    report = load(db, enriched)
    assert (report.errors, report.known, report.updated, report.unchanged) == ([], 2, 1, 2)
    assert tags(db) == [("XS-001", "need_stage", "方案评估"), ("XS-001", "need_stage", "预算确认"), ("XS-001", "need_stage", "决策链")]
    assert _digests(db) == 4
    # read in another zone, the same cells are other instants: read again, and their follow-ups are new
    with transaction(db) as s:
        other = import_customers(session=s, data=TEMPLATE.encode(), cipher=CIPHER, tz="America/New_York", now=NOW)
    assert (other.errors, other.known, other.actions) == ([], 0, 2)


def test_a_refused_file_or_a_new_key_leaves_no_digest_to_skip_by(db):
    users(db)
    refused = load(db, TEMPLATE + ",展会,坏电话公司,,,12ab,,王小明,,,\n")
    assert (len(refused.errors), refused.known, _digests(db)) == (1, 0, 0)
    load(db, TEMPLATE)
    with transaction(db) as s:
        rotate_key(session=s, old=CIPHER, new=Cipher("another-key-" + "n" * 40))
    assert _digests(db) == 0
    with transaction(db) as s:  # found again by the new key's blind indexes and the names: nothing new, nothing doubled
        again = import_customers(session=s, data=TEMPLATE.encode(), cipher=Cipher("another-key-" + "n" * 40), tz="Asia/Shanghai", now=NOW)
    assert (again.errors, again.known, again.unchanged, again.created) == ([], 0, 3, 0)
    assert counts(db)["Customer"] == 3


def test_a_known_customer_is_completed_never_changed(db):
    users(db)
    load(db, TEMPLATE)
    enriched = ("name,owner,source,stage_status,company,email,tags,contact,title,next_follow_up,notes\n"
                '星河科技,wang@example.com,Referral,Signed,星河科技有限公司,info@xinghe.com,"预算确认, 决策链",王经理,采购,2026-12-03 10:00,约见王经理\n')
    report = load(db, enriched, now=NOW + timedelta(hours=1))
    assert (report.created, report.updated, report.unchanged, report.contacts, report.actions) == (0, 1, 0, 1, 1)
    assert customers(db)[0] == ("XS-001", "星河科技", REP, "lead", "high_intent", "exhibition", "总经理", "", None, "info@xinghe.com")
    assert contacts(db)[2] == ("XS-001", "王经理", "采购", "contact", None, None)
    assert tags(db) == [("XS-001", "need_stage", "方案评估"), ("XS-001", "need_stage", "预算确认"), ("XS-001", "need_stage", "决策链")]
    assert [a[:3] for a in actions(db) if a[0] == "XS-001"] == [("XS-001", "发送报价", "2026-12-01T09:00:00+08:00"),
                                                               ("XS-001", "约见王经理", "2026-12-03T10:00:00+08:00")]
    with transaction(db) as s:
        star = s.exec(select(Customer).where(Customer.code == "XS-001")).one()
        assert (star.company, star.updated_at, star.search_norm) == ("星河科技有限公司", NOW + timedelta(hours=1),
                                                                     "星河科技 星河科技有限公司 xs-001 方案评估 预算确认 决策链")
        latest = [(e.entity, e.field, e.old, e.new) for e in reversed(history(session=s, customer_id=star.id)) if e.at > NOW]
    assert latest == [("customer", "company", "", "星河科技有限公司"), ("customer", "email", None, "i***@xinghe.com"),
                      ("customer", "tags", "need_stage:方案评估, need_stage:预算确认", "need_stage:方案评估, need_stage:预算确认, need_stage:决策链"),
                      ("contact", "created", None, "王经理 采购 contact")]
    # another name, but the phone of its contact: the same customer, whose own empty phone it fills
    again = load(db, "客户名称,负责人,联系方式\nXinghe Tech,Alice Smith,13812345678\n")
    assert (again.created, again.updated) == (0, 1)
    assert customers(db)[0][1:2] + customers(db)[0][8:] == ("星河科技", "13812345678", "info@xinghe.com")


def test_rows_about_one_company_make_one_customer_with_its_contacts(db):
    users(db)
    report = load(db, "name,owner,contact,title\n远景科技,wang@example.com,张三,CEO\n远景科技,王小明,李四,CTO\n"
                      "远景科技,wang@example.com,张三,CEO\n")
    assert (report.created, report.updated, report.unchanged, report.contacts) == (1, 1, 1, 2)
    assert customers(db) == [("C202611001", "远景科技", REP, "lead", "to_nurture", "", "CEO", "", None, None)]
    assert contacts(db) == [("C202611001", "张三", "CEO", "contact", None, None), ("C202611001", "李四", "CTO", "contact", None, None)]


def test_codes_are_kept_and_the_counter_moves_past_them_and_a_name_shared_by_two_is_refused(db):
    users(db)
    assert load(db, "code,name,owner\nC202611005,甲,王小明\n,乙,王小明\nxs-9,丙,王小明\n").errors == []
    with transaction(db) as s:
        later = create_customer(session=s, name="丁", owner_id=REP, created_by=REP, now=NOW).code
        create_customer(session=s, name="重名", owner_id=REP, created_by=REP, now=NOW)
        create_customer(session=s, name="重名", owner_id=REP, created_by=REP, now=NOW)
    assert [c[0] for c in customers(db)] == ["C202611005", "C202611006", "XS-9", "C202611007", "C202611008", "C202611009"]
    assert later == "C202611007"
    refused = load(db, "code,name,owner\n,重名,王小明\n")
    assert refused.errors == [RowError(2, "imp_ambiguous", {"codes": "C202611008, C202611009"}, "name")]
    by_code = load(db, "code,name,owner,industry\nC202611009,重名,王小明,物流\n")
    assert (by_code.errors, by_code.updated) == ([], 1)
    assert counts(db)["Customer"] == 6


def test_progress_is_reported_while_importing(db):
    users(db)
    seen = []
    load(db, TEMPLATE, progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert seen == [("import", 3, 3)]


def test_every_reason_the_import_gives_has_text_in_both_languages():
    """Both languages and matching placeholders are checked for the whole catalog in test_i18n."""
    import re

    from bot.cli.customers import say
    from handlers.i18n import CATALOG

    source = "".join((ROOT / "store" / name).read_text(encoding="utf-8") for name in
                     ("customer_import.py", "customer_rows.py", "customer_match.py", "customer_writes.py", "customer_csv.py"))
    used = set(re.findall(r'"((?:imp|err|nps_err)_[a-z_]+)"', source))
    assert sorted(key for key in used if key not in CATALOG) == []
    assert (say("en-US", "imp_grade", value="D"), say("zh-CN", "err_phone")) == (
        "The grade is A, B or C, not “D”.", "电话号码格式不对：只能有数字（可带 +、-、空格）。")


# -- python -m bot import ----------------------------------------------------------------------------

def run(args: list[str], *, env: dict[str, str], cwd: Path, at: datetime | None = None) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` as a process; `at`: the instant its clock starts at (libfaketime)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    clean.update(PYTHONPATH=str(ROOT), CRM_ENCRYPTION_KEY=KEY, CRM_QUIET_HOURS="off", **env, **(process_at(at) if at else {}))
    return subprocess.run([sys.executable, "-m", "bot", *args], env=clean, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_refuses_the_whole_file_in_chinese_and_exits_1(empty_database, tmp_path):
    upgrade(empty_database.url)
    users(empty_database.factory)
    path = tmp_path / "leads.csv"
    path.write_text("客户名称,负责人,联系方式,阶段状态,微信\n星河科技,王小明,13812345678,高意向,x\n北方重工,谁,12ab,热情,y\n",
                    encoding="utf-8-sig")
    done = run(["import", str(path)], env={"DATABASE_URL": empty_database.url, "CRM_DEFAULT_LOCALE": "zh-CN"}, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == "忽略的列：微信\n"
    assert done.stderr.splitlines()[-4:] == [
        "第 3 行，负责人：找不到负责人“谁”：请写 Slack 用户的邮箱、名字或 ID（如 U0123ABCD）；名字和邮箱只认得用过机器人的同事。",
        "第 3 行，阶段状态：看不懂阶段状态“热情”：请写状态（如 高意向、已签约）或阶段（如 线索期）。",
        "第 3 行，联系方式：电话号码格式不对：只能有数字（可带 +、-、空格）。",
        "有 3 处问题，什么都没有导入。"]
    assert counts(empty_database.factory)["Customer"] == 0


def test_cli_imports_in_english_and_the_scheduler_announces_the_follow_up(empty_database, fake, tmp_path):
    upgrade(empty_database.url)
    users(empty_database.factory)
    for user_id, name, email, locale in USERS[:2]:  # as Slack tells the bot when it refreshes them
        fake.add_user(user_id, tz="Asia/Shanghai" if locale == "zh-CN" else "America/New_York", locale=locale, real_name=name,
                      email=email)
    due = (NOW + timedelta(days=3)).astimezone(SHANGHAI).replace(second=0, microsecond=0)
    path = tmp_path / "leads.csv"
    path.write_text("code,name,owner,contact_info,stage_status,next_follow_up,notes\n"
                    f"XS-7,Galaxy Tech,,ceo@galaxy.com,High intent,{due:%Y-%m-%d %H:%M},Send the quote\n"
                    f"XS-8,Old Lead,alice@example.com,,,2020-01-01,\n", encoding="utf-8")  # no 备注: a follow-up, in alice's English
    env = {"DATABASE_URL": empty_database.url, "CRM_DEFAULT_LOCALE": "en", "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url}
    checked = run(["import", str(path), "--default-owner", "王小明", "--dry-run"], env=env, cwd=tmp_path, at=NOW)
    assert (checked.returncode, checked.stdout) == (0, "Owner “王小明” → U0REP00001 (王小明): real name in Slack\n"
                                                       "Owner “alice@example.com” → U0REPEN002: email of someone who has used the bot\n"
                                                       "2 rows. New customers: 2; rows adding to customers already known: 0; rows with nothing new: 0; "
                                                       "contacts added: 0; next actions added: 2.\n1 of those next actions is already due: "
                                                       "the bot's scheduler reminds its owner on its next run.\n"
                                                       "Checked only (--dry-run): nothing was written.\n"), checked.stderr
    assert counts(empty_database.factory)["Customer"] == 0
    done = run(["import", str(path), "--default-owner", "王小明", "--progress"], env=env, cwd=tmp_path, at=NOW)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("2 rows. New customers: 2; rows adding to customers already known: 0; rows with nothing new: 0; "
                                           "contacts added: 0; next actions added: 2.")
    # tqdm on stderr although it is a pipe (--progress): each bar's start and end ("\r" read as a newline)
    assert _bars(done.stderr) == ["importing:   0%|empty| 0/2", "importing: 100%|full| 2/2"], done.stderr
    assert actions(empty_database.factory) == [
        ("XS-7", "Send the quote", due.isoformat(), REP, REP, "open", True, None),
        ("XS-8", "跟进", "2020-01-01T09:00:00+08:00", REP_EN, REP_EN, "open", True, None)]
    assert customers(empty_database.factory)[0] == ("XS-7", "Galaxy Tech", REP, "lead", "high_intent", "", "", "", None, "ceo@galaxy.com")
    first = run(["jobs", "--once", "--now", NOW.isoformat()], env=env, cwd=tmp_path)  # the past one is due at once
    assert json.loads(first.stdout.splitlines()[-1])["sent"] == 1, first.stderr
    at_due = run(["jobs", "--once", "--now", due.isoformat()], env=env, cwd=tmp_path)
    assert json.loads(at_due.stdout.splitlines()[-1])["sent"] == 1, at_due.stderr
    assert [(c.params["channel"], c.params["text"]) for c in fake.calls_to("chat.postMessage")] == [
        (REP_EN, "Next action due: Follow up (Old Lead)"), (REP, "下一步行动到期：Send the quote（Galaxy Tech）")]
    again = run(["import", str(path), "--default-owner", "王小明"], env=env, cwd=tmp_path, at=NOW)
    assert (again.returncode, again.stdout) == (0, "2 rows. New customers: 0; rows adding to customers already known: 0; rows with nothing new: 2; "
                                                   "contacts added: 0; next actions added: 0.\n2 of those rows were imported before exactly "
                                                   "as they are: skipped, not read again (what was changed or removed since is left as it is).\n"), again.stderr
    zh = run(["import", str(path), "--default-owner", "王小明"], env={**env, "CRM_DEFAULT_LOCALE": "zh-CN"}, cwd=tmp_path, at=NOW)
    assert (zh.returncode, zh.stdout.splitlines()[1:]) == (0, ["其中 2 行与之前导入过的完全相同：已跳过，没有重新读取（之后修改或删除的内容保持原样）。"]), zh.stderr
    assert _bars(again.stderr) == [] and "%|" not in again.stderr  # stderr is a pipe and --progress was not given: no bar


_TIMING = re.compile(r" \[\d\d:\d\d<(\?|\d\d:\d\d), (\?|[\d.]+) ?(rows|行)/s\]$")


def _bar(match: re.Match) -> str:
    inside = match.group(1)
    return "|" + ("empty" if not inside.strip() else "full" if set(inside) == {"█"} else "partial") + "|"


def _bars(stderr: str) -> list[str]:
    """tqdm's lines without their timing (which varies), each checked to have one; the bar itself (as
    wide as the terminal) as empty / full / partial."""
    lines = [line for line in stderr.splitlines() if "%|" in line]
    assert all(_TIMING.search(line) for line in lines), lines
    return [re.sub(r"\|([^|]*)\|", _bar, _TIMING.sub("", line)) for line in lines]


def test_cli_import_draws_tqdm_bars_when_stderr_is_a_terminal_in_chinese(empty_database, tmp_path):
    """A pseudo-terminal as stderr: the bars appear without --progress, in CRM_DEFAULT_LOCALE's words;
    stdout (a pipe) keeps only the summary."""
    import fcntl
    import pty
    import struct
    import termios

    upgrade(empty_database.url)
    users(empty_database.factory)
    path = tmp_path / "leads.csv"
    path.write_text("客户名称,负责人,联系方式\n星河科技,王小明,13812345678\n北方重工,王小明,13912345678\n东方电子,王小明,13712345678\n",
                    encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    clean.update(PYTHONPATH=str(ROOT), CRM_ENCRYPTION_KEY=KEY, CRM_QUIET_HOURS="off", DATABASE_URL=empty_database.url,
                 CRM_DEFAULT_LOCALE="zh-CN", COLUMNS="100")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty is 0 columns wide
    try:
        done = subprocess.run([sys.executable, "-m", "bot", "import", str(path)], env=clean, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=follower, text=True, timeout=120)
        os.close(follower)
        follower = None
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0, seen
    assert done.stdout.startswith("共 3 行："), done.stdout
    assert _bars(seen.decode("utf-8")) == ["导入:   0%|empty| 0/3", "导入: 100%|full| 3/3"], seen


def test_cli_says_what_it_cannot_use(empty_database, tmp_path):
    upgrade(empty_database.url)
    users(empty_database.factory)
    env = {"DATABASE_URL": empty_database.url, "CRM_DEFAULT_LOCALE": "en"}
    missing = run(["import", str(tmp_path / "nope.csv")], env=env, cwd=tmp_path)
    assert missing.returncode == 1 and missing.stderr.strip().startswith("import: cannot read ")
    path = tmp_path / "leads.csv"
    path.write_text("name\nA\n", encoding="utf-8")
    nobody = run(["import", str(path), "--default-owner", "Li Lei"], env=env, cwd=tmp_path)
    assert (nobody.returncode, nobody.stderr.splitlines()[-1]) == (
        1, "--default-owner: “Li Lei” matches 2 Slack users: U0LILEI001, U0LILEI002. Give the email or Slack ID instead.")
    assert "Traceback" not in missing.stderr + nobody.stderr


def test_a_follow_up_in_the_hour_a_clock_goes_back_is_not_added_again(db):
    """01:30 on the day New York leaves daylight time happens twice: the row's time (the first, EDT)
    is the stored instant, and importing the same file again finds that action instead of adding it."""
    users(db)
    data = "客户名称,负责人,下次跟进时间,备注\n星河科技,王小明,2026-11-01 01:30,回访\n"
    first = _import_in(db, data, "America/New_York")
    assert (first.errors, first.created, first.actions) == ([], 1, 1)
    with transaction(db) as s:
        assert s.exec(select(NextAction.due_at)).all() == [datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)]  # 01:30 EDT
    again = _import_in(db, data.replace("回访", "回访 "), "America/New_York")  # another cell: read again, not skipped as known
    assert (again.errors, again.created, again.updated, again.unchanged, again.known, again.actions) == ([], 0, 0, 1, 0, 0)
    assert counts(db)["NextAction"] == 1


def _import_in(db, data: str, tz: str):
    with transaction(db) as s:
        return import_customers(session=s, data=data.encode(), cipher=CIPHER, tz=tz, now=NOW)
