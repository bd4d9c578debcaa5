"""Channel digests through the real Bolt app and the fake Slack: `/crm digest` in Chinese and
English with its refusals, and the scheduler's tick posting each digest and its charts exactly
once — twice ticked, two ticks at once, Slack refusing for a while, a process that died after
the upload — with last month's churn review in the first digest of a month."""
from __future__ import annotations

import threading
import time as pytime
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import select

from handlers import ids
from handlers.delivery.jobs import tick
from store.customers import create_customer
from store.db import transaction
from store.digest_models import DigestSubscription
from store.digests import queue_due, subscribe, unsubscribe
from store.interactions import log_interaction
from store.models import Customer, Outbox
from store.permissions import Viewer
from store.users import save_user, set_manager, set_role
from store.winback import PlanRequest, close_plan, mark_churned
from tests.block_text import block_texts
from tests.blockkit import check_blocks
from tests.bolt_server import payload
from tests.conftest import BOSS, REP, REP_EN
from tests.figure_data import A2, M1, week_data

UTC = timezone.utc
SH, NY = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
ADMIN = "U0ADMIN004"
BOSS_EN = "U0BOSSEN06"
SALES, OTHER = "C0SALES001", "C0SALES002"
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SH)  # the weekly digest of 16-22 Nov is due
U = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731


def _people(db) -> None:
    """zhao (zh, Shanghai) manages wang (zh) and alice (en); bob (en, New York) is a manager with
    no reports yet; the admin writes English."""
    with transaction(db) as s:
        for user, name, tz, locale in ((REP, "wang", "Asia/Shanghai", "zh-CN"), (REP_EN, "alice", "America/New_York", "en-US"),
                                       (BOSS, "zhao", "Asia/Shanghai", "zh-CN"), (BOSS_EN, "bob", "America/New_York", "en-US"),
                                       (ADMIN, "root", "Asia/Shanghai", "en-US")):
            save_user(session=s, user_id=user, name=name, email="", tz=tz, locale=locale, now=datetime.now(UTC))
        set_role(session=s, user_id=BOSS, role="manager")
        set_role(session=s, user_id=BOSS_EN, role="manager")
        set_role(session=s, user_id=ADMIN, role="admin")
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=REP_EN, manager_id=BOSS)


def _say(bolt, fake, text: str, user: str) -> str:
    n = len(fake.calls_to("response_url:cmd"))
    status, _, _ = bolt.command(text, user=user)
    assert status == 200
    return fake.wait_for("response_url:cmd", count=n + 1)[n].params["text"]


def _subs(db) -> list[tuple]:
    with transaction(db) as s:
        return [(x.channel_id, x.cadence, x.team_of, x.at_time, x.tz, x.locale)
                for x in s.exec(select(DigestSubscription).order_by(DigestSubscription.id))]


def _next_local(zone: ZoneInfo, weekday: int, hh: int, mm: int) -> datetime:
    """The next weekday (0 = Monday) at hh:mm in the zone after the real now (for the answers to commands)."""
    now = datetime.now(zone)
    day = now.date() + timedelta(days=(weekday - now.weekday()) % 7)
    when = datetime.combine(day, time(hh, mm), tzinfo=zone)
    return when if when > now else datetime.combine(day + timedelta(days=7), time(hh, mm), tzinfo=zone)


# -- /crm digest ----------------------------------------------------------------------------------

def test_a_manager_subscribes_a_channel_to_the_weekly_digest_in_chinese(bolt, fake, db):
    _people(db)
    answer = _say(bolt, fake, f"digest subscribe <#{SALES}|sales> 每周 8:30", BOSS)
    when = _next_local(SH, 0, 8, 30)
    assert answer == (f"✅ <#{SALES}> 将收到<@{BOSS}> 团队的周报，每周一 08:30（Asia/Shanghai）发送。"
                      f"下一次：{when.year}年{when.month}月{when.day}日周一 08:30")
    assert _subs(db) == [(SALES, "weekly", BOSS, "08:30", "Asia/Shanghai", "zh-CN")]
    assert [c.params["channel"] for c in fake.calls_to("conversations.info")] == [SALES]
    assert fake.calls_to("conversations.join") == []


