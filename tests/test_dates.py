"""handlers.dates: Chinese and English due times, read against fixed clocks.

Every case names its `now` and expects one exact local wall-clock time in the zone asked for.
"""
from __future__ import annotations

import ast
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers import ids
from handlers.dates import extract_reading, extract_when, parse_when, read_when, warm
from store.db import transaction
from store.models import NextAction
from tests.conftest import REP, REP_EN
from tests.flows import button, view_submission
from tests.test_reminders import _action, _dm, _tick

SH = "Asia/Shanghai"
NY = "America/New_York"
UTC = timezone.utc

# Sunday 2026-11-22 10:00 in Shanghai.
SUN = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
# Tuesday 2026-11-24 09:30 in Shanghai.
TUE = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
# Tuesday 2026-11-24 21:00 in Shanghai (an evening).
EVE = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
# Monday 2026-11-30 10:00 in Shanghai: the last day of the month.
LAST = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
# 2026-11-23 01:00 UTC: still Sunday 20:00 in New York, already Monday 09:00 in Shanghai.
NY_SUN_EVENING = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
# Saturday 2027-03-13 10:00 EST; clocks in New York jump 02:00 -> 03:00 on Sunday 2027-03-14.
NY_BEFORE_DST = datetime(2027, 3, 13, 15, 0, tzinfo=UTC)
# Sunday 2027-03-14 01:30 EST, half an hour before the jump.
NY_DST_NIGHT = datetime(2027, 3, 14, 6, 30, tzinfo=UTC)
# Saturday 2027-11-06 10:00 EDT; clocks fall back 02:00 -> 01:00 on Sunday 2027-11-07.
NY_BEFORE_FALL = datetime(2027, 11, 6, 14, 0, tzinfo=UTC)


def local(dt: datetime | None):
    """(wall clock, zone key) of a result, so a test compares both; None stays None."""
    if dt is None:
        return None
    return dt.replace(tzinfo=None), getattr(dt.tzinfo, "key", None)


def at(y, mo, d, h=9, mi=0):
    return datetime(y, mo, d, h, mi)


# ---------------------------------------------------------------------------------------------
# parse_when: the corpus (tests/date_corpus/*.tsv, gated by tests/test_date_corpus.py) holds the
# everyday cases, including those that used to be listed here.  Below: offsets, zones, garbage.
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,now,expected,offset_hours", [
    ("tomorrow 9am", NY_BEFORE_DST, at(2027, 3, 14, 9), -4),
    ("明天上午9点", NY_BEFORE_DST, at(2027, 3, 14, 9), -4),
    ("tonight", NY_BEFORE_DST, at(2027, 3, 13, 20), -5),
    ("in 3 days", NY_BEFORE_DST, at(2027, 3, 16, 9), -4),
    # 02:30 does not exist that night: moved forward by the gap
    ("tomorrow 2:30am", NY_BEFORE_DST, at(2027, 3, 14, 3, 30), -4),
    ("明天凌晨2点半", NY_BEFORE_DST, at(2027, 3, 14, 3, 30), -4),
    # 24 hours of real time are 23 hours on the wall clock that day
    ("in 24 hours", NY_BEFORE_DST, at(2027, 3, 14, 11), -4),
    ("in 2 hours", NY_DST_NIGHT, at(2027, 3, 14, 4, 30), -4),
    ("两小时后", NY_DST_NIGHT, at(2027, 3, 14, 4, 30), -4),
    ("9am", NY_DST_NIGHT, at(2027, 3, 14, 9), -4),
    # 01:30 happens twice on 2027-11-07: the first (EDT) one
    ("tomorrow 1:30am", NY_BEFORE_FALL, at(2027, 11, 7, 1, 30), -4),
    ("tomorrow 9am", NY_BEFORE_FALL, at(2027, 11, 7, 9), -5),
])
def test_daylight_saving_in_new_york(text, now, expected, offset_hours):
    got = parse_when(text, now=now, tz=NY)
    assert local(got) == (expected, NY)
    assert got.utcoffset() == timedelta(hours=offset_hours)


