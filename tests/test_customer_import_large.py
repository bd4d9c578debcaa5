"""Large imports: all rows or none, even when the refused rows come after several batches have been
checked and written (through `python -m bot import` as a process, and in the caller's transaction);
customers and codes across batches."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from store.crm_models import CustomerTag
from store.customer_import import import_customers
from store.customer_reading import ASIDE_ROWS
from store.customer_rows import BATCH
from store.db import transaction
from store.migrate import upgrade
from store.models import CodeCounter, Contact, Customer, NextAction
from store.profile import customers_with_phone
from tests.test_customer_import import CIPHER, NOW, counts, load, run, users

ROWS = ASIDE_ROWS + 200  # `python -m bot import` reads a file this large in a second process
TABLES = ("customer", "contact", "customer_tag", "next_action", "stage_change", "audit_entry", "code_counter")


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of the tables an import writes, in id order."""
    with engine.connect() as conn:
        return {table: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))] for table in TABLES}


def leads(n: int, *, bad_phone_at: int, unknown_owner_at: int) -> str:
    """n rows: the first 500 complete the customers imported before (a grade and a contact), the
    rest are new; `bad_phone_at` and `unknown_owner_at` are the lines (header = 1) of refused rows."""
    lines = ["客户名称,负责人,联系人,联系方式,电话,需求标签,等级"]
    for i in range(n):
        line = i + 2
        owner = "谁也不是" if line == unknown_owner_at else "王小明"
        phone = "12ab" if line == bad_phone_at else f"021-{i:08d}"
        lines.append(f"客户{i}号,{owner},联系人{i},138{i:08d},{phone},方案评估,{'ABC'[i % 3]}")
    return "\n".join(lines) + "\n"