def test_an_english_manager_subscribes_the_bot_joins_and_again_changes_the_time(bolt, fake, db):
    _people(db)
    fake.add_channel(OTHER, name="sales-us", member=False)
    answer = _say(bolt, fake, f"digest subscribe weekly <#{OTHER}|sales-us> team", BOSS_EN)
    when = _next_local(NY, 0, 9, 0)
    assert answer == (f"✅ <#{OTHER}> will get the weekly digest for <@{BOSS_EN}>'s team, Mondays at 9:00\u202fAM (America/New_York). "
                      f"Next: Mon, {when:%b} {when.day}, {when.year}, 9:00\u202fAM")
    assert [c.params["channel"] for c in fake.calls_to("conversations.join")] == [OTHER]
    again = _say(bolt, fake, f"digest subscribe <#{OTHER}> weekly 17:00", BOSS_EN)
    when = _next_local(NY, 0, 17, 0)
    assert again == (f"✅ Updated: <#{OTHER}>'s weekly digest for <@{BOSS_EN}>'s team now goes Mondays at 5:00\u202fPM (America/New_York). "
                     f"Next: Mon, {when:%b} {when.day}, {when.year}, 5:00\u202fPM")
    assert _subs(db) == [(OTHER, "weekly", BOSS_EN, "17:00", "America/New_York", "en-US")]
    assert len(fake.calls_to("conversations.join")) == 1  # a member by now


def test_list_shows_a_manager_their_team_and_an_admin_everything_and_unsubscribe_stops_one(bolt, fake, db):
    _people(db)
    with transaction(db) as s:
        for channel, cadence, team, at in ((SALES, "weekly", BOSS, "09:00"), (OTHER, "monthly", "", "08:00"),
                                           (SALES, "daily", BOSS_EN, "18:00")):
            subscribe(session=s, channel_id=channel, cadence=cadence, team_of=team, at_time=at, tz="Asia/Shanghai",
                      locale="zh-CN", by=ADMIN, now=U(2026, 11, 23, 2, 0))  # Monday 23 Nov, 10:00 in Shanghai
    assert _say(bolt, fake, "digest list", BOSS) == (
        "*频道简报*（1 个）：\n"
        f"• <#{SALES}> · 周报 · <@{BOSS}> 团队 · 每周一 09:00（Asia/Shanghai） · 下一次：2026年11月30日周一 09:00")
    assert _say(bolt, fake, "digest list", ADMIN) == (
        "*Channel digests* (3):\n"
        f"• <#{SALES}> · daily digest · <@{BOSS_EN}>'s team · every day at 6:00\u202fPM (Asia/Shanghai) · next: Mon, Nov 23, 2026, 6:00\u202fPM\n"
        f"• <#{SALES}> · weekly digest · <@{BOSS}>'s team · Mondays at 9:00\u202fAM (Asia/Shanghai) · next: Mon, Nov 30, 2026, 9:00\u202fAM\n"
        f"• <#{OTHER}> · monthly digest · everyone · on the 1st of each month at 8:00\u202fAM (Asia/Shanghai) · next: Tue, Dec 1, 2026, 8:00\u202fAM")
    assert _say(bolt, fake, f"digest unsubscribe <#{SALES}|sales> 每周", BOSS) == (
        f"🗑 已退订 <#{SALES}> 的 1 个简报：\n• 周报 · <@{BOSS}> 团队")
    assert _say(bolt, fake, f"digest 退订 <#{SALES}|sales>", BOSS) == f"<#{SALES}> 没有你可以退订的简报。"
    assert [s[:3] for s in _subs(db)] == [(OTHER, "monthly", ""), (SALES, "daily", BOSS_EN)]  # by id
    assert _say(bolt, fake, "digest list", REP) == "只有经理和管理员可以管理频道简报。"
    assert _say(bolt, fake, f"digest unsubscribe <#{OTHER}|other>", ADMIN) == (  # English: one digest, singular
        f"🗑 Stopped 1 digest in <#{OTHER}>:\n• monthly digest · everyone")