def test_now_in_any_zone_gives_the_same_answer():
    now_sh = SUN.astimezone(ZoneInfo(SH))
    now_la = SUN.astimezone(ZoneInfo("America/Los_Angeles"))
    expected = (at(2026, 11, 23, 15), SH)
    assert local(parse_when("明天下午3点", now=now_sh, tz=SH)) == expected
    assert local(parse_when("明天下午3点", now=now_la, tz=SH)) == expected


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../../etc/passwd", "not a zone"])
def test_an_unknown_zone_means_utc(tz):
    got = parse_when("明天下午3点", now=SUN, tz=tz)
    assert local(got) == (at(2026, 11, 23, 15), "UTC")
    assert got.utcoffset() == timedelta(0)


def test_results_are_zoneinfo_aware_at_minute_precision():
    now = datetime(2026, 11, 22, 2, 0, 45, 123456, tzinfo=UTC)
    got = parse_when("in 30 minutes", now=now, tz=SH)
    assert isinstance(got.tzinfo, ZoneInfo)
    assert (got.second, got.microsecond) == (0, 0)
    assert local(got) == (at(2026, 11, 22, 10, 30), SH)


# ---------------------------------------------------------------------------------------------
# Garbage
# ---------------------------------------------------------------------------------------------

GARBAGE = [
    "", "   ", "asdf", "🙂", "🙂🙂🙂", "下一步", "发送报价", "<script>", "<script>alert(1)</script>",
    "2026-13-45", "2026-02-30", "2/30", "13/40", "32号", "13月5日", "2月30日", "25点", "上午15点",
    "5:61", "24:00", "5", "32", "12", "2027", "may", "in may", "at", "next", "1st",
    "friday the 5th", "本月", "这个月", "this week", "明天凌晨", "🙂明天", "<b>明天</b>",
    "明天下午3点发送报价", "call at 3", "null", "None", "\x00", "\u200b", "明天" + " " * 199 + "下午",
    "x" * 201, "明天" * 101,
]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_none(text):
    assert parse_when(text, now=SUN, tz=SH) is None


@pytest.mark.parametrize("text", [None, 5, b"\xe6\x98\x8e\xe5\xa4\xa9", ["明天"]])
def test_non_strings_are_none(text):
    assert parse_when(text, now=SUN, tz=SH) is None
    assert extract_when(text, now=SUN, tz=SH) == (None, "")


# ---------------------------------------------------------------------------------------------
# extract_when
# ---------------------------------------------------------------------------------------------

