"""NPS scores from CSV: the store's all-or-nothing import, and `python -m bot import-nps`."""
from __future__ import annotations

import os
import subprocess
import sys
from argparse import Namespace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.cli.import_nps import handle as cmd_import_nps
from bot.settings import Settings
from store.customers import create_customer
from store.db import transaction
from store.migrate import upgrade
from store.models import Customer, NextAction, NpsResponse, Outbox
from store.nps_import import RowError, import_nps
from store.users import set_manager
from tests.conftest import BOSS, REP, REP_EN

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[1]


def _customers(db) -> tuple[Customer, Customer]:
    with transaction(db) as s:
        return (create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=NOW),
                create_customer(session=s, name="Galaxy Tech", owner_id=REP_EN, created_by=REP_EN, now=NOW))


def _import(db, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    with transaction(db) as s:
        return import_nps(session=s, data=data, tz="Asia/Shanghai", now=NOW)


def _saved(db) -> list[tuple]:
    with transaction(db) as s:
        return [(r.customer_id, r.score, r.comment, r.responded_at.astimezone(SHANGHAI).isoformat(), r.source)
                for r in s.exec(select(NpsResponse).order_by(NpsResponse.responded_at, NpsResponse.id))]


CHINESE = "\ufeff客户,评分,评论,时间\n星河科技,9,服务很好,2026-11-20\nC202611002,3,太慢了,2026-11-20 16:30\n星河科技,7,,2026-11-21T10:00:00+00:00\n星河科技,10,,\n"


def test_chinese_headers_with_a_bom_and_times_in_the_teams_zone(db):
    xinghe, galaxy = _customers(db)
    report = _import(db, CHINESE)
    assert (report.rows, report.created, report.duplicates, report.errors, report.ignored_columns) == (4, 4, 0, [], [])
    assert _saved(db) == [
        (xinghe.id, 9, "服务很好", "2026-11-20T09:00:00+08:00", "csv"),     # a date alone is 09:00
        (galaxy.id, 3, "太慢了", "2026-11-20T16:30:00+08:00", "csv"),       # by code, local time
        (xinghe.id, 7, "", "2026-11-21T18:00:00+08:00", "csv"),            # its own offset kept
        (xinghe.id, 10, "", "2026-11-22T16:00:00+08:00", "csv"),           # no time: now
    ]
    again = _import(db, CHINESE)
    assert (again.rows, again.created, again.duplicates) == (4, 0, 4)
    assert len(_saved(db)) == 4


def test_english_headers_in_any_order_with_ids_crlf_and_a_comment_over_two_lines(db):
    _, galaxy = _customers(db)
    text = ('Score,ID,Customer,Channel,responded_at,comment\r\n'
            '9,sv-1,galaxy tech,email,2026/11/19 14:00,"Great\r\nsupport, thanks"\r\n'
            '6,sv-2,Galaxy Tech,phone,2026-11-19 15:00:00,\r\n')
    report = _import(db, text)
    assert (report.created, report.ignored_columns) == (2, ["Channel"])
    assert _saved(db) == [(galaxy.id, 9, "Great\r\nsupport, thanks", "2026-11-19T14:00:00+08:00", "csv"),
                          (galaxy.id, 6, "", "2026-11-19T15:00:00+08:00", "csv")]
    with transaction(db) as s:
        assert sorted(r.external_id for r in s.exec(select(NpsResponse))) == ["sv-1", "sv-2"]
    # the same ids again, even with other content, are already there
    assert (_import(db, text.replace("9,sv-1", "2,sv-1")).created, _import(db, text).duplicates) == (0, 2)


def test_one_bad_row_imports_nothing_and_every_problem_names_its_line(db):
    _customers(db)
    text = ("customer,score,comment,responded_at,id\n"
            'Galaxy Tech,9,"Great\nsupport",2026-11-20 10:00,g1\n'   # lines 2-3: fine
            "Nope Inc,8,,2026-11-20,g2\n"                            # line 4
            "Galaxy Tech,11,,,g3\n"                                  # line 5
            "Galaxy Tech,7,,20/11/2026,g4\n"                         # line 6
            "\n"                                                     # line 7: blank, skipped
            "Galaxy Tech,3,,2099-01-01,g5\n"                         # line 8
            "Galaxy Tech,5,,,g1\n"                                   # line 9
            ",5,,,g6\n"                                              # line 10
            f"Galaxy Tech,4,{'x' * 2001},,g7\n")                     # line 11
    report = _import(db, text)
    assert report.errors == [
        RowError(4, "nps_err_customer_unknown", {"customer": "Nope Inc"}),
        RowError(5, "nps_err_score", {}),
        RowError(6, "nps_err_time", {"value": "20/11/2026"}),
        RowError(8, "nps_err_future", {}),
        RowError(9, "nps_err_id_repeated", {"id": "g1", "first": 2}),
        RowError(10, "nps_err_customer_missing", {"customer": ""}),
        RowError(11, "err_too_long", {"limit": 2000, "length": 2001}),
    ]
    assert (report.rows, report.created) == (8, 0)
    assert _saved(db) == []


def test_identical_rows_without_ids_are_separate_responses_and_still_imported_once(db):
    xinghe, _ = _customers(db)
    twice = "客户,评分\n星河科技,9\n星河科技,9\n"
    assert _import(db, twice).created == 2
    assert (_import(db, twice).created, _import(db, twice).duplicates) == (0, 2)
    thrice = twice + "星河科技,9\n"
    report = _import(db, thrice)
    assert (report.created, report.duplicates) == (1, 2)
    assert [row[1] for row in _saved(db)] == [9, 9, 9]


@pytest.mark.parametrize("data, errors", [
    ("评论,时间\n好,2026-11-20\n".encode(), [RowError(1, "nps_err_header_missing", {"column": "客户 / customer"}),
                                          RowError(1, "nps_err_header_missing", {"column": "评分 / score"})]),
    ("客户,customer,评分\n星河科技,星河科技,9\n".encode(), [RowError(1, "nps_err_header_twice", {"column": "客户 / customer"})]),
    (b"", [RowError(1, "nps_err_header_missing", {"column": "客户 / customer"}),
           RowError(1, "nps_err_header_missing", {"column": "评分 / score"})]),
    ("客户,评分\n星河科技,9\n星河科技,3\n".encode("gbk"), [RowError(1, "nps_err_encoding", {})]),
])
def test_files_that_cannot_be_read_are_refused_whole(db, data, errors):
    _customers(db)
    assert _import(db, data).errors == errors
    assert _saved(db) == []


# -- python -m bot import-nps ------------------------------------------------------------------------

def _settings(database, fake=None, **kw) -> Settings:
    fields = dict(_env_file=None, database_url=database.url, crm_quiet_hours="off", crm_default_locale="zh-CN",
                  slack_bot_token="xoxb-test" if fake else None, slack_api_url=fake.url if fake else "https://slack.com/api/")
    return Settings(**(fields | kw))


def _migrated(database) -> tuple[Customer, Customer]:
    upgrade(database.url)
    return _customers(database.factory)


def test_cli_imports_alerts_the_owner_and_escalates_a_repeat_in_time_order(empty_database, fake, tmp_path, capsys):
    _migrated(empty_database)
    with transaction(empty_database.factory) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
    path = tmp_path / "scores.csv"
    # the later low score comes first in the file; it is the one that escalates
    path.write_text("客户,评分,评论,时间\n星河科技,2,又出问题了,2026-11-20 11:00\n星河科技,5,发货慢,2026-11-18 10:00\n"
                    "星河科技,9,,2026-11-10\n", encoding="utf-8-sig")
    cmd_import_nps(_settings(empty_database, fake), Namespace(file=path), now=NOW)
    out = capsys.readouterr().out
    assert out == "共 3 行：新导入 3 条，之前已导入 0 条。\n低分提醒：已发送 3 条，待发送 0 条。\n"
    posts = fake.wait_for("chat.postMessage", count=2)
    assert sorted((c.params["channel"], c.params["text"]) for c in posts) == [
        (BOSS, "NPS 连续低分：星河科技 打了 2 分"),
        (REP, "NPS 低分：星河科技 打了 5 分\nNPS 低分：星河科技 打了 2 分"),  # two alerts for one person: one message
    ]
    with transaction(empty_database.factory) as s:
        kinds = [(o.kind, o.recipient, o.status) for o in s.exec(select(Outbox).order_by(Outbox.id))]
        dues = [a.due_at.astimezone(SHANGHAI).isoformat() for a in s.exec(select(NextAction).order_by(NextAction.id))]
    assert kinds == [("nps_low", REP, "sent"), ("nps_low", REP, "sent"), ("nps_escalation", BOSS, "sent")]
    assert dues == ["2026-11-20T10:00:00+08:00", "2026-11-24T11:00:00+08:00"]  # Wed 10:00 -> Fri 10:00; Fri 11:00 -> Tue 11:00

    cmd_import_nps(_settings(empty_database, fake), Namespace(file=path), now=NOW)
    assert capsys.readouterr().out == "共 3 行：新导入 0 条，之前已导入 3 条。\n"
    assert len(fake.calls_to("chat.postMessage")) == len(posts)


def test_cli_reports_every_refused_row_in_english_and_exits_1(empty_database, tmp_path, capsys):
    _migrated(empty_database)
    path = tmp_path / "scores.csv"
    path.write_text("customer,score,note\nGalaxy Tech,9,x\nNope,8,y\nGalaxy Tech,eleven,z\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        cmd_import_nps(_settings(empty_database, crm_default_locale="en"), Namespace(file=path))
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == "Columns ignored: note\n"
    assert captured.err == ("line 3: No customer “Nope”: give the customer's full name or code (e.g. C202611001).\n"
                            "line 4: The score must be a whole number from 0 to 10.\n"
                            "2 problems: nothing was imported.\n")
    with transaction(empty_database.factory) as s:
        assert s.exec(select(NpsResponse)).all() == []


def test_cli_without_a_token_queues_the_alerts_for_the_bot(empty_database, tmp_path, capsys):
    _migrated(empty_database)
    path = tmp_path / "scores.csv"
    path.write_text("customer,score\nGalaxy Tech,1\n", encoding="utf-8")
    cmd_import_nps(_settings(empty_database, crm_default_locale="en"), Namespace(file=path))
    assert capsys.readouterr().out == ("1 row: 1 imported, 0 already there.\n"
                                       "SLACK_BOT_TOKEN is not set: 1 low-score alert queued for the running bot to send.\n")
    with transaction(empty_database.factory) as s:
        assert [(o.kind, o.recipient, o.status) for o in s.exec(select(Outbox))] == [("nps_low", REP_EN, "pending")]
    with pytest.raises(SystemExit) as exit_:
        cmd_import_nps(_settings(empty_database), Namespace(file=tmp_path / "missing.csv"))
    assert str(exit_.value.code).startswith("import-nps: cannot read ")


def test_python_m_bot_import_nps_as_a_process(empty_database, fake, tmp_path):
    _migrated(empty_database)
    path = tmp_path / "scores.csv"
    path.write_text("\ufeff客户,评分,评论\nGalaxy Tech,4,too slow\nNope,9,\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=empty_database.url, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=fake.url,
               CRM_QUIET_HOURS="off", CRM_DEFAULT_LOCALE="en")

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "import-nps", str(path)], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    refused = run()
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[-2:] == ["line 3: No customer “Nope”: give the customer's full name or code (e.g. C202611001).",
                                                "1 problem: nothing was imported."]
    path.write_text("\ufeff客户,评分,评论\nGalaxy Tech,4,too slow\n", encoding="utf-8")
    done = run()
    assert (done.returncode, done.stdout) == (0, "1 row: 1 imported, 0 already there.\nLow-score alerts: 1 sent, 0 waiting.\n"), done.stderr
    dm = fake.wait_for("chat.postMessage")[0].params
    assert (dm["channel"], dm["text"]) == (REP_EN, "Low NPS: Galaxy Tech scored 4")
