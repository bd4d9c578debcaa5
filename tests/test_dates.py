"""handlers.dates: Chinese and English due times, read against fixed clocks.

Every case names its `now` and expects one exact local wall-clock time in the zone asked for.
"""
from __future__ import annotations

import ast
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.dates import extract_when, parse_when, warm

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
# parse_when, Chinese
# ---------------------------------------------------------------------------------------------

ZH_SUNDAY = [
    ("明天", at(2026, 11, 23)),
    ("后天", at(2026, 11, 24)),
    ("大后天", at(2026, 11, 25)),
    ("今天", None),                             # today 09:00 is already past at 10:00: refused
    ("今晚", at(2026, 11, 22, 20)),
    ("今晚8点", at(2026, 11, 22, 20)),
    ("今晚8点半", at(2026, 11, 22, 20, 30)),
    ("明早", at(2026, 11, 23, 9)),
    ("明早8点", at(2026, 11, 23, 8)),
    ("明晚", at(2026, 11, 23, 20)),
    ("明天下午3点", at(2026, 11, 23, 15)),
    ("明天 下午 3点", at(2026, 11, 23, 15)),
    ("明天上午10点", at(2026, 11, 23, 10)),
    ("明天晚上8点", at(2026, 11, 23, 20)),
    ("明天中午", at(2026, 11, 23, 12)),
    ("明天下午", at(2026, 11, 23, 14)),
    ("明天3点", at(2026, 11, 23, 15)),          # bare 1-6 o'clock: the afternoon
    ("明天下午3點", at(2026, 11, 23, 15)),      # traditional characters
    ("中午1点", at(2026, 11, 22, 13)),
    ("中午12点", at(2026, 11, 22, 12)),
    ("3点", at(2026, 11, 22, 15)),
    ("3点半", at(2026, 11, 22, 15, 30)),
    ("3点15分", at(2026, 11, 22, 15, 15)),
    ("三点一刻", at(2026, 11, 22, 15, 15)),
    ("两点", at(2026, 11, 22, 14)),
    ("3点钟", at(2026, 11, 22, 15)),
    ("八点", at(2026, 11, 23, 8)),              # 08:00 already past at 10:00: tomorrow
    ("11点", at(2026, 11, 22, 11)),
    ("凌晨3点", at(2026, 11, 23, 3)),
    ("03:30", at(2026, 11, 23, 3, 30)),         # zero-padded: a 24-hour time
    ("15:30", at(2026, 11, 22, 15, 30)),
    ("１５：３０", at(2026, 11, 22, 15, 30)),    # full-width digits and colon
    ("下午3点", at(2026, 11, 22, 15)),
    ("下午三点半", at(2026, 11, 22, 15, 30)),
    ("下午3:45", at(2026, 11, 22, 15, 45)),
    ("晚上8点", at(2026, 11, 22, 20)),
    ("晚上十点四十五", at(2026, 11, 22, 22, 45)),
    ("晚上12点", at(2026, 11, 23, 0)),
    ("傍晚6点", at(2026, 11, 22, 18)),
    ("上午9点", at(2026, 11, 23, 9)),            # past today: tomorrow
    ("早上8点", at(2026, 11, 23, 8)),
    ("二十三点", at(2026, 11, 22, 23)),
    ("十一点", at(2026, 11, 22, 11)),
    ("12月5日", at(2026, 12, 5)),
    ("12月5号", at(2026, 12, 5)),
    ("十二月五日", at(2026, 12, 5)),
    ("12月5日下午3点", at(2026, 12, 5, 15)),
    ("2027年1月3日", at(2027, 1, 3)),
    ("二零二七年一月三日", at(2027, 1, 3)),
    ("1月3日", at(2027, 1, 3)),                  # month-day already past: next year
    ("11月22日", None),                          # today 09:00, past: refused
    ("2月29日", at(2028, 2, 29)),                # the next year that has it
    ("5号", at(2026, 12, 5)),                    # day of month already past: next month
    ("25号", at(2026, 11, 25)),
    ("下个月5号", at(2026, 12, 5)),
    ("下个月", at(2026, 12, 1)),
    ("月底", at(2026, 11, 30)),
    ("下个月底", at(2026, 12, 31)),
    ("12月底", at(2026, 12, 31)),
    ("三天后", at(2026, 11, 25)),
    ("3天后", at(2026, 11, 25)),
    ("三天后下午2点", at(2026, 11, 25, 14)),
    ("两小时后", at(2026, 11, 22, 12)),
    ("半小时后", at(2026, 11, 22, 10, 30)),
    ("30分钟后", at(2026, 11, 22, 10, 30)),
    ("一个半小时后", at(2026, 11, 22, 11, 30)),
    ("一刻钟后", at(2026, 11, 22, 10, 15)),
    ("2周后", at(2026, 12, 6)),
    ("两个星期以后", at(2026, 12, 6)),
    ("一个月后", at(2026, 12, 22)),
    ("十一天之后", at(2026, 12, 3)),
    ("下周二", at(2026, 11, 24)),
    ("下周", at(2026, 11, 23)),                  # Monday of next week
    ("下个星期三", at(2026, 11, 25)),
    ("周二", at(2026, 11, 24)),
    ("星期二", at(2026, 11, 24)),
    ("礼拜二", at(2026, 11, 24)),
    ("周日", at(2026, 11, 29)),                  # today is Sunday: the next one
    ("星期天", at(2026, 11, 29)),
    ("本周五", None),                            # this calendar week's, already past: refused
    ("这周五", None),
    ("本周日", None),
    ("下下周一", at(2026, 11, 30)),
    ("下周五下午3点", at(2026, 11, 27, 15)),
    ("周五前", at(2026, 11, 27)),
    ("在周五", at(2026, 11, 27)),
    ("明天下午3点。", at(2026, 11, 23, 15)),
]