EXTRACT = [
    ("明天下午3点 发送报价", at(2026, 11, 23, 15), "发送报价"),
    ("明天下午3点发送报价", at(2026, 11, 23, 15), "发送报价"),
    ("明天下午3点，发送报价", at(2026, 11, 23, 15), "发送报价"),
    ("friday 2pm send quote", at(2026, 11, 27, 14), "send quote"),
    ("Friday 2pm: Send Quote", at(2026, 11, 27, 14), "Send Quote"),
    ("send quote on friday", at(2026, 11, 27), "send quote"),
    ("send quote by friday 3pm", at(2026, 11, 27, 15), "send quote"),
    ("Send Quote before Dec 5", at(2026, 12, 5), "Send Quote"),
    ("send quote, tomorrow at 3", at(2026, 11, 23, 15), "send quote"),
    ("发送报价 周五", at(2026, 11, 27), "发送报价"),
    ("发送报价在周五", at(2026, 11, 27), "发送报价"),
    ("发送报价，于下周二下午3点", at(2026, 11, 24, 15), "发送报价"),
    ("发送报价，周五前", at(2026, 11, 27), "发送报价"),
    ("周五前发送报价", at(2026, 11, 27), "发送报价"),
    ("下周二：跟进合同", at(2026, 11, 24), "跟进合同"),
    ("三天后，回访客户", at(2026, 11, 25), "回访客户"),
    ("回访客户 三天后", at(2026, 11, 25), "回访客户"),
    ("3点一起开会", at(2026, 11, 22, 15), "一起开会"),     # 一 is not a minute here
    ("12月5日 提交标书", at(2026, 12, 5), "提交标书"),
    ("in 3 days at 2pm call John", at(2026, 11, 25, 14), "call John"),
    ("2026-12-05 review contract", at(2026, 12, 5), "review contract"),
    ("call Sun Li tomorrow", at(2026, 11, 23), "call Sun Li"),
    ("讨论关于 周五", at(2026, 11, 27), "讨论关于"),          # 关于 keeps its 于
    ("ping them the day after tomorrow", at(2026, 11, 24), "ping them"),
    ("ping them in a fortnight", at(2026, 12, 6), "ping them"),
    ("follow up next week", at(2026, 11, 23), "follow up"),
    ("跟进 in 2 hours", at(2026, 11, 22, 12), "跟进"),
    ("明天", at(2026, 11, 23), ""),
    ("明天下午3点 发送报价 下周二", at(2026, 11, 23, 15), "发送报价 下周二"),  # the start wins
    ("8 tonight call John", at(2026, 11, 22, 20), "call John"),
    ("call John 9 tomorrow morning", at(2026, 11, 23, 9), "call John"),
    ("half past 3 follow up", at(2026, 11, 22, 15, 30), "follow up"),
    ("review contract quarter to 5", at(2026, 11, 22, 16, 45), "review contract"),
    ("follow up on the 15th", at(2026, 12, 15), "follow up"),
    ("ping sat 10am", at(2026, 11, 28, 10), "ping"),
    ("聽日晏晝三點半 跟進報價", at(2026, 11, 23, 15, 30), "跟進報價"),
    ("跟进 节后", at(2027, 1, 4), "跟进"),      # the next holiday: New Year's Day, Fri 1 Jan 2027
]


@pytest.mark.parametrize("text,expected,rest", EXTRACT)
def test_extract_when(text, expected, rest):
    got, remainder = extract_when(text, now=SUN, tz=SH)
    assert (local(got), remainder) == ((expected, SH), rest)


@pytest.mark.parametrize("text,rest", [
    ("send quote", "send quote"),
    ("send quote yesterday", "send quote yesterday"),   # a past time is not a due time: left in
    ("see you sat", "see you sat"),                     # sat / sun / wed: weekdays only alone
    ("call him wed", "call him wed"),
    ("  发送报价  ", "发送报价"),
    ("发送报价。", "发送报价"),
    ("Sun Li follow-up", "Sun Li follow-up"),
    ("Fridays are busy", "Fridays are busy"),
    ("monitor the deal", "monitor the deal"),
    ("may call back", "may call back"),
    ("todo: call", "todo: call"),
    ("下一步", "下一步"),
    ("", ""),
    ("🙂", "🙂"),
])
def test_extract_when_without_a_time(text, rest):
    assert extract_when(text, now=SUN, tz=SH) == (None, rest)


# The table: English that used to come back confidently wrong.  Tue 2026-11-24 04:30 in New York.
NY_TUE_EARLY = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("text,expected", [
    ("8 tonight", at(2026, 11, 24, 20)),
    ("eight tonight", at(2026, 11, 24, 20)),
    ("8 this evening", at(2026, 11, 24, 20)),
    ("9 tomorrow morning", at(2026, 11, 25, 9)),
    ("at 5 tomorrow afternoon", at(2026, 11, 25, 17)),
    ("3 years from today", at(2029, 11, 24, 9)),
    ("in the evening at eight", at(2026, 11, 24, 20)),
    ("3 in the AM", at(2026, 11, 25, 3)),
    ("15 minutes from 1pm", at(2026, 11, 24, 13, 15)),
    ("这周一", None),                     # yesterday: refused, never a past due time
    ("3 weeks ago", None),
    ("last friday", None),
])
def test_no_confident_misparse(text, expected):
    assert local(parse_when(text, now=NY_TUE_EARLY, tz=NY)) == (expected and (expected, NY))