def test_a_refused_row_near_the_end_of_a_large_file_leaves_the_database_as_it_was(empty_database, tmp_path):
    upgrade(empty_database.url)
    users(empty_database.factory)
    before_import = load(empty_database.factory, "客户名称,负责人\n" + "".join(f"客户{i}号,王小明\n" for i in range(500)))
    assert (before_import.errors, before_import.created) == ([], 500)
    engine = empty_database.factory().get_bind()
    before = snapshot(engine)
    assert len(before["customer"]) == 500 and len(before["audit_entry"]) == 500
    path = tmp_path / "leads.csv"
    path.write_text(leads(ROWS, bad_phone_at=ROWS - 10, unknown_owner_at=ROWS + 1), encoding="utf-8")
    assert ROWS - 10 > 2 * BATCH  # the refused rows come after two batches were checked and matched
    for locale, expected in (
            ("zh-CN", [f"第 {ROWS - 10} 行，电话：电话号码格式不对：只能有数字（可带 +、-、空格）。",
                       f"第 {ROWS + 1} 行，负责人：找不到负责人“谁也不是”：请写 Slack 用户的邮箱、名字或 ID（如 U0123ABCD）；"
                       "名字和邮箱只认得用过机器人的同事。",
                       "有 2 处问题，什么都没有导入。"]),
            ("en", [f"line {ROWS - 10}, 电话: That is not a phone number: digits only (+, - and spaces allowed).",
                    f"line {ROWS + 1}, 负责人: No Slack user “谁也不是”: give the owner's email, name or Slack ID (e.g. U0123ABCD); "
                    "names and emails are known only for people who have used the bot.",
                    "2 problems: nothing was imported."])):
        done = run(["import", str(path)], env={"DATABASE_URL": empty_database.url, "CRM_DEFAULT_LOCALE": locale}, cwd=tmp_path)
        assert (done.returncode, done.stdout, done.stderr.splitlines()[-3:]) == (1, "", expected)  # after any log lines
        assert snapshot(engine) == before
    good = path.read_text(encoding="utf-8").replace(",12ab,", ",021-99999999,").replace("谁也不是", "王小明")
    path.write_text(good, encoding="utf-8")
    done = run(["import", str(path)], env={"DATABASE_URL": empty_database.url, "CRM_DEFAULT_LOCALE": "en"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (f"{ROWS} rows. New customers: {ROWS - 500}; rows adding to customers already known: 500; "
                                           f"rows with nothing new: 0; contacts added: {ROWS}; next actions added: 0.")
    after = snapshot(engine)
    assert (len(after["customer"]), len(after["contact"]), len(after["customer_tag"])) == (ROWS, ROWS, ROWS)
    assert after["customer"][:500] != before["customer"]  # the first 500 were completed, not duplicated


def test_a_customer_named_again_batches_later_is_completed_once(db):
    """Customers of the database a batch leaves unchanged are let go and loaded again when a later
    row names them: the later row completes the same customer, nothing is duplicated."""
    users(db)
    assert load(db, "客户名称,负责人,电话,需求标签\n星河科技,王小明,13812345678,方案评估\n").created == 1
    filler = "".join(f"客户{i}号,王小明,,\n" for i in range(BATCH + 100))
    report = load(db, "客户名称,负责人,电话,需求标签\n星河科技,王小明,13812345678,方案评估\n" + filler
                  + "星河 科技,王小明,+86 138-1234-5678,方案评估、预算确认\n")
    assert (report.errors, report.created, report.updated, report.unchanged) == ([], BATCH + 100, 1, 1)
    assert counts(db)["Customer"] == BATCH + 101
    with transaction(db) as s:
        tags = s.exec(select(CustomerTag.name).join(Customer, Customer.id == CustomerTag.customer_id)
                      .where(Customer.name == "星河科技").order_by(CustomerTag.id)).all()
    assert tags == ["方案评估", "预算确认"]


def test_a_new_customer_named_again_batches_later_is_one_customer(db):
    """Batches are written as they are matched: a customer an early row makes is written before a
    row BATCH lines later completes it (found by the same phone written another way); it stays one
    customer with both rows' tags, the later row's contact and next action, and the same file
    imported again adds nothing."""
    users(db)
    head = "客户名称,负责人,电话,需求标签,联系人,下次跟进时间\n"
    filler = "".join(f"客户{i}号,王小明,,,,\n" for i in range(BATCH + 100))
    data = head + "星河科技,王小明,13812345678,方案评估,,\n" + filler + "星河 科技,王小明,+86 138-1234-5678,方案评估、预算确认,张总,2026-12-01\n"
    report = load(db, data)
    assert (report.errors, report.rows, report.created, report.updated, report.unchanged, report.contacts, report.actions) == \
        ([], BATCH + 102, BATCH + 101, 1, 0, 1, 1)
    assert counts(db)["Customer"] == BATCH + 101
    with transaction(db) as s:
        galaxy = s.exec(select(Customer).where(Customer.name == "星河科技")).one()
        assert [x.id for x in customers_with_phone(session=s, cipher=CIPHER, phone="138 1234 5678")] == [galaxy.id]
        assert s.exec(select(CustomerTag.name).where(CustomerTag.customer_id == galaxy.id).order_by(CustomerTag.id)).all() == ["方案评估", "预算确认"]
        assert s.exec(select(Contact.name).where(Contact.customer_id == galaxy.id)).all() == ["张总"]
        assert s.exec(select(NextAction.due_at).where(NextAction.customer_id == galaxy.id)).all() == [
            datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)]  # 09:00 in Asia/Shanghai
        assert "预算确认" in galaxy.search_norm
    again = load(db, data)
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, BATCH + 102)
    assert counts(db)["Customer"] == BATCH + 101


def test_codes_handed_out_early_never_take_a_code_kept_later_in_the_file(db):
    """New customers without a code get theirs batch by batch; the codes in next_code's form that
    the file keeps further down (any case, full-width too) are counted first, so none is handed out twice."""
    users(db)
    data = ("线索编号,客户名称,负责人\n" + "".join(f",客户{i}号,王小明\n" for i in range(BATCH + 10))
            + "C202611050,甲,王小明\nc202611060,乙,王小明\nＣ２０２６１１０７０,丙,王小明\n,丁,王小明\n")
    report = load(db, data)
    assert (report.errors, report.created) == ([], BATCH + 14)
    with transaction(db) as s:
        codes = s.exec(select(Customer.code).order_by(Customer.id)).all()
        counter = s.exec(select(CodeCounter.value).where(CodeCounter.period == "202611")).one()
    assert len(set(codes)) == len(codes) == BATCH + 14
    assert codes[:2] == ["C202611071", "C202611072"] and codes[BATCH + 10:] == ["C202611050", "C202611060", "C202611070",
                                                                               f"C202611{71 + BATCH + 10:03d}"]
    assert counter == 70 + BATCH + 11