@pytest.mark.parametrize("text,expected", ZH_SUNDAY)
def test_chinese_on_a_sunday(text, expected):
    assert local(parse_when(text, now=SUN, tz=SH)) == (expected and (expected, SH))


# ---------------------------------------------------------------------------------------------
# parse_when, English
# ---------------------------------------------------------------------------------------------

EN_SUNDAY = [
    ("today", None),
    ("tonight", at(2026, 11, 22, 20)),
    ("tonight at 11pm", at(2026, 11, 22, 23)),
    ("tomorrow", at(2026, 11, 23)),
    ("Tomorrow", at(2026, 11, 23)),
    ("tomorrow 3pm", at(2026, 11, 23, 15)),
    ("tomorrow at 3:30 PM", at(2026, 11, 23, 15, 30)),
    ("tomorrow at 3", at(2026, 11, 23, 15)),
    ("tomorrow morning", at(2026, 11, 23, 9)),
    ("tomorrow evening", at(2026, 11, 23, 18)),
    ("this afternoon", at(2026, 11, 22, 14)),
    ("friday 2pm", at(2026, 11, 27, 14)),
    ("Friday", at(2026, 11, 27)),
    ("fri", at(2026, 11, 27)),
    ("next friday", at(2026, 11, 27)),
    ("this friday", at(2026, 11, 27)),
    ("sunday", at(2026, 11, 29)),
    ("2pm friday", at(2026, 11, 27, 14)),
    ("2pm on friday", at(2026, 11, 27, 14)),
    ("on friday at noon", at(2026, 11, 27, 12)),
    ("at 3pm tomorrow", at(2026, 11, 23, 15)),
    ("dec 5", at(2026, 12, 5)),
    ("Dec 5 3pm", at(2026, 12, 5, 15)),
    ("December 5th, 2026 at 3:30 PM", at(2026, 12, 5, 15, 30)),
    ("5 December", at(2026, 12, 5)),
    ("5th of december", at(2026, 12, 5)),
    ("jan 3", at(2027, 1, 3)),
    ("2026-12-05", at(2026, 12, 5)),
    ("2026-12-05 14:30", at(2026, 12, 5, 14, 30)),
    ("2026-12-05T14:30", at(2026, 12, 5, 14, 30)),
    ("12/5", at(2026, 12, 5)),
    ("12/5 3pm", at(2026, 12, 5, 15)),
    ("3pm", at(2026, 11, 22, 15)),
    ("3 p.m.", at(2026, 11, 22, 15)),
    ("9am", at(2026, 11, 23, 9)),
    ("12am", at(2026, 11, 23, 0)),
    ("15:30", at(2026, 11, 22, 15, 30)),
    ("noon", at(2026, 11, 22, 12)),
    ("midnight", at(2026, 11, 23, 0)),
    ("at 5", at(2026, 11, 22, 17)),
    ("in 3 days", at(2026, 11, 25)),
    ("in 3 days at 2pm", at(2026, 11, 25, 14)),
    ("in 2 hours", at(2026, 11, 22, 12)),
    ("in 30 minutes", at(2026, 11, 22, 10, 30)),
    ("in half an hour", at(2026, 11, 22, 10, 30)),
    ("in an hour and a half", at(2026, 11, 22, 11, 30)),
    ("in 2 weeks", at(2026, 12, 6)),
    ("in a fortnight", at(2026, 12, 6)),
    ("two weeks from now", at(2026, 12, 6)),
    ("3 days later", at(2026, 11, 25)),
    ("end of month", at(2026, 11, 30)),
    ("end of the month", at(2026, 11, 30)),
    ("next week", at(2026, 11, 23)),
    ("next month", at(2026, 12, 1)),
    ("the day after tomorrow", at(2026, 11, 24)),
    # not in the grammar: dateparser answers, and a day without a time still means 09:00
    ("yesterday", None),
    ("in 1 year", at(2027, 11, 22)),
]