@pytest.mark.parametrize("text", ["in the evening at eight blah", "12 august blah 18:00", "5 things at 3pm"])
def test_words_left_over_mean_none(text):
    assert parse_when(text, now=NY_TUE_EARLY, tz=NY) is None


def test_dateparser_must_account_for_every_number_and_word():
    from handlers.dates.common import make_ctx
    from handlers.dates.fallback import accounts_for

    ctx = make_ctx(NY_TUE_EARLY, NY)
    assert accounts_for("in the evening at eight", datetime(2026, 8, 12, 18), ctx) is False  # "8" -> August
    assert accounts_for("15 minutes from 1pm", datetime(2026, 11, 24, 13), ctx) is False     # 15 dropped
    assert accounts_for("in 3 years", datetime(2029, 11, 24, 9), ctx) is True                # the span is 3
    assert accounts_for("3 years from today", datetime(2023, 11, 24, 9), ctx) is False       # not today
    assert accounts_for("friday 3pm", datetime(2026, 11, 26, 15), ctx) is False              # a Thursday
    assert accounts_for("friday 3pm", datetime(2026, 11, 27, 15), ctx) is True
    assert accounts_for("tomorrow morning", datetime(2026, 11, 25, 20), ctx) is False        # not a morning


def test_extract_when_in_new_york():
    got, rest = extract_when("call back tomorrow 9am", now=NY_BEFORE_DST, tz=NY)
    assert (local(got), rest) == ((at(2027, 3, 14, 9), NY), "call back")
    assert got.utcoffset() == timedelta(hours=-4)


# ---------------------------------------------------------------------------------------------
# Never raises; fast; self-contained
# ---------------------------------------------------------------------------------------------

_JUNK_PIECES = [
    "🙂", "🔥", "👍🏽", "\u200b", "\x00", "\ufeff", "\ud800", "<script>", "</b>", "<@U0REP00001>",
    "*bold*", "`code`", "```", "&amp;", "%s", "{}", "\\", "'", '"', "明天", "下午", "3点", "点", "号",
    "月", "周", "下周二", "12", "99", "2026", "-", "/", ":", "：", "，", "in", "at", "on", "next", "pm",
    "friday", "may", "dec", "\n", "\t", " ", "\u3000", "十", "两", "半", "后", "ａ", "Ⅻ", "㍻", "İ", "ß",
]


def _junk(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return "".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 300)))
    return "".join(rng.choice(_JUNK_PIECES) for _ in range(rng.randint(1, 80)))


def test_random_junk_never_raises():
    rng = random.Random(20261122)
    zones = [SH, NY, "UTC", "Nowhere/Land"]
    for _ in range(400):
        text = _junk(rng)
        tz = rng.choice(zones)
        got = parse_when(text, now=SUN, tz=tz)
        assert got is None or (got.tzinfo is not None and got.second == 0), (text, got)
        when, rest = extract_when(text, now=SUN, tz=tz)
        assert isinstance(rest, str) and len(rest) <= len(text), (text, rest)
        assert when is None or when.tzinfo is not None, (text, when)


def test_long_text_is_cheap_and_handled():
    text = "跟进客户" * 600 + " 明天下午3点"
    got, rest = extract_when(text, now=SUN, tz=SH)
    assert (got, rest) == (None, text.strip())          # over 2000 characters: left alone
    text = "跟进客户" * 100 + " 明天下午3点"
    got, rest = extract_when(text, now=SUN, tz=SH)
    assert (local(got), rest) == ((at(2026, 11, 23, 15), SH), "跟进客户" * 100)


