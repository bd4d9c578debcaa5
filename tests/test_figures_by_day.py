"""Figures count an interaction by the day it happened (occurred_on, in its author's zone), not by
when it was logged, and "logged late" (more than 24 h after it happened) per rep against
CRM_TARGETS' logged_late: logged through the real Bolt app (/crm log's modal), read back through
/crm stats and `python -m bot report` as a process, in both languages, on both databases."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import ids
from handlers.delivery.jobs import tick
from store.customers import create_customer
from store.db import transaction
from store.digests import subscribe
from store.users import set_manager, set_role
import pytest

from tests.block_text import block_texts
from tests.bolt_server import BoltServer
from tests.conftest import BOSS, REP, REP_EN, remember_user
from tests.flows import log_state, view_submission
from tests.test_cli import run

SH, NY = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
SUNDAY = date(2026, 12, 6)  # the last day of ISO week 2026-W49


def _log(bolt, user: str, customer_id: int, day: date) -> None:
    state = log_state(customer=f"c:{customer_id}", day=day, summary="拜访", action="回访", due=bolt.now + timedelta(days=14),
                      owner=user)
    status, body, _ = bolt.interact(view_submission(user=user, callback_id=ids.LOG_VIEW, values=state))
    assert (status, body) == (200, b"")


@pytest.fixture
def migrated(empty_database, tmp_path):
    """A database the CLI migrated (`report` migrates first, which a create_all database refuses)."""
    done = run(["migrate"], env={"DATABASE_URL": empty_database.url}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return empty_database


@pytest.fixture
def app(migrated, fake):
    server = BoltServer(db=migrated.factory, fake=fake)
    yield server
    server.stop()


def _week(bolt, database) -> None:
    """wang (Shanghai) made five visits on Sunday 6 Dec and logged them on Monday morning (within
    24 h); alice (New York) made two on the same Sunday and logged them on Tuesday evening (late)."""
    made = datetime(2026, 11, 1, tzinfo=SH)
    for user, tz, locale in ((REP, "Asia/Shanghai", "zh-CN"), (REP_EN, "America/New_York", "en-US"),
                             (BOSS, "Asia/Shanghai", "zh-CN")):
        # fetched on the day the customers were made, by the app's clock: stale by the time they log,
        # so alice's name is asked of Slack (fetched at the wall clock, it was fresh from 8 December on)
        remember_user(database.factory, user, tz, locale, now=made)
    with transaction(database.factory) as s:
        set_role(session=s, user_id=BOSS, role="manager")
        for rep in (REP, REP_EN):
            set_manager(session=s, user_id=rep, manager_id=BOSS)
        galaxy = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=made).id
        other = create_customer(session=s, name="Galaxy Tech", owner_id=REP_EN, created_by=REP_EN, now=made).id
    bolt.now = datetime(2026, 12, 7, 9, 30, tzinfo=SH)  # Monday
    for _ in range(5):
        _log(bolt, REP, galaxy, SUNDAY)
    bolt.now = datetime(2026, 12, 8, 19, 0, tzinfo=NY)  # Tuesday evening in New York
    for _ in range(2):
        _log(bolt, REP_EN, other, SUNDAY)


def _report(database, tmp_path, *args: str) -> list[list[str]]:
    done = run(["report", *args, "--now", "2026-12-10T12:00:00+08:00"], env={"DATABASE_URL": database.url}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = done.stdout.encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def _row(rows, label: str) -> list[str]:
    return next(row for row in rows if row and row[0] == label)


def test_sunday_visits_logged_on_monday_count_in_sundays_week_in_the_report(app, migrated, tmp_path):
    bolt, database = app, migrated
    _week(bolt, database)
    rows = _report(database, tmp_path, "--period", "2026-W49")
    assert _row(rows, "记录互动") == ["记录互动", "7", "0", "个", "", ""]
    assert _row(rows, "记录互动：拜访") == ["记录互动：拜访", "7", "0", "个", "", ""]
    assert _row(rows, "超 24 小时补录") == ["超 24 小时补录", "28.6", "", "%", "≤ 10%", "是"]
    first = rows.index([]) + 1
    reps = rows[first:rows.index([], first)]  # the per-rep rows; receivables and order value follow after a blank line
    assert reps == [["负责人", "姓名", "记录互动", "超 24 小时补录", "补录未达标", "当前逾期", "到期待办", "按时完成", "逾期完成"],
                    [BOSS, BOSS, "0", "0", "否", "0", "0", "0", "0"],
                    [REP, "王小明", "5", "0", "否", "0", "0", "0", "0"],
                    [REP_EN, "Alice Smith", "2", "2", "是", "0", "0", "0", "0"]]
    # the week they were logged in holds none of them
    rows = _report(database, tmp_path, "--period", "2026-W50", "--lang", "en", "--rep", REP)
    assert _row(rows, "Interactions logged") == ["Interactions logged", "0", "5", "count", "", ""]
    assert [REP, "王小明", "0", "0", "no", "0", "0", "0", "0"] in rows
    # the day they happened, and a looser target
    done = run(["report", "--period", "2026-12-06", "--lang", "en", "--now", "2026-12-10T12:00:00+08:00"],
               env={"DATABASE_URL": database.url, "CRM_TARGETS": "logged_late=30"}, cwd=tmp_path)
    rows = list(csv.reader(io.StringIO(done.stdout.lstrip("\ufeff"), newline="")))
    assert _row(rows, "Interactions logged")[1] == "7"
    assert _row(rows, "Logged over 24 h late") == ["Logged over 24 h late", "28.6", "", "%", "≤ 30%", "no"]
    first = rows.index([]) + 2
    assert [r[:5] for r in rows[first:rows.index([], first)]] == [[BOSS, BOSS, "0", "0", "no"], [REP, "王小明", "5", "0", "no"],
                                                                 [REP_EN, "Alice Smith", "2", "2", "yes"]]


def _stats(bolt, fake, text: str, user: str) -> list[str]:
    fake.reset()
    status, body, _ = bolt.command(text, user=user)
    assert (status, body) == (200, b"")
    return block_texts(fake.wait_for("response_url:cmd")[0].params["blocks"])


def _section(texts: list[str], head: str) -> list[str]:
    """The lines of the report's section that starts with `head` (the report opens with At a glance)."""
    return next(x for x in texts if x.startswith(head)).splitlines()