def test_refusals_leave_nothing_subscribed(bolt, fake, db):
    _people(db)
    fake.add_channel("G0SECRET01", private=True, member=False)
    refusals = [
        (REP, f"digest subscribe <#{SALES}> 每周", "只有经理和管理员可以管理频道简报。"),
        (BOSS, "digest subscribe <#G0SECRET01> 每周",
         "我不在 <#G0SECRET01> 里，进不去私有频道。请先在频道里输入 `/invite @CRM` 邀请我，再订阅一次。"),
        (BOSS, f"digest subscribe <#{SALES}> 每周 25:00", "时间要写成 24 小时制的 HH:MM，例如 09:00 或 17:30。"),
        (BOSS, f"digest subscribe <#{SALES}> 每周 全部", "只有管理员可以订阅全员简报；经理可以订阅自己团队的。"),
        (BOSS, f"digest subscribe <#{SALES}> 每周 <@{BOSS_EN}|bob>", "你只能订阅自己团队的简报。"),
        (BOSS, f"digest subscribe <#{SALES}> 每小时", "看不懂 `每小时`。频道请用 #频道，频率用 每天/每周/每月/每季，时间用 HH:MM。"),
        (BOSS_EN, "digest subscribe weekly <#G0SECRET01|secret>",
         "I'm not in <#G0SECRET01> and can't join a private channel. Type `/invite @CRM` there first, then subscribe again."),
    ]
    for user, text, expected in refusals:
        assert _say(bolt, fake, text, user) == expected, text
    assert _say(bolt, fake, f"digest subscribe <#{SALES}>", BOSS).startswith("用法：")
    assert _subs(db) == []
    assert fake.calls_to("conversations.join") == []


def test_help_lists_the_digest_command(bolt, fake, db):
    assert "`/crm digest subscribe #频道 每周" in _say(bolt, fake, "help", REP)


# -- the digest -----------------------------------------------------------------------------------

def _week_of_work(db) -> None:
    """16-22 Nov (Shanghai): wang logs a visit to a new lead and a call to it; alice logs a meeting
    with another new lead. 9-15 Nov: alice logged one call to a new lead. Actions fall due in December.
    wang's call was made on Monday 16 Nov and logged on Wednesday: more than 24 h late."""
    later = U(2026, 12, 10, 2, 0)

    def log(author, customer, name, way, at, on=None):
        with transaction(db) as s:
            return log_interaction(session=s, author_id=author, customer_id=customer, new_customer_name=name, way=way,
                                   occurred_on=on or at.astimezone(SH).date(), summary="沟通", feedback="", participants="",
                                   action_title="跟进", due_at=later, action_owner_id=author, now=at)

    galaxy = log(REP, None, "星河科技", "visit", U(2026, 11, 17, 3, 0)).customer
    log(REP, galaxy.id, None, "phone", U(2026, 11, 18, 3, 0), on=date(2026, 11, 16))
    # alice is in New York: logged at 10:00 there (23:00 in Shanghai), the same day in both zones
    log(REP_EN, None, "Galaxy Tech", "meeting", U(2026, 11, 20, 15, 0))
    log(REP_EN, None, "Old Lead", "phone", U(2026, 11, 10, 15, 0))


def _weekly(db, *, team=BOSS, channel=SALES, locale="zh-CN", tz="Asia/Shanghai") -> int:
    with transaction(db) as s:
        return subscribe(session=s, channel_id=channel, cadence="weekly", team_of=team, at_time="09:00", tz=tz, locale=locale,
                         by=BOSS, now=U(2026, 11, 20)).id


def _tick(bolt, now):
    return tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=now)


def _texts(blocks: list[dict]) -> list[str]:
    return block_texts(blocks)


def _channel_posts(fake, channel=SALES) -> list[dict]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel and c.status == 200
            and c.response.get("ok")]


def _uploads_done(fake) -> list[dict]:
    return [c.params for c in fake.calls_to("files.completeUploadExternal") if c.response and c.response.get("ok")]


def _rows(db) -> list[tuple]:
    with transaction(db) as s:
        return [(r.kind, r.status) for r in s.exec(select(Outbox).where(Outbox.kind.like("digest%")).order_by(Outbox.id))]


