"""`python -m bot report` as a process against a scratch database (SQLite file or PostgreSQL schema):
the exact CSV of a hand-built week (tests/figure_data.py), UTF-8 with a BOM, in both languages,
for everyone and for one rep; bad arguments are one line on stderr and exit code 2."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from store.db import transaction
from store.models import Ticket
from tests.figure_data import A2, at, week_data
from tests.test_cli import run

MONDAY = date(2026, 11, 16)  # ISO week 2026-W47
NOW = "2026-11-20T12:00:00+08:00"


def _prepare(database, tmp_path) -> dict[str, str]:
    env = {"DATABASE_URL": database.url}
    migrated = run(["migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    with transaction(database.factory) as s:
        week_data(s, MONDAY)
        # a second ticket, answered after 95.5 minutes and not solved
        opened = at(MONDAY, 2, 9)
        s.add(Ticket(id=2, code="T2", customer_id=2, priority="P1", type="enquiry", description="?", status="open", assignee_id=A2,
                     created_by=A2, created_at=opened, updated_at=opened, first_response_at=opened + timedelta(minutes=95, seconds=30),
                     sla_business=False, response_minutes=120, resolution_minutes=1440, response_paused_minutes=0,
                     resolution_paused_minutes=0))
    return env


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for the Chinese
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


ZH_FIGURES = [
    ["指标", "本期", "上期", "单位", "目标", "未达标"],
    ["新线索", "0", "0", "个", "", ""],
    ["记录互动", "1", "0", "个", "", ""],
    ["记录互动：拜访", "1", "0", "个", "", ""],
    ["超 24 小时补录", "0.0", "", "%", "≤ 10%", "否"],
    ["到期待办", "2", "0", "个", "", ""],
    ["按时完成", "1", "0", "个", "", ""],
    ["逾期完成", "0", "0", "个", "", ""],
    ["到期未完成", "1", "0", "个", "", ""],
    ["跟进按时完成率", "50.0", "", "%", "≥ 90%", "是"],
    ["当前逾期待办", "1", "", "个", "", ""],
    ["线索→培育转化率", "", "", "%", "", ""],
    ["培育→转化转化率", "", "", "%", "", ""],
    ["线索→转化转化率", "", "", "%", "", ""],
    ["线索期平均停留", "", "", "天", "", ""],
    ["培育期平均停留", "", "", "天", "", ""],
    ["转化期平均停留", "", "", "天", "", ""],
    ["成熟期平均停留", "", "", "天", "", ""],
    ["流失期平均停留", "", "", "天", "", ""],
    ["平均成交周期", "", "", "天", "", ""],
    ["赢单数（CNY）", "1", "0", "个", "", ""],
    ["赢单金额（CNY）", "120000.00", "0.00", "CNY", "", ""],
    ["复购率", "0.0", "", "%", "", ""],
    ["流失率", "0.0", "0.0", "%", "≤ 10%", "否"],
    ["高价值客户流失率", "", "", "%", "≤ 5%", "否"],
    ["留存率", "100.0", "100.0", "%", "", ""],
    ["NPS", "-100.0", "", "分", "≥ 80", "是"],
    ["NPS 回复数", "1", "0", "个", "", ""],
    ["SLA 首次响应达标率", "50.0", "", "%", "", ""],
    ["SLA 解决达标率", "0.0", "", "%", "", ""],
    ["首次响应时间中位数", "95.5", "", "分钟", "", ""],
]


def test_a_weeks_figures_and_reps_as_csv_in_chinese(empty_database, tmp_path):
    env = _prepare(empty_database, tmp_path)
    out = tmp_path / "w47.csv"
    done = run(["report", "--period", "2026-W47", "--now", NOW, "--out", str(out)], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"已写入 {out}：30 项指标，3 位负责人。"
    assert _rows(out.read_bytes()) == [
        *ZH_FIGURES,
        [],
        ["负责人", "姓名", "记录互动", "超 24 小时补录", "补录未达标", "当前逾期", "到期待办", "按时完成", "逾期完成"],
        ["U0A1000001", "王小明", "1", "0", "否", "0", "1", "1", "0"],
        ["U0A2000002", "alice", "0", "0", "否", "1", "1", "0", "0"],
        ["U0M1000003", "赵总", "0", "0", "否", "0", "0", "0", "0"],
        [],
        ["回款", "币种", "本期应收", "应收期数", "本期回款", "回款笔数", "当前逾期", "逾期期数"],  # no payment schedule that week
        [],
        ["客单价", "币种", "近 12 个月", "前 12 个月", "增长率（%）", "目标", "未达标"],
        ["none", "CNY", "120000.00", "", "", "", ""],  # the week's one won deal: no year before to compare
        ["U0A1000001", "CNY", "120000.00", "", "", "", ""],
    ]


def test_one_reps_month_in_english_to_stdout(empty_database, tmp_path):
    env = _prepare(empty_database, tmp_path)
    done = run(["report", "--period", "2026-11", "--rep", A2, "--lang", "en", "--now", NOW], env={**env, "CRM_TARGETS": "nps=none"},
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout.encode("utf-8"))
    by_name = {row[0]: row[1:] for row in rows if row}
    assert rows[0] == ["figure", "period value", "previous value", "unit", "target", "missed"]
    # A2's November: the open action due on the 18th, their two tickets' customer (云帆), no interaction
    assert by_name["Interactions logged"] == ["0", "0", "count", "", ""]
    assert by_name["Next actions due"] == ["1", "0", "count", "", ""]
    assert by_name["Follow-up completion"] == ["0.0", "", "%", "≥ 90%", "yes"]
    assert by_name["Overdue now"] == ["1", "", "count", "", ""]
    assert by_name["Deals won"] == ["0", "0", "count", "", ""]
    assert by_name["NPS"] == ["", "", "points", "", ""]  # CRM_TARGETS nps=none: no target
    assert by_name["SLA first response met"] == ["50.0", "", "%", "", ""]
    assert by_name["Median first response"] == ["95.5", "", "minutes", "", ""]
    assert by_name["Logged over 24 h late"] == ["", "", "%", "≤ 10%", "no"]  # nothing logged: nothing missed
    assert rows[-6:] == [["rep", "name", "logged", "logged over 24 h late", "logged late missed", "overdue now", "due",
                          "done on time", "done late"],
                         ["U0A2000002", "alice", "0", "0", "no", "1", "1", "0", "0"], [],
                         ["receivables", "currency", "due", "instalments due", "collected", "payments", "overdue now",
                          "instalments overdue"], [],
                         ["average order value", "currency", "last 12 months", "12 months before", "growth (%)", "target",
                          "missed"]]  # A2 won nothing


def test_bad_arguments_are_one_line_and_exit_code_2(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    for args, message in (
        ([], "report: --period is required: 2026-10 (a month), 2026-W44 (an ISO week) or 2026-11-03 (a day)"),
        (["--period", "2026-13"], "report: --period: '2026-13' is not 2026-10 (a month), 2026-W44 (an ISO week) or 2026-11-03 (a day)"),
        (["--period", "last week"], "report: --period: 'last week' is not 2026-10 (a month), 2026-W44 (an ISO week) or 2026-11-03 (a day)"),
        (["--period", "2026-10", "--format", "xlsx"], "report: --format: only csv is supported, not 'xlsx'"),
        (["--period", "2026-10", "--team", "U1", "--rep", "U2"], "report: give --team or --rep, not both"),
        (["--period", "2026-10", "--rep", "wang"], "report: --rep: 'wang' is not a Slack user ID (e.g. U0123ABCD)"),
        (["--period", "2026-10", "--tz", "Mars/Base"], "report: --tz: unknown time zone 'Mars/Base' (e.g. Asia/Shanghai)"),
        (["--period", "2026-10", "--lang", "fr"], "report: --lang: 'fr' is not zh-CN or en"),
        (["--period", "2026-10", "--now", "soon"], "report: --now: not an ISO 8601 time: 'soon' (e.g. 2026-11-23T09:00:00+08:00)"),
    ):
        done = run(["report", *args], env=env, cwd=tmp_path)
        assert (done.returncode, done.stderr.splitlines(), done.stdout) == (2, [message], ""), args
    assert not (tmp_path / "none.db").exists()  # refused before touching the database