def test_warm_loads_dateparser_up_front():
    """Its speed is measured by tests/bench_ack.py; here only that warm() does the loading."""
    import sys

    assert warm() is None
    assert "dateparser" in sys.modules
    assert local(parse_when("friday 2pm", now=SUN, tz=SH)) == (at(2026, 11, 27, 14), SH)


def test_the_module_imports_nothing_from_slack_or_the_project():
    package = Path(__file__).resolve().parents[1].joinpath("handlers", "dates")
    files = sorted(package.rglob("*.py"))
    assert package.joinpath("__init__.py") in files
    imported = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                # "." is a module of this package (checked here too); ".." and beyond is the project
                imported.add((node.module or "").split(".")[0] if node.level == 0 else "." * node.level)
    assert imported <= {"__future__", "calendar", "importlib", "pathlib", "sys", "re", "unicodedata", "dataclasses", "datetime",
                        "functools", "typing", "zoneinfo", "dateparser", "holidays", "."}, imported


# ---------------------------------------------------------------------------------------------
# Through the real Bolt app: the reschedule form refuses a past time and reads the new English
# ---------------------------------------------------------------------------------------------

def _reschedule_form(bolt, fake, db, owner, title, customer):
    """Announce a due action to `owner`, click "Reschedule…", and return a submit(text) for its form."""
    action = _action(db, owner=owner, title=title, customer=customer)
    _tick(bolt, action.due_at)
    sent = _dm(fake)
    bolt.interact(button(user=owner, action_id=ids.DUE_RESCHEDULE, value=str(action.id),
                         channel=sent.response["channel"], ts=sent.response["ts"], message=sent.params))
    meta = json.loads(fake.wait_for("views.open")[0].params["view"]["private_metadata"])

    def submit(text):
        values = {ids.RESCHEDULE_BLOCK: {ids.RESCHEDULE_WHEN: {"type": "plain_text_input", "value": text}}}
        _, body, _ = bolt.interact(view_submission(user=owner, callback_id=ids.RESCHEDULE_VIEW, values=values,
                                                   private_metadata=meta))
        return json.loads(body)["errors"][ids.RESCHEDULE_BLOCK] if body else None
    return action, submit


def test_the_reschedule_form_refuses_a_past_time_in_chinese(bolt, fake, db):
    _, submit = _reschedule_form(bolt, fake, db, REP, "发送报价", "星河科技")
    for past in ("上周五", "昨天", "三天前"):
        assert submit(past).startswith("没看懂这个时间"), past


def test_the_reschedule_form_reads_new_english_and_refuses_the_past(bolt, fake, db):
    action, submit = _reschedule_form(bolt, fake, db, REP_EN, "send quote", "Galaxy Tech")
    for past in ("last friday", "3 weeks ago", "yesterday"):
        assert submit(past).startswith("I could not read that time"), past
    assert submit("9 tomorrow morning") is None
    ny = ZoneInfo(NY)
    expected = datetime.combine(datetime.now(ny).date() + timedelta(days=1), datetime.min.time(), ny).replace(hour=9)
    with transaction(db) as s:
        assert s.get(NextAction, action.id).due_at == expected


# -- read_when / extract_reading: the other readings and the zone named -----------------------------