@pytest.mark.parametrize("text,expected", EN_SUNDAY)
def test_english_on_a_sunday(text, expected):
    assert local(parse_when(text, now=SUN, tz=SH)) == (expected and (expected, SH))


# ---------------------------------------------------------------------------------------------
# Weekdays when today is the weekday asked for, and evenings
# ---------------------------------------------------------------------------------------------

ON_TUESDAY = [
    ("周二", at(2026, 12, 1)),          # strictly after today
    ("tuesday", at(2026, 12, 1)),
    ("this tuesday", at(2026, 12, 1)),
    ("下周二", at(2026, 12, 1)),
    ("next tuesday", at(2026, 12, 1)),
    ("本周二", None),
    ("周三", at(2026, 11, 25)),
    ("wednesday", at(2026, 11, 25)),
    ("下周三", at(2026, 12, 2)),        # next calendar week, not tomorrow
    ("next wednesday", at(2026, 12, 2)),
    ("周一", at(2026, 11, 30)),
    ("本周一", None),                   # yesterday: never a past due time
    ("下周日", at(2026, 12, 6)),
    ("本周日", at(2026, 11, 29)),
    ("10点", at(2026, 11, 24, 10)),
    ("9点", at(2026, 11, 25, 9)),       # 09:00 < now 09:30
    ("9:30", at(2026, 11, 25, 9, 30)),  # the same minute as now counts as past
]


@pytest.mark.parametrize("text,expected", ON_TUESDAY)
def test_on_a_tuesday_morning(text, expected):
    assert local(parse_when(text, now=TUE, tz=SH)) == (expected and (expected, SH))


IN_THE_EVENING = [
    ("今晚8点", None),                   # explicit today and past: refused
    ("晚上8点", at(2026, 11, 25, 20)),   # no date and past: tomorrow
    ("晚上10点", at(2026, 11, 24, 22)),
    ("今晚", None),
    ("22:30", at(2026, 11, 24, 22, 30)),
    ("21:00", at(2026, 11, 25, 21)),
    ("8点", at(2026, 11, 25, 8)),
    ("3pm", at(2026, 11, 25, 15)),
    ("下午", at(2026, 11, 25, 14)),
    ("明早", at(2026, 11, 25, 9)),
    ("半小时后", at(2026, 11, 24, 21, 30)),
    ("in 3 hours", at(2026, 11, 25, 0)),
    ("midnight", at(2026, 11, 25, 0)),
    ("tonight 11pm", at(2026, 11, 24, 23)),
    ("今晚1点", at(2026, 11, 25, 1)),     # the small hours belong to the next date
]


@pytest.mark.parametrize("text,expected", IN_THE_EVENING)
def test_in_the_evening(text, expected):
    assert local(parse_when(text, now=EVE, tz=SH)) == (expected and (expected, SH))


@pytest.mark.parametrize("text,expected", [
    ("月底", at(2026, 12, 31)),           # today is the last day: next month's
    ("end of month", at(2026, 12, 31)),
    ("本月底", None),                     # today 09:00, past
    ("下个月5号", at(2026, 12, 5)),
    ("31号", at(2026, 12, 31)),
    ("in 1 month", at(2026, 12, 30)),
    ("三个月后", at(2027, 2, 28)),        # clamped to the month's last day
])
def test_on_the_last_day_of_the_month(text, expected):
    assert local(parse_when(text, now=LAST, tz=SH)) == (expected and (expected, SH))


# ---------------------------------------------------------------------------------------------
# Time zones
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,tz,expected", [
    ("明天", NY, at(2026, 11, 23)),          # still Sunday in New York
    ("明天", SH, at(2026, 11, 24)),          # already Monday in Shanghai
    ("tomorrow 3pm", NY, at(2026, 11, 23, 15)),
    ("9pm", NY, at(2026, 11, 22, 21)),
    ("9pm", SH, at(2026, 11, 23, 21)),
    ("tonight", NY, None),                   # 20:00 is now: not after it
    ("周一", NY, at(2026, 11, 23)),
    ("周一", SH, at(2026, 11, 30)),
    ("in 2 hours", NY, at(2026, 11, 22, 22)),
    ("in 2 hours", SH, at(2026, 11, 23, 11)),
])
def test_the_same_instant_in_two_zones(text, tz, expected):
    assert local(parse_when(text, now=NY_SUN_EVENING, tz=tz)) == (expected and (expected, tz))


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
    assert imported <= {"__future__", "calendar", "re", "unicodedata", "dataclasses", "datetime",
                        "functools", "typing", "zoneinfo", "dateparser", "holidays", "."}, imported
