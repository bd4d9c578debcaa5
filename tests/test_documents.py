"""The documents (handlers/documents/, store/documents.py): `/crm report needs|visits|leads|churn` as a
canvas shared with the requester, a Markdown file in the DMs where canvases are refused, and the same
from `python -m bot report …` as a process; zh-CN and en, SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from store.contacts import add_contact
from store.db import transaction
from store.deals import create_deal
from store.migrate import upgrade
from store.models import ChurnCase, Customer, Interaction, NextAction, WinbackPlan
from store.needs import add_need
from store.permissions import Viewer
from store.users import save_user, set_manager, set_role
from tests.conftest import BOSS, REP, REP_EN

SH, UTC = ZoneInfo("Asia/Shanghai"), timezone.utc
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=SH)
OTHER = "U0OTHER007"


def _world(factory) -> dict[str, str]:
    at = datetime(2026, 11, 1, 10, 0, tzinfo=SH)
    with transaction(factory) as s:
        for user, name, tz, locale in ((REP, "wang", "Asia/Shanghai", "zh-CN"), (REP_EN, "alice", "America/New_York", "en-US")):
            save_user(session=s, user_id=user, name=name, email="", tz=tz, locale=locale, now=NOW)
        codes = {}
        for i, (name, company, owner, stage, status, grade) in enumerate((
                ("星河科技", "星河科技有限公司", REP, "nurturing", "clear_intent", "A"),
                ("Harbor | Foods", "", REP_EN, "lead", "to_nurture", None),
                ("外部公司", "", OTHER, "lead", "to_nurture", None),
                ("远山建材", "", REP, "churned", "not_won_back", None))):
            c = Customer(code=f"C20261100{i + 1}", name=name, name_norm=name.casefold(), search_norm=name.casefold(), company=company,
                         source="exhibition" if i == 0 else "", stage=stage, status=status, grade=grade, owner_id=owner, created_by=owner,
                         created_at=at + timedelta(days=i), updated_at=at)
            s.add(c)
            s.flush()
            codes[name] = c.id
        me = Viewer(id=REP)
        add_need(session=s, viewer=me, customer_id=codes["星河科技"], description="需要对接 ERP|MES\n两周内", now=at)
        add_contact(session=s, viewer=me, customer_id=codes["星河科技"], name="张总", title="总经理", role="decision_maker", now=at)
        create_deal(session=s, viewer=me, customer_id=codes["星河科技"], title="MES 一期", amount="1200000", now=at)
        for day, way, outcome, summary in ((date(2026, 11, 20), "visit", "reached", "拜访张总"),
                                          (date(2026, 11, 25), "phone", "no_answer", "电话未接")):
            s.add(Interaction(customer_id=codes["星河科技"], occurred_on=day, way=way, outcome=outcome, summary=summary,
                              feedback="价格偏高" if way == "visit" else "", author_id=REP, created_at=at))
        case = ChurnCase(customer_id=codes["远山建材"], at=datetime(2026, 11, 3, tzinfo=SH), by=REP, reason="price", recoverable=True,
                         lessons="报价太高")
        s.add(case)
        s.flush()
        s.add(WinbackPlan(churn_case_id=case.id, customer_id=codes["远山建材"], owner_id=BOSS, deadline=NOW, created_at=at,
                          created_by=REP, outcome="won_back", closed_at=datetime(2026, 11, 30, tzinfo=SH), closed_by=BOSS))
    return codes


NEEDS_ZH = """# 客户需求分析报告 · 星河科技

> 生成于 2026年12月6日周日 10:00，数据来自 CRM 助手

## 客户概况

| 项目 | 内容 |
|---|---|
| 编号 | C202611001 |
| 公司 | 星河科技有限公司 |
| 阶段 | {stage} |
| 等级 | A 类 |
| 负责人 | wang |
| 来源 | {source} |

## 需求

| 需求 | 类型 | 优先级 | 状态 |
|---|---|---|---|
| 需要对接 ERP\\|MES 两周内 | {kind} | {priority} | {status} |

## 联系人

| 姓名 | 职位 | 角色 |
|---|---|---|
| 张总 | 总经理 | 决策人 |

## 商机

| 商机 | 金额 | 阶段 |
|---|---|---|
| MES 一期 | ¥1,200,000.00 | {deal} |

## 最近互动

