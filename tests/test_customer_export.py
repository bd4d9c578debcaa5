"""Customers to CSV: the export's bytes, headers and labels, the export -> import round trip into
an empty database, and `python -m bot export` as a process."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlmodel import select

from store.contacts import add_contact, contacts_of
from store.customer_csv import COLUMNS
from store.customer_export import export_customers
from store.customer_import import import_customers
from store.customers import create_customer
from store.db import transaction
from store.grading import set_grade
from store.lifecycle import change_stage
from store.migrate import upgrade
from store.models import PENDING_ACTION, Customer, NextAction
from store.permissions import Viewer
from store.profile import tag_list
from tests.conftest import BOSS, REP, REP_EN, Database
from tests.test_customer_import import CIPHER, NOW, SHANGHAI, run, users

ADMIN = Viewer(id="U0ADMIN001", role="admin")
GHOST = "U0GHOST001"  # an owner the bot has never seen


def _action(s, customer: Customer, title: str, due: datetime) -> None:
    s.add(NextAction(customer_id=customer.id, title=title, due_at=due, announce_at=due, owner_id=customer.owner_id,
                     created_by=customer.owner_id, created_at=NOW, updated_at=NOW))


def star(db) -> None:
    """One customer with everything the export writes."""
    with transaction(db) as s:
        c = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=NOW, cipher=CIPHER,
                            phone="021-6688 1234", email="info@xinghe.com", company="星河科技有限公司", contact_title="总经理",
                            industry="制造业", staff_count=350, annual_revenue="50000000.00", region="华东 上海",
                            cultural_notes='重视关系, "面子"\n逢年过节问候', source="exhibition", value_tier="high",
                            need_type="service_oriented", cs_owner_id=BOSS,
                            tags={"need_stage": ["方案评估", "预算确认"], "free": ["VIP"], "behaviour": ["爱比价"], "personal": ["喜欢高尔夫"]})
        add_contact(session=s, viewer=ADMIN, customer_id=c.id, name="李工", title="工程师", now=NOW)
        add_contact(session=s, viewer=ADMIN, customer_id=c.id, name="张总", title="总经理", role="decision_maker",
                    phone="+86 138-1234-5678", email="zhang@xinghe.com", cipher=CIPHER, now=NOW)
        change_stage(session=s, viewer=ADMIN, customer_id=c.id, stage="converted", status="implementing", now=NOW)
        set_grade(session=s, viewer=ADMIN, customer_id=c.id, grade="A", now=NOW)
        _action(s, c, "发送合同", datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI))
        _action(s, c, "发送报价", datetime(2026, 12, 1, 15, 0, tzinfo=SHANGHAI))  # the earliest: the one exported


def others(db) -> None:
    with transaction(db) as s:
        formula = create_customer(session=s, name="=SUM(A1)", owner_id=REP_EN, created_by=REP_EN, now=NOW)
        add_contact(session=s, viewer=ADMIN, customer_id=formula.id, name="-Bob", role="influencer", email="bob@x.com",
                    cipher=CIPHER, now=NOW)
        for stage, status in (("nurturing", "needs_follow_up"), ("churned", "lost_for_good")):
            change_stage(session=s, viewer=ADMIN, customer_id=formula.id, stage=stage, status=status, now=NOW)
        plain = create_customer(session=s, name='Plain, "Quoted" Co', owner_id=GHOST, created_by=GHOST, now=NOW)
        _action(s, plain, "Call back", datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI))  # overdue
        phone_only = create_customer(session=s, name="蓝天物流", owner_id=BOSS, created_by=BOSS, now=NOW, cipher=CIPHER,
                                     phone="+8613900001111", tags={"free": ["老客户"]})
        change_stage(session=s, viewer=ADMIN, customer_id=phone_only.id, stage="converted", status="signed", now=NOW)
        change_stage(session=s, viewer=ADMIN, customer_id=phone_only.id, stage="mature", status="stable", now=NOW)


def export(db, locale: str = "zh-CN") -> str:
    out = io.StringIO(newline="")
    with transaction(db) as s:
        export_customers(session=s, out=out, cipher=CIPHER, locale=locale, tz="Asia/Shanghai", batch=2)
    return out.getvalue()


ZH_HEADER = ("线索编号,来源渠道,客户名称,联系人,职位,联系方式,需求标签,负责人,阶段状态,下次跟进时间,备注,公司,行业,员工数,年营收,地区,"
             "文化备注,价值等级,需求类型,电话,邮箱,等级,客户成功经理,决策角色,自定义标签,行为标签,个人标签")


def test_export_has_a_bom_chinese_headers_and_labels_and_readable_phones(db):
    users(db)
    star(db)
    data = export(db).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf" + ZH_HEADER.encode() + b"\r\n")
    assert data.decode("utf-8-sig").split("\r\n") == [
        ZH_HEADER,
        "C202611001,展会,星河科技,张总,总经理,'+86 138-1234-5678; zhang@xinghe.com,方案评估、预算确认,王小明 (U0REP00001),实施中,"
        '2026-12-01 15:00,发送报价,星河科技有限公司,制造业,350,50000000.00,华东 上海,"重视关系, ""面子""\n逢年过节问候",高价值,'
        '服务导向型,021-6688 1234,info@xinghe.com,A,赵总 (U0BOSS0003),决策人,VIP,爱比价,喜欢高尔夫',
        ""]


def test_export_in_english_guards_cells_excel_would_run_as_formulas(db):
    users(db)
    others(db)
    lines = export(db, "en").removeprefix("\ufeff").split("\r\n")
    assert lines[0] == ",".join(en for _, en, _ in COLUMNS.values())
    assert lines[1:] == [
        # the lifecycle's own actions (win-back, quarterly review) are next actions like any other, due at the start
        # of their owner's working day (Alice in New York: 09:00 there is 22:00 in Shanghai)
        "C202611001,,'=SUM(A1),'-Bob,,bob@x.com,,Alice Smith (U0REPEN002),Lost for good,2026-12-22 22:00,"
        "Win the customer back,,,,,,,,,,,,,Influencer,,,",
        'C202611002,,"Plain, ""Quoted"" Co",,,,,U0GHOST001,To nurture,2026-11-20 09:00,Call back,,,,,,,,,,,,,,,,',
        "C202611003,,蓝天物流,,,,,赵总 (U0BOSS0003),Stable,2027-02-22 09:00,Quarterly customer review,,,,,,,,,"
        "'+8613900001111,,,,,老客户,,",
        ""]


def snapshot(db) -> list[tuple]:
    """Every customer as the CSV can carry it: fields, tags, first contact, earliest pending action."""
    opened = lambda token: CIPHER.decrypt(token) if token else None  # noqa: E731
    with transaction(db) as s:
        out = []
        for c in s.exec(select(Customer).order_by(Customer.code)):
            first = (contacts_of(session=s, customer_id=c.id) or [None])[0]
            action = s.exec(select(NextAction).where(NextAction.customer_id == c.id, NextAction.status.in_(PENDING_ACTION))
                            .order_by(NextAction.due_at)).first()
            out.append((c.code, c.name, c.owner_id, c.stage, c.status, c.source, c.company, c.industry, c.region, c.contact_title,
                        c.staff_count, c.annual_revenue, c.cultural_notes, c.value_tier, c.need_type, c.grade, c.cs_owner_id,
                        opened(c.phone_enc), opened(c.email_enc), sorted(tag_list(session=s, customer_id=c.id)),
                        first and (first.name, first.title, first.role, opened(first.phone_enc), opened(first.email_enc)),
                        action and (action.title, action.due_at, action.owner_id, action.status)))
        return out


def test_an_export_imported_into_an_empty_database_gives_the_same_customers(database, tmp_path):
    users(database.factory)
    star(database.factory)
    others(database.factory)
    before, csv_text = snapshot(database.factory), export(database.factory)
    assert before[0][11] == Decimal("50000000.00") and len(before) == 4
    (tmp_path / "b").mkdir()
    empty = Database(database.backend, tmp_path / "b")
    try:
        empty.create_all()  # no Slack users either: owners come back by their ids
        with transaction(empty.factory) as s:
            report = import_customers(session=s, data=csv_text.encode("utf-8"), cipher=CIPHER, tz="Asia/Shanghai",
                                      now=NOW + timedelta(days=1))
        assert (report.errors, report.created, report.contacts, report.actions, report.overdue) == ([], 4, 2, 4, 1)
        assert snapshot(empty.factory) == before
        users(empty.factory)
        assert export(empty.factory) == csv_text
        with transaction(empty.factory) as s:  # new customers carry on after the kept codes
            assert create_customer(session=s, name="新客户", owner_id=REP, created_by=REP, now=NOW).code == "C202611005"
    finally:
        empty.close()


def test_cli_exports_to_a_file_or_stdout_and_the_file_imports_back(empty_database, tmp_path):
    upgrade(empty_database.url)
    users(empty_database.factory)
    star(empty_database.factory)
    env = {"DATABASE_URL": empty_database.url, "CRM_DEFAULT_LOCALE": "zh-CN"}
    path = tmp_path / "customers.csv"
    done = run(["export", "--out", str(path)], env=env, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"已导出 1 个客户到 {path}。\n"), done.stderr
    assert path.read_bytes() == export(empty_database.factory).encode("utf-8")
    english = run(["export", "--lang", "en"], env=env, cwd=tmp_path)
    assert english.returncode == 0, english.stderr
    assert english.stdout.splitlines()[0] == "\ufeff" + ",".join(en for _, en, _ in COLUMNS.values())
    assert english.stdout.splitlines()[1].startswith("C202611001,Exhibition,星河科技,张总,")
    other = tmp_path / "other.db"
    imported = run(["import", str(path)], env={**env, "DATABASE_URL": f"sqlite:///{other}"}, cwd=tmp_path, at=NOW)
    assert (imported.returncode, imported.stdout) == (
        0, "共 1 行：新建客户 1 个，0 行补充了已有的客户，0 行没有新内容；新增联系人 1 个，下一步行动 1 个。\n"), imported.stderr
    # the same file imported after its next action fell due (2026-12-01 in Shanghai) says so
    late = run(["import", str(path)], env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'late.db'}"}, cwd=tmp_path,
               at=datetime(2026, 12, 5, 2, 0, tzinfo=timezone.utc))
    assert (late.returncode, late.stdout.splitlines()[1:]) == (
        0, ["其中 1 个下一步行动已经到期，机器人的调度器下一次运行时就会提醒负责人。"]), late.stderr