def test_the_weekly_digest_goes_once_at_its_time_with_figures_per_rep_and_the_two_charts(bolt, fake, db):
    _people(db)
    _week_of_work(db)
    _weekly(db)
    assert _tick(bolt, MONDAY - timedelta(minutes=1)).digests_queued == 0
    report = _tick(bolt, MONDAY)
    assert (report.digests_queued, report.sent, report.messages) == (1, 2, 1)
    [post] = _channel_posts(fake)
    texts = _texts(post["blocks"])
    assert texts[0] == "📊 zhao 团队周报 · 2026年第47周（11月16日至22日）"
    assert texts[1] == "统计周期：2026年第47周（11月16日至22日）"
    assert texts[3].splitlines()[:4] == ["*工作量与跟进*", "• 新线索：*2*　上期 1 ▲", "• 记录互动：*3*（会议 1 · 电话 1 · 拜访 1）　上期 1 ▲",
                                         "• 超 24 小时补录：*33.3%*（1/3）　上期 0.0% ▲ ⚠️ 目标 ≤ 10%"]
    reps = next(x for x in texts if x.startswith("*各人明细*"))
    assert reps.splitlines()[1:] == [f"• <@{REP}>：记录互动 2 · 超 24 小时补录 1 ⚠️ 目标 ≤ 10% · 当前逾期 0 · 按时完成 0/0（逾期完成 0）",
                                     f"• <@{REP_EN}>：记录互动 1 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 0/0（逾期完成 0）"]
    assert not any("流失复盘" in x for x in texts)  # subscribed on 20 Nov: its first November digest has no October review
    assert post["metadata"]["event_payload"]["outbox"].isdigit()
    digest_id = int(post["metadata"]["event_payload"]["outbox"])
    names = [c.params["filename"] for c in fake.calls_to("files.getUploadURLExternal")]
    assert names == [f"crm-digest-{digest_id + 1}-funnel.png", f"crm-digest-{digest_id + 1}-trend.png"]
    assert len([c for c in fake.calls if c.method.startswith("upload:")]) == 2
    assert all(data[:8] == b"\x89PNG\r\n\x1a\n" for data in fake.uploads.values())
    [done] = _uploads_done(fake)
    assert done["channel_id"] == SALES and done["initial_comment"] == f"{texts[0]}：转化漏斗和每周趋势"
    assert [f["title"] for f in done["files"]] == ["转化漏斗", "最近 8 周趋势"]
    assert fake.methods().index("chat.postMessage") < fake.methods().index("files.getUploadURLExternal")
    for later in (MONDAY, MONDAY + timedelta(minutes=1), MONDAY + timedelta(days=1)):
        assert _tick(bolt, later).sent == 0
    assert len(_channel_posts(fake)) == 1 and len(_uploads_done(fake)) == 1
    assert _rows(db) == [("digest", "sent"), ("digest_chart", "sent")]


def test_an_english_digest_for_everyone_reads_english(bolt, fake, db):
    _people(db)
    _week_of_work(db)
    _weekly(db, team="", locale="en-US", tz="America/New_York")
    _tick(bolt, datetime(2026, 11, 23, 9, 0, tzinfo=NY))
    [post] = _channel_posts(fake)
    texts = _texts(post["blocks"])
    assert texts[0] == "📊 Everyone's weekly digest · Week 47, 2026 (Nov 16\u2009–\u200922)"
    assert texts[3].splitlines()[:4] == ["*Activity and follow-up*", "• New leads: *2* · prev. 1 ▲",
                                         "• Interactions logged: *3* (Meeting 1 · Phone 1 · Visit 1) · prev. 1 ▲",
                                         "• Logged over 24 h late: *33.3%* (1/3) · prev. 0.0% ▲ ⚠️ target ≤ 10%"]
    reps = next(x for x in texts if x.startswith("*Per rep*"))
    assert reps.splitlines()[1:] == [f"• <@{REP}>: logged 2 · over 24 h late 1 ⚠️ target ≤ 10% · overdue now 0 · done on time 0/0 (late 0)",
                                     f"• <@{REP_EN}>: logged 1 · over 24 h late 0 · overdue now 0 · done on time 0/0 (late 0)"]
    [done] = _uploads_done(fake)
    assert [f["title"] for f in done["files"]] == ["Conversion funnel", "Last 8 weeks"]