# Monday 2026-11-23 10:00 in Shanghai.
MON = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, now, tz, locale, at, others", [
    # 下周三 said on a Sunday: next calendar week's (Monday weeks), or the one after (Sunday weeks).
    ("下周三", SUN, SH, "zh-CN", "2026-11-25 09:00", ["2026-12-02 09:00"]),
    ("下星期三下午3点", SUN, SH, "zh-CN", "2026-11-25 15:00", ["2026-12-02 15:00"]),
    ("next wednesday", SUN, SH, "en-US", "2026-11-25 09:00", ["2026-12-02 09:00"]),
    ("下周", SUN, SH, "zh-CN", "2026-11-23 09:00", ["2026-11-30 09:00"]),
    # on a Tuesday, 下周三 has one reading; "next Wednesday" may be tomorrow.
    ("下周三", TUE, SH, "zh-CN", "2026-12-02 09:00", []),
    ("next wednesday", TUE, SH, "en-US", "2026-12-02 09:00", ["2026-11-25 09:00"]),
    ("next friday", MON, SH, "en-GB", "2026-12-04 09:00", ["2026-11-27 09:00"]),
    ("wednesday next week", TUE, SH, "en-US", "2026-12-02 09:00", []),
    # 下周日 said on a Tuesday: the Sunday ending next week, or the one starting it.
    ("下周日", TUE, SH, "zh-CN", "2026-12-06 09:00", ["2026-11-29 09:00"]),
    # numeric dates: the locale orders them, or both readings are offered.
    ("2/3", TUE, SH, None, "2027-02-03 09:00", ["2027-03-02 09:00"]),
    ("2/3", TUE, SH, "en", "2027-02-03 09:00", ["2027-03-02 09:00"]),
    ("2/3", TUE, SH, "en-US", "2027-02-03 09:00", []),
    ("2/3", TUE, SH, "zh-CN", "2027-02-03 09:00", []),
    ("2/3", TUE, SH, "en-GB", "2027-03-02 09:00", []),
    ("15/2", TUE, SH, None, "2027-02-15 09:00", []),
    ("明天下午3点", TUE, SH, "zh-CN", "2026-11-25 15:00", []),
])
def test_read_when_offers_the_other_reading(text, now, tz, locale, at, others):
    when = read_when(text, now=now, tz=tz, locale=locale)
    fmt = "%Y-%m-%d %H:%M"
    assert (when.at.strftime(fmt), [d.strftime(fmt) for d in when.others]) == (at, others)
    assert parse_when(text, now=now, tz=tz, locale=locale) == when.at


@pytest.mark.parametrize("text, tz, at, there, label", [
    ("9am PST", SH, "2026-11-25 01:00", "2026-11-24 09:00", "PST"),
    ("4pm CET", "Europe/London", "2026-11-24 15:00", "2026-11-24 16:00", "CET"),
    ("10:00 GMT+8", NY, "2026-11-23 21:00", "2026-11-24 10:00", "GMT+8"),
    ("下午3点 北京时间", NY, "2026-11-24 02:00", "2026-11-24 15:00", "北京时间"),
    ("北京时间明天10点", NY, "2026-11-24 21:00", "2026-11-25 10:00", "北京时间"),
])
def test_read_when_keeps_the_zone_the_text_named(text, tz, at, there, label):
    when = read_when(text, now=TUE, tz=tz)
    fmt = "%Y-%m-%d %H:%M"
    assert (when.at.strftime(fmt), when.there.strftime(fmt), when.label) == (at, there, label)
    assert str(when.at.tzinfo) == tz


@pytest.mark.parametrize("text, tz, at, rest", [
    ("call Acme 9am PST tomorrow", SH, "2026-11-25 01:00", "call Acme"),  # tomorrow in PST (Mon 17:30 there)
    ("send quote 4pm CET", "Europe/London", "2026-11-24 15:00", "send quote"),
    ("北京时间明天10点 开会", NY, "2026-11-24 21:00", "开会"),
    ("下午3点 北京时间 发报价", NY, "2026-11-24 02:00", "发报价"),
])
def test_extract_when_reads_zones(text, tz, at, rest):
    when, left = extract_reading(text, now=TUE, tz=tz)
    assert (when.at.strftime("%Y-%m-%d %H:%M"), left) == (at, rest)
    assert extract_when(text, now=TUE, tz=tz) == (when.at, rest)


def test_extract_reading_offers_the_other_reading_only_for_the_same_words():
    when, rest = extract_reading("下周三 发报价", now=SUN, tz=SH, locale="zh-CN")
    assert (rest, [d.day for d in (when.at, *when.others)]) == ("发报价", [25, 2])
    assert extract_reading("发报价", now=SUN, tz=SH) == (None, "发报价")
