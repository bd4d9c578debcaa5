"""A large file read aside (store/customer_reading.py): checked in a second process while this one
matches and writes; the same report, rows and refusals as when this process reads it, all or nothing."""
from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.cli.import_reader import spawned
from store.customer_import import import_customers
from store.customer_rows import BATCH
from store.db import transaction
from store.errors import DomainError
from store.models import CodeCounter
from tests.test_customer_import import CIPHER, NOW, counts, users
from tests.test_customer_import_large import TABLES

SPAWN = spawned()
HEAD = "线索编号,客户名称,负责人,联系人,职位,联系方式,电话,邮箱,需求标签,阶段状态,下次跟进时间,备注,等级\n"


def leads(n: int) -> str:
    """n rows over several batches: owners named by name, email and id, customers named again later
    (by phone written another way, by name), codes kept further down, contacts, tags, follow-ups."""
    lines = [HEAD]
    for i in range(n):
        owner = ("王小明", "wang@example.com", "U0LILEI001", "Alice Smith")[i % 4]
        lines.append(f"{'XS-%05d' % i if i % 3 == 0 else ''},客户{i}号,{owner},联系人{i},经理,138{i:08d},021-{i:08d},c{i}@corp.com,"
                     f"方案评估,{'高意向' if i % 2 else ''},{'2026-12-%02d 10:30' % (1 + i % 28) if i % 4 else ''},跟进{i},{'ABC'[i % 3]}\n")
    lines.append(",客户7号 ,Alice Smith,王五,,wang5@corp.com,+86 021-0000 0007,,预算确认,,2027-01-05,再跟进,\n")  # completes row 7's
    lines.append("C202611050,甲,王小明,,,,,,,,,,\nc202611060,乙,王小明,,,,,,,,,,\n,丁,王小明,,,,,,,,,,\n")
    return "".join(lines)


def state(session) -> dict[str, list[tuple]]:
    """What an import wrote, without ids (a PostgreSQL sequence is not rolled back) or tokens (each
    encryption differs): every table's rows in id order."""
    conn, out = session.connection(), {}
    for table in TABLES:
        rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")).mappings().all()
        out[table] = [tuple((k, CIPHER.decrypt(v) if k.endswith("_enc") and v else v) for k, v in row.items()
                            if k != "id" and not k.endswith("_id") or k in ("owner_id", "created_by")) for row in rows]
    return out


def imported(db, data: str, **kw) -> tuple:
    """(report, state) of the import, then rolled back."""
    with transaction(db) as s:
        report = import_customers(session=s, data=data.encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW, **kw)
        written = state(s)
        s.rollback()
    return report, written


def test_a_file_read_aside_imports_exactly_as_one_read_here(db):
    users(db)
    data = leads(2 * BATCH + 50)
    here = imported(db, data)
    aside = imported(db, data, read_aside=SPAWN, aside_from=0)
    assert here[0].errors == [] and here[0].created == 2 * BATCH + 53 and here[0].updated == 1
    assert aside == here
    assert multiprocessing.active_children() == []


def test_refused_rows_read_aside_are_told_as_here_and_nothing_is_written(db):
    """Unknown owners are refused through the question the reading process asks this one; a row
    refused after two written batches undoes them, code counter included."""
    users(db)
    data = leads(2 * BATCH + 50).replace("客户2003号,Alice Smith", "客户2003号,谁也不是").replace("138%08d" % 2010, "12ab")
    here = imported(db, data)
    aside = imported(db, data, read_aside=SPAWN, aside_from=0)
    assert [(e.line, e.key, e.column) for e in here[0].errors] == [(2005, "imp_owner_unknown", "负责人"), (2012, "err_phone", "联系方式")]
    assert aside == here
    assert counts(db) == {"Customer": 0, "Contact": 0, "CustomerTag": 0, "NextAction": 0, "StageChange": 0, "AuditEntry": 0}
    with transaction(db) as s:
        assert s.exec(select(CodeCounter)).all() == []


def test_owners_read_aside_are_resolved_by_the_callers_resolver_once_each(db):
    users(db)
    asked = []

    def resolve(cell: str) -> str:
        asked.append(cell)
        if cell == "nobody":
            raise DomainError("imp_owner_unknown", field="owner", owner=cell)
        return "U0REP00001"

    data = "客户名称,负责人\n" + "".join(f"客户{i}号,{('someone', 'nobody', '')[i % 3] if i != 5 else 'other'}\n" for i in range(30))
    report, _ = imported(db, data, read_aside=SPAWN, aside_from=0, resolve_owner=resolve, default_owner="U0REP00002")
    assert sorted(asked) == ["nobody", "other", "someone"]
    assert [(e.line, e.key) for e in report.errors] == [(line, "imp_owner_unknown") for line in range(3, 32, 3)]


def test_a_failure_of_the_importing_process_stops_the_reading_one(db):
    """The caller's resolver gives up (the CLI's does when Slack cannot be asked): the error reaches
    the caller, nothing is written, and no reading process is left behind."""
    users(db)

    def resolve(cell: str) -> str:
        raise SystemExit("Slack cannot be asked")

    with pytest.raises(SystemExit, match="Slack cannot be asked"):
        imported(db, leads(3 * BATCH), read_aside=SPAWN, aside_from=0, resolve_owner=resolve)
    assert multiprocessing.active_children() == []
    assert counts(db)["Customer"] == 0


def test_rows_imported_before_are_not_read_aside_and_the_others_are(db):
    """A file imported again with one row changed: the reading process is told the rows written
    before (not read: KNOWN) and reads the changed one, which completes its customer as here."""
    users(db)
    data = leads(BATCH + 10)
    with transaction(db) as s:
        assert import_customers(session=s, data=data.encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW).errors == []
    changed = data.replace("方案评估,高意向,2026-12-06 10:30,跟进5,", "方案评估、决策链,高意向,2026-12-06 10:30,跟进5,", 1)
    assert changed != data
    here = imported(db, changed)
    aside = imported(db, changed, read_aside=SPAWN, aside_from=0)
    assert aside == here
    report = aside[0]
    assert (report.errors, report.rows, report.known, report.updated, report.unchanged) == ([], BATCH + 14, BATCH + 13, 1, BATCH + 13)
    assert multiprocessing.active_children() == []
    # a file the survey finds all written before: no reading process is started
    again = imported(db, data, read_aside=SPAWN, aside_from=1)
    assert (again[0].known, again[0].rows) == (BATCH + 14, BATCH + 14)
    assert multiprocessing.active_children() == []