def test_two_ticks_at_once_post_one_digest_and_one_upload(bolt, fake, db):
    _people(db)
    _weekly(db)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        barrier.wait()
        try:
            _tick(bolt, MONDAY)
        except Exception as e:  # surfaced below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert errors == []
    _tick(bolt, MONDAY + timedelta(minutes=1))
    assert len(_channel_posts(fake)) == 1 and len(_uploads_done(fake)) == 1
    assert _rows(db) == [("digest", "sent"), ("digest_chart", "sent")]


def test_a_500_then_a_429_from_chat_post_message_retry_and_end_with_one_message_and_one_upload(bolt, fake, db):
    _people(db)
    _weekly(db)
    fake.fail_next("chat.postMessage", status=500)
    report = _tick(bolt, MONDAY)
    assert (report.retried, report.deferred, report.sent) == (1, 1, 0)
    assert fake.calls_to("files.getUploadURLExternal") == []
    fake.fail_next("chat.postMessage", retry_after=120)
    report = _tick(bolt, MONDAY + timedelta(seconds=30))  # the first back-off is 30 s
    assert (report.retried, report.deferred, report.sent) == (1, 1, 0)
    assert _tick(bolt, MONDAY + timedelta(seconds=149)).sent == 0  # Retry-After: 120 s
    assert _tick(bolt, MONDAY + timedelta(seconds=150)).sent == 2
    assert len(fake.calls_to("chat.postMessage")) == 3
    assert len(_channel_posts(fake)) == 1 and len(_uploads_done(fake)) == 1


def test_a_failed_upload_is_retried_and_the_message_is_not_posted_again(bolt, fake, db):
    _people(db)
    _weekly(db)
    fake.fail_next("files.getUploadURLExternal", status=500)
    report = _tick(bolt, MONDAY)
    assert (report.sent, report.retried) == (1, 1)
    fake.fail_next("upload:*", status=503)
    assert _tick(bolt, MONDAY + timedelta(seconds=30)).retried == 1
    assert _tick(bolt, MONDAY + timedelta(seconds=89)).sent == 0  # second back-off: 60 s
    assert _tick(bolt, MONDAY + timedelta(seconds=90)).sent == 1
    assert len(fake.calls_to("files.getUploadURLExternal")) == 1 + 2 + 2
    assert len(_channel_posts(fake)) == 1 and len(_uploads_done(fake)) == 1
    assert _rows(db) == [("digest", "sent"), ("digest_chart", "sent")]


def test_an_upload_whose_process_died_before_recording_it_is_found_in_the_channel(bolt, fake, db):
    _people(db)
    _weekly(db)
    _tick(bolt, MONDAY)
    with transaction(db) as s:  # as if the process died after Slack took the files, before marking the row
        s.execute(update(Outbox).where(Outbox.kind == "digest_chart")
                  .values(status="sending", lease_until=MONDAY - timedelta(seconds=1), posting_at=MONDAY, sent_at=None))
    report = _tick(bolt, MONDAY + timedelta(minutes=5))
    assert report.sent == 1
    assert len(_uploads_done(fake)) == 1 and len(fake.calls_to("files.getUploadURLExternal")) == 2
    assert _rows(db) == [("digest", "sent"), ("digest_chart", "sent")]


def test_a_digest_unsubscribed_after_it_was_queued_is_dropped_with_its_charts(bolt, fake, db):
    _people(db)
    _weekly(db)
    with transaction(db) as s:
        assert queue_due(session=s, now=MONDAY) == 1
    with transaction(db) as s:
        unsubscribe(session=s, channel_id=SALES)
    report = _tick(bolt, MONDAY)
    assert (report.sent, report.skipped) == (0, 2)
    assert _channel_posts(fake) == [] and fake.calls_to("files.getUploadURLExternal") == []
    assert _rows(db) == [("digest", "skipped"), ("digest_chart", "skipped")]


# -- the monthly churn review ---------------------------------------------------------------------