def test_a_row_refused_after_batches_were_written_undoes_them_in_the_callers_transaction(db):
    """The batches written before a refused row are undone (their savepoint), code counter included,
    and the caller's transaction goes on: what it wrote before the import is kept."""
    users(db)
    data = "客户名称,负责人,电话\n" + "".join(f"客户{i}号,王小明,021-{i:08d}\n" for i in range(2 * BATCH + 5)) + "坏,王小明,12ab\n"
    with transaction(db) as s:
        s.add(CodeCounter(period="209901", value=7))
        report = import_customers(session=s, data=data.encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW)
    assert [(e.line, e.key) for e in report.errors] == [(2 * BATCH + 7, "err_phone")]
    assert (report.created, report.updated, report.unchanged, report.contacts, report.actions) == (0, 0, 0, 0, 0)
    assert counts(db) == {"Customer": 0, "Contact": 0, "CustomerTag": 0, "NextAction": 0, "StageChange": 0, "AuditEntry": 0}
    with transaction(db) as s:
        assert [(c.period, c.value) for c in s.exec(select(CodeCounter))] == [("209901", 7)]


def test_a_write_the_database_refuses_after_batches_were_written_leaves_it_as_it_was(db):
    """The database itself refuses a row of the third batch (a trigger): the error reaches the caller
    as the database said it, and nothing of the batches written before it is kept."""
    users(db)
    with transaction(db) as s:
        conn = s.connection()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN IF NEW.name = '爆' THEN "
                                 "RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql("CREATE TRIGGER refuse_boom BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION refuse_boom()")
        else:
            conn.exec_driver_sql("CREATE TRIGGER refuse_boom BEFORE INSERT ON customer WHEN NEW.name = '爆' "
                                 "BEGIN SELECT RAISE(ABORT, 'boom refused'); END")
    data = "客户名称,负责人,电话\n" + "".join(f"客户{i}号,王小明,021-{i:08d}\n" for i in range(2 * BATCH + 5)) + "爆,王小明,\n"
    with pytest.raises(DBAPIError, match="boom refused"):
        load(db, data)
    assert counts(db) == {"Customer": 0, "Contact": 0, "CustomerTag": 0, "NextAction": 0, "StageChange": 0, "AuditEntry": 0}
    with transaction(db) as s:
        assert s.exec(select(CodeCounter)).all() == []
    assert load(db, data.replace("爆", "好")).created == 2 * BATCH + 6  # the same connections import again


def test_two_equal_records_batches_apart_are_one_customer_and_one_digest(db):
    """The second of two equal records finds what the first wrote (it is not skipped as known: the
    first was not written when the file was looked over) and leaves no second digest to write."""
    users(db)
    filler = "".join(f"客户{i}号,王小明,,\n" for i in range(BATCH + 10))
    report = load(db, "客户名称,负责人,电话,需求标签\n星河科技,王小明,13812345678,方案评估\n" + filler
                  + "星河科技,王小明,13812345678,方案评估\n")
    assert (report.errors, report.created, report.updated, report.unchanged, report.known) == ([], BATCH + 11, 0, 1, 0)
    with transaction(db) as s:
        assert s.exec(text("SELECT COUNT(*) FROM imported_row")).one()[0] == BATCH + 11
    again = load(db, "客户名称,负责人,电话,需求标签\n星河科技,王小明,13812345678,方案评估\n" + filler
                 + "星河科技,王小明,13812345678,方案评估\n")
    assert (again.errors, again.rows, again.known, again.unchanged, again.created) == ([], BATCH + 12, BATCH + 12, BATCH + 12, 0)