def test_crm_stats_counts_by_the_day_and_marks_late_logging_per_rep(app, migrated, fake):
    bolt = app
    _week(bolt, migrated)
    bolt.now = datetime(2026, 12, 10, 12, 0, tzinfo=SH)
    texts = _stats(bolt, fake, "stats 2026-W49", BOSS)
    assert _section(texts, "*工作量与跟进*")[2:4] == ["• 记录互动：*7*（拜访 7）　上期 0 ▲",
                                                "• 超 24 小时补录：*28.6%*（2/7） ⚠️ 目标 ≤ 10%"]
    reps = next(x for x in texts if x.startswith("*各人明细*"))
    assert reps.splitlines()[1:] == [
        f"• <@{REP}>：记录互动 5 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 0/0（逾期完成 0）",
        f"• <@{REP_EN}>：记录互动 2 · 超 24 小时补录 2 ⚠️ 目标 ≤ 10% · 当前逾期 0 · 按时完成 0/0（逾期完成 0）"]
    assert _section(_stats(bolt, fake, "stats 2026-W50", BOSS), "*工作量与跟进*")[2] == "• 记录互动：*0*　上期 7 ▼"
    # alice, in New York, reads her own week in English
    texts = _stats(bolt, fake, "stats 2026-W49", REP_EN)
    assert _section(texts, "*Activity and follow-up*")[2:4] == ["• Interactions logged: *2* (Visit 2) · prev. 0 ▲",
                                                          "• Logged over 24 h late: *100.0%* (2/2) ⚠️ target ≤ 10%"]
    assert next(x for x in texts if x.startswith("*Per rep*")).splitlines()[1:] == [
        f"• <@{REP_EN}>: logged 2 · over 24 h late 2 ⚠️ target ≤ 10% · overdue now 0 · done on time 0/0 (late 0)"]


# -- the digests: the week a visit happened in, however late it was logged ---------------------------

SALES = "C0SALES001"