ADMIN_VIEWER = Viewer(id=ADMIN, role="admin")


def _churned(db, name: str, owner: str, at: datetime, **kw) -> tuple[str, int | None]:
    with transaction(db) as s:
        customer = create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=at - timedelta(days=200))
        customer.stage, customer.status = "mature", "stable"  # a customer of long standing
        s.add(customer)
        code = customer.code
    with transaction(db) as s:
        done = mark_churned(session=s, viewer=ADMIN_VIEWER, customer_id=customer.id, now=at, **kw)
        return code, done.plan.id if done.plan else None


def _close(db, plan_id: int, outcome: str, at: datetime) -> None:
    with transaction(db) as s:
        close_plan(session=s, viewer=ADMIN_VIEWER, plan_id=plan_id, outcome=outcome, now=at)


def _november_churn(db) -> dict[str, str]:
    """In November (Shanghai) for zhao's team: 2 for service quality (1 recoverable), 1 for price
    (recoverable); 2 plans closed, 1 won back; 2 lessons. October and bob's customers don't count."""
    plan = lambda at: PlanRequest(actions={"price"}, deadline=at + timedelta(days=10))  # noqa: E731
    codes = {}
    codes["a"], plan_a = _churned(db, "星河科技", REP, U(2026, 11, 3, 2), reason="service_quality", recoverable=True,
                                  lessons="响应太慢，\n工程师两周没上门", plan=plan(U(2026, 11, 3, 2)))
    codes["b"], _ = _churned(db, "蓝海贸易", REP_EN, U(2026, 11, 10, 2), reason="service_quality", recoverable=False,
                             lessons="")
    codes["c"], plan_c = _churned(db, "Acme <Ltd>", REP_EN, U(2026, 11, 20, 2), reason="price", recoverable=True,
                                  lessons="Competitor was 20% cheaper & faster", plan=plan(U(2026, 11, 20, 2)))
    _close(db, plan_a, "won_back", U(2026, 11, 12, 2))
    _close(db, plan_c, "win_back_failed", U(2026, 11, 25, 2))
    codes["october"], _ = _churned(db, "十月客户", REP, U(2026, 10, 15, 2), reason="price", recoverable=False,
                                   lessons="十月的")
    codes["other"], _ = _churned(db, "Other Team", BOSS_EN, U(2026, 11, 5, 2), reason="relationship", recoverable=False,
                                 lessons="not ours")
    return codes


def test_the_monthly_digest_carries_last_months_churn_review(bolt, fake, db):
    _people(db)
    codes = _november_churn(db)
    with transaction(db) as s:
        subscribe(session=s, channel_id=SALES, cadence="monthly", team_of=BOSS, at_time="09:00", tz="Asia/Shanghai",
                  locale="zh-CN", by=BOSS, now=U(2026, 11, 26))
    _tick(bolt, datetime(2026, 12, 1, 9, 0, tzinfo=SH))
    [post] = _channel_posts(fake)
    assert len(post["blocks"]) <= 50
    texts = _texts(post["blocks"])
    assert texts[0] == "📊 zhao 团队月报 · 2026年11月"
    assert post["blocks"][-3]["type"] == "divider"
    assert texts[-2:] == [
        "*🔁 流失复盘 · 2026年11月*\n流失客户 3 个：服务质量 2，价格 1\n其中可挽回 2 个\n"
        "挽回率 50.0%（当月结束的挽回方案 2 个，成功挽回 1 个）",
        f"*经验教训*\n• 星河科技（{codes['a']}）· 服务质量：响应太慢， 工程师两周没上门\n"
        f"• Acme &lt;Ltd&gt;（{codes['c']}）· 价格：Competitor was 20% cheaper &amp; faster",
    ]