| 日期 | 方式 | 结果 | 摘要 | 客户反馈 |
|---|---|---|---|---|
| 2026年11月25日 | 电话 | 未接通 | 电话未接 | — |
| 2026年11月20日 | 拜访 | 已联系上 | 拜访张总 | 价格偏高 |
"""


def _reply(bolt, fake, words: str, user: str) -> str:
    n = len(fake.calls_to("response_url:cmd"))
    bolt.command(words, user=user)
    return fake.wait_for("response_url:cmd", count=n + 1)[n].params["text"]


def test_needs_report_is_a_canvas_shared_with_the_requester(bolt, fake, db):
    _world(db)
    bolt.now = NOW
    said = _reply(bolt, fake, "report needs 星河科技", REP)
    create = fake.calls_to("canvases.create")[0].params
    canvas_id = fake.calls_to("canvases.create")[0].response["canvas_id"]
    assert said == f"📄 已生成画布《客户需求分析报告 · 星河科技》，只共享给你：https://example.slack.com/docs/T000TEST/{canvas_id}"
    assert create["title"] == "客户需求分析报告 · 星河科技"
    assert create["document_content"]["markdown"] == NEEDS_ZH.format(stage="培育期 · 意向明确", source="展会", kind="现有需求",
                                                                      priority="中", status="未跟进", deal="资格确认")
    assert fake.canvases[canvas_id]["access"] == {REP: "read"}
    assert fake.calls_to("files.getUploadURLExternal") == []


def test_where_canvases_are_refused_the_markdown_goes_to_the_dms(bolt, fake, db):
    _world(db)
    bolt.now = NOW
    fake.fail_next("canvases.create", error="not_allowed")
    said = _reply(bolt, fake, "report visits 星河科技", REP)
    assert said == "📄 这个工作区不能创建画布，已把《客户回访记录 · 星河科技》作为 Markdown 文件发到你的私信。"
    done = fake.wait_for("files.completeUploadExternal")[0].params
    file_id = done["files"][0]["id"]
    assert done["channel_id"] == "D0REP00001" and fake.canvases == {}
    assert fake.uploads[file_id].decode("utf-8") == (
        "# 客户回访记录 · 星河科技\n\n> 生成于 2026年12月6日周日 10:00，数据来自 CRM 助手\n\n"
        "| 日期 | 方式 | 结果 | 摘要 | 客户反馈 |\n|---|---|---|---|---|\n"
        "| 2026年11月20日 | 拜访 | 已联系上 | 拜访张总 | 价格偏高 |\n"
        "| 2026年11月25日 | 电话 | 未接通 | 电话未接 | — |\n")


def test_leads_and_churn_in_english_show_only_what_the_reader_may_read(bolt, fake, db):
    _world(db)
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=REP_EN, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role="manager")
        harbor = s.exec(select(Customer).where(Customer.code == "C202611002")).one()
        s.add(NextAction(customer_id=harbor.id, title="首次联系新线索", kind="first_contact", origin="lifecycle:first_contact",
                         due_at=datetime(2026, 12, 8, 1, 0, tzinfo=timezone.utc), owner_id=REP_EN, created_by="crm", status="open"))
    bolt.now = NOW
    _reply(bolt, fake, "report leads", REP_EN)
    leads = fake.calls_to("canvases.create")[-1].params
    assert leads["title"] == "Leads list"
    assert leads["document_content"]["markdown"] == (
        "# Leads list\n\n> Generated Sat, Dec 5, 2026, 9:00\u202fPM from the CRM assistant's records\n\n"   # alice's zone: New York
        "2 leads and nurturing customers\n\n"
        "| Code | Customer | Company | Source | Stage | Grade | Owner | Created | Next action |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        "| C202611002 | Harbor \\| Foods | — | — | Lead · To nurture | — | alice | Nov 1, 2026 | First contact with the new lead "
        "(Mon, Dec 7, 2026, 8:00 PM) |\n"  # a rule's action in the reader's language
        "| C202611001 | 星河科技 | 星河科技有限公司 | Exhibition | Nurturing · Clear intent | A | wang | Oct 31, 2026 | — |\n")
    _reply(bolt, fake, "report churn 2026-q4", REP_EN)
    churn = fake.calls_to("canvases.create")[-1].params
    assert churn["title"] == "Churned customers analysis · Q4 2026"
    assert churn["document_content"]["markdown"].split("\n")[4:] == [
        "## Summary", "", "1 customer churned, 1 of them recoverable", "",
        "1 win-back plan closed in the quarter, 1 won back (recovery rate 100.0%)", "",
        "| Main reason | Count |", "|---|---|", "| Price | 1 |", "",
        "## Churned customers", "",
        "| Date | Code | Customer | Owner | Main reason | Recoverable | Lessons | Win-back |",
        "|---|---|---|---|---|---|---|---|",
        "| Nov 2, 2026 | C202611004 | 远山建材 | wang | Price | yes | 报价太高 | Won back |", ""]


def test_what_cannot_be_made_is_said_in_the_readers_language(bolt, fake, db):
    _world(db)
    bolt.now = NOW
    cases = [(REP, "report churn 2026-Q5", "季度要写成 2026-Q4 这样（2000 到 2099 年）。"),
             (REP_EN, "report churn <script>", "Give the quarter as 2026-Q4 (years 2000 to 2099)."),
             (REP, "report needs 不存在的公司", "找不到客户“不存在的公司”。"),
             (REP, "report needs", "用法：`/crm report needs 客户`、`/crm report visits 客户`、`/crm report leads` 或 `/crm report churn 2026-Q4`。"),
             (REP_EN, "report 🙂", "Usage: `/crm report needs customer`, `/crm report visits customer`, `/crm report leads` or `/crm report churn 2026-Q4`."),
             (REP_EN, "report visits 外部公司", f"Only the owner <@{OTHER}>, their teammates, their manager or an admin can see this customer.")]
    for user, words, expected in cases:
        assert _reply(bolt, fake, words, user) == expected, words
    assert fake.calls_to("canvases.create") == [] and fake.canvases == {}


def test_the_command_line_writes_the_same_documents_as_markdown(empty_database, tmp_path):
    upgrade(empty_database.url)
    _world(empty_database.factory)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env = {**clean, "DATABASE_URL": empty_database.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": "http://127.0.0.1:9/api/"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "report", *args, "--now", "2026-12-06T10:00:00+08:00"], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)

    done = run("needs", "星河科技")
    assert done.returncode == 0, done.stderr
    assert done.stdout == NEEDS_ZH.format(stage="培育期 · 意向明确", source="展会", kind="现有需求", priority="中", status="未跟进",
                                          deal="资格确认")
    out = tmp_path / "leads.md"
    done = run("leads", "--lang", "en", "--out", str(out))
    assert done.returncode == 0 and done.stdout == f"Leads list: {out}\n", done.stderr
    assert out.read_text(encoding="utf-8").split("\n")[4] == "3 leads and nurturing customers"   # everyone's, 外部公司 too
    bad = run("churn", "2026-Q9", "--lang", "en")
    assert (bad.returncode, bad.stderr, bad.stdout) == (2, "report: Give the quarter as 2026-Q4 (years 2000 to 2099).\n", "")
    bad = run("needs", "Nobody")   # the database is opened first (alembic may log a line before)
    assert bad.returncode == 2 and bad.stderr.splitlines()[-1] == "report: 找不到客户“Nobody”。" and bad.stdout == ""
    bad = run("invoices")
    assert (bad.returncode, bad.stderr) == (2, "report: 用法：`/crm report needs 客户`、`/crm report visits 客户`、`/crm report leads` 或 "
                                               "`/crm report churn 2026-Q4`。\n")


def test_typed_markdown_stays_text_in_a_document(bolt, fake, db):
    with transaction(db) as s:
        at = datetime(2026, 11, 1, tzinfo=SH)
        c = Customer(code="C202611009", name="[点我](https://evil.example) *粗* <b>", name_norm="x", search_norm="x", owner_id=REP,
                     created_by=REP, created_at=at, updated_at=at)
        s.add(c)
        s.flush()
        s.add(Interaction(customer_id=c.id, occurred_on=date(2026, 11, 2), way="visit", summary="`code` | _x_ ~y~", author_id=REP,
                          created_at=at))
    bolt.now = NOW
    _reply(bolt, fake, "report visits C202611009", REP)
    markdown = fake.calls_to("canvases.create")[0].params["document_content"]["markdown"].split("\n")
    assert markdown[0] == "# 客户回访记录 · \\[点我\\](https://evil.example) \\*粗\\* \\<b\\>"
    assert markdown[-2] == "| 2026年11月2日 | 拜访 | — | \\`code\\` \\| \\_x\\_ \\~y\\~ | — |"