def _digest_lines(bolt, fake, at: datetime) -> tuple[list[str], list[str]]:
    """The activity lines and the per-rep lines of the digest the tick at `at` posts to SALES."""
    fake.reset()
    tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=at)
    [post] = [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == SALES and c.response.get("ok")]
    texts = block_texts(post["blocks"])
    activity = next(x for x in texts if x.startswith(("*工作量与跟进*", "*Activity and follow-up*"))).splitlines()
    reps = next(x for x in texts if x.startswith(("*各人明细*", "*Per rep*"))).splitlines()
    return [line for line in activity if "互动" in line or "补录" in line or "ogged" in line], reps[1:]


def test_the_weekly_digest_counts_a_sunday_visit_logged_on_monday_morning_in_sundays_week(app, migrated, fake):
    """wang (Shanghai) logs his Sunday-night visit and a Friday one at 08:30 on Monday, half an hour before
    the 09:00 digest of the week that just ended; alice (New York) logs her Sunday visit at 08:00 her
    Monday. The Chinese digest (Shanghai, zhao's team) and the English one (New York, everyone) count
    them in the week they happened (each as it stood at its own 09:00), the Friday one logged late. Before: each counted in the week it
    was logged, so neither digest had them."""
    bolt, database = app, migrated
    for user, tz, locale in ((REP, "Asia/Shanghai", "zh-CN"), (REP_EN, "America/New_York", "en-US"),
                             (BOSS, "Asia/Shanghai", "zh-CN")):
        remember_user(database.factory, user, tz, locale, now=datetime(2026, 11, 1, tzinfo=SH))  # by the app's clock
    made = datetime(2026, 11, 1, tzinfo=SH)
    with transaction(database.factory) as s:
        set_role(session=s, user_id=BOSS, role="manager")
        for rep in (REP, REP_EN):
            set_manager(session=s, user_id=rep, manager_id=BOSS)
        galaxy = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=made).id
        other = create_customer(session=s, name="Galaxy Tech", owner_id=REP_EN, created_by=REP_EN, now=made).id
        for team, tz, locale in ((BOSS, "Asia/Shanghai", "zh-CN"), ("", "America/New_York", "en-US")):
            subscribe(session=s, channel_id=SALES, cadence="weekly", team_of=team, at_time="09:00", tz=tz, locale=locale,
                      by=BOSS, now=datetime(2026, 12, 1, tzinfo=SH))
    bolt.now = datetime(2026, 12, 7, 8, 30, tzinfo=SH)  # Monday, 00:30 UTC: Sunday 19:30 in New York
    _log(bolt, REP, galaxy, SUNDAY)                      # the visit at 23:30 on Sunday
    _log(bolt, REP, galaxy, SUNDAY - timedelta(days=2))  # Friday's, logged three days after: late
    activity, reps = _digest_lines(bolt, fake, datetime(2026, 12, 7, 9, 0, tzinfo=SH))
    assert activity == ["• 记录互动：*2*（拜访 2）　上期 0 ▲", "• 超 24 小时补录：*50.0%*（1/2） ⚠️ 目标 ≤ 10%"]
    assert reps == [f"• <@{REP}>：记录互动 2 · 超 24 小时补录 1 ⚠️ 目标 ≤ 10% · 当前逾期 0 · 按时完成 0/0（逾期完成 0）",
                    f"• <@{REP_EN}>：记录互动 0 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 0/0（逾期完成 0）"]
    bolt.now = datetime(2026, 12, 7, 8, 0, tzinfo=NY)   # alice's Monday morning, 21:00 in Shanghai
    _log(bolt, REP_EN, other, SUNDAY)
    activity, reps = _digest_lines(bolt, fake, datetime(2026, 12, 7, 9, 0, tzinfo=NY))
    assert activity == ["• Interactions logged: *3* (Visit 3) · prev. 0 ▲", "• Logged over 24 h late: *33.3%* (1/3) ⚠️ target ≤ 10%"]
    assert reps == [f"• <@{REP}>: logged 2 · over 24 h late 1 ⚠️ target ≤ 10% · overdue now 0 · done on time 0/0 (late 0)",
                    f"• <@{REP_EN}>: logged 1 · over 24 h late 0 · overdue now 0 · done on time 0/0 (late 0)"]