def test_a_daily_digest_has_the_review_in_its_first_digest_of_each_month(bolt, fake, db):
    _people(db)
    codes = _november_churn(db)
    with transaction(db) as s:
        subscribe(session=s, channel_id=SALES, cadence="daily", team_of="", at_time="09:00", tz="Asia/Shanghai",
                  locale="en-US", by=ADMIN, now=U(2026, 10, 20))
    for day in (29, 30, 31, 32):  # 29 and 30 Nov, 1 and 2 Dec: the bot starts on 29 Nov
        _tick(bolt, datetime(2026, 11, 1, 9, 0, tzinfo=SH) + timedelta(days=day - 1))
    posts = _channel_posts(fake)
    assert [_texts(p["blocks"])[0] for p in posts] == ["📊 Everyone's daily digest · Sat, Nov 28, 2026",
                                                       "📊 Everyone's daily digest · Sun, Nov 29, 2026",
                                                       "📊 Everyone's daily digest · Mon, Nov 30, 2026",
                                                       "📊 Everyone's daily digest · Tue, Dec 1, 2026"]
    reviews = [[x for x in _texts(p["blocks"]) if "Churn review" in x or "What we learned" in x] for p in posts]
    assert reviews == [
        ["*🔁 Churn review · October 2026*\nCustomers churned: 1 — Price 1\nRecoverable among them: 0\n"
         "Recovery rate: no win-back plan closed in the month",
         f"*What we learned*\n• 十月客户 ({codes['october']}) · Price: 十月的"],
        [],
        ["*🔁 Churn review · November 2026*\nCustomers churned: 4 — Service quality 2, Price 1, Relationship 1\n"
         "Recoverable among them: 2\nRecovery rate 50.0% (1 of 2 win-back plans closed in the month won the customer back)",
         f"*What we learned*\n• 星河科技 ({codes['a']}) · Service quality: 响应太慢， 工程师两周没上门\n"
         f"• Other Team ({codes['other']}) · Relationship: not ours\n"
         f"• Acme &lt;Ltd&gt; ({codes['c']}) · Price: Competitor was 20% cheaper &amp; faster"],
        [],
    ]


# -- a digest that reads at a glance --------------------------------------------------------------

def _choose(bolt, fake, *, user: str, option: dict) -> dict:
    """`user` picks `option` in the select of a digest posted in SALES: the card comes back as an ephemeral reply."""
    body = payload("block_actions")
    body["user"]["id"] = user
    body["actions"] = [{"action_id": ids.CARD_PICKER, "block_id": "digest", "type": "static_select",
                        "selected_option": option, "action_ts": "1700000100.000200"}]
    body["container"].update(channel_id=SALES)
    body["channel"]["id"] = SALES
    body["response_url"] = fake.response_url("pick")
    body["trigger_id"] = f"trigger.{pytime.time_ns()}"
    n = len(fake.calls_to("response_url:pick"))
    status, answer, _ = bolt.interact(body)
    assert (status, answer) == (200, b"")
    return fake.wait_for("response_url:pick", count=n + 1)[n].params


def _lists(blocks: list[dict]) -> dict[str, list[dict]]:
    """{a list's heading: the options of the card select beside it}."""
    return {b["text"]["text"].splitlines()[0]: b["accessory"]["options"] for b in blocks
            if b["type"] == "section" and b.get("accessory", {}).get("action_id") == ids.CARD_PICKER}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_digest_leads_with_what_moved_and_each_listed_customer_opens_its_card(bolt, fake, db, remember, locale):
    with transaction(db) as s:
        week_data(s, date(2026, 11, 16))
    _weekly(db, team=M1, locale=locale)
    remember(M1, "Asia/Shanghai", "zh-CN")
    remember(A2, "America/New_York", "en-US")
    assert _tick(bolt, MONDAY).digests_queued == 1  # the tick also sends the week's alerts (the SLA breach...)
    [post] = _channel_posts(fake)
    assert not check_blocks(post["blocks"], surface="message")
    texts = _texts(post["blocks"])
    zh = locale == "zh-CN"
    assert texts[2].splitlines() == (
        ["*本期要点*", "• 跟进按时完成率：*50.0%*（1/2） ⚠️ 目标 ≥ 90%", "• NPS：*-100.0*（1 份回复） ⚠️ 目标 ≥ 80",
         "• 赢单：*¥120,000.00（1 单）*　上期 0 ▲"] if zh else
        ["*At a glance*", "• Follow-up completion: *50.0%* (1/2) ⚠️ target ≥ 90%",
         "• NPS: *-100.0* (responses: 1) ⚠️ target ≥ 80", "• Deals won: *CN¥120,000.00 (1)* · prev. 0 ▲"])
    assert not any(x.startswith(("*转化漏斗*", "*Funnel*")) for x in texts)  # nothing known in the funnel either week
    # (the tick's health pass rescored the three customers before the digest: all three are at risk)
    assert "—" not in "\n".join(texts)
    lists = _lists(post["blocks"])
    names = {head: [o["text"]["text"] for o in options] for head, options in lists.items()}
    assert names == ({"*超出跟进周期未联系的客户*（1）": ["星河科技 (C000001)"], "*商机变动*（1）": ["星河科技 (C000001)"],
                      "*SLA 超时工单*（1）": ["云帆<物流> (C000002)"], "*贬损者（NPS 0-6 分）*（1）": ["蓝海 (C000003)"],
                      "*风险客户*（3）": ["蓝海 (C000003)", "星河科技 (C000001)", "云帆<物流> (C000002)"]} if zh else
                     {"*Customers with no interaction beyond their cadence* (1)": ["星河科技 (C000001)"],
                      "*Deals that moved* (1)": ["星河科技 (C000001)"], "*SLA breaches* (1)": ["云帆<物流> (C000002)"],
                      "*Detractors (NPS 0-6)* (1)": ["蓝海 (C000003)"],
                      "*Customers at risk* (3)": ["蓝海 (C000003)", "星河科技 (C000001)", "云帆<物流> (C000002)"]})
    # every customer of every list opens its card, for the manager in Chinese and for alice in English
    with transaction(db) as s:
        cards = {c.id: (c.code, c.stage, c.status) for c in s.exec(select(Customer))}
    for options in lists.values():
        for option in options:
            answer = _choose(bolt, fake, user=M1, option=option)
            code = cards[int(option["value"])][0]
            assert answer["response_type"] == "ephemeral" and answer["text"].startswith("客户 ")
            assert f"（{code}）：" in answer["text"]
            assert any(b["type"] == "actions" and b["block_id"] == ids.CARD_ACTIONS_BLOCK for b in answer["blocks"])
    breach = lists["*SLA 超时工单*（1）" if zh else "*SLA breaches* (1)"][0]
    assert _choose(bolt, fake, user=A2, option=breach)["text"] == "Customer 云帆&lt;物流&gt; (C000002): Mature · Stable"


def test_a_quiet_weeks_digest_says_so_in_one_line_instead_of_empty_lists(bolt, fake, db):
    _people(db)
    _weekly(db)
    _weekly(db, channel=OTHER, team="", locale="en-US", tz="America/New_York")
    _tick(bolt, MONDAY)
    _tick(bolt, datetime(2026, 11, 23, 9, 0, tzinfo=NY))
    [zh] = _channel_posts(fake)
    [en] = _channel_posts(fake, OTHER)
    assert _texts(zh["blocks"])[2:] == [
        "*本期要点*\n各项指标与上期持平，没有未达标的指标。",
        "*工作量与跟进*\n• 新线索：*0*　上期 0 =\n• 记录互动：*0*　上期 0 =\n• 到期待办：*0*　上期 0 =\n• 当前逾期待办：*0*",
        "*成交与客户*\n• 赢单：*0*　上期 0 =",
        "上期：2026年第46周（11月9日至15日）",
        f"*各人明细*（记录互动 · 超 24 小时补录 · 当前逾期 · 按时完成/到期）\n"
        f"• <@{REP}>：记录互动 0 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 0/0（逾期完成 0）\n"
        f"• <@{REP_EN}>：记录互动 0 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 0/0（逾期完成 0）",  # a team names each of its reps
        "没有超出跟进周期未联系的客户，没有商机变动，没有 SLA 超时工单，没有贬损者，没有风险客户。"]
    assert _texts(en["blocks"])[2] == "*At a glance*\nEvery figure is as it was in the previous period; no target missed."
    assert _texts(en["blocks"])[-1] == ("No customer beyond their cadence, no deal moved, no SLA breaches, no detractors, "
                                        "no customer at risk.")
    assert not any("accessory" in b for b in zh["blocks"] + en["blocks"])
