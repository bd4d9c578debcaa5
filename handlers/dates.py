"""Natural-language due times, Chinese and English, for reminders and "next:" actions.

Public API
----------
``parse_when(text, *, now, tz)``   the whole text is a time expression -> aware datetime in ``tz`` or None.
``extract_when(text, *, now, tz)`` a time expression at the start (preferred) or end of the text
                                   -> (datetime or None, the remaining words).
``warm()``                         one dateparser call per language, so the first real call is fast.

``now`` is an aware datetime in any zone (a naive one is read as UTC); ``tz`` is an IANA zone name
(an unknown name means UTC).  Results are aware, with ``tzinfo=ZoneInfo(tz)``, at minute precision.
Nothing here raises for any ``str`` input; what cannot be read is None.

How it works: the everyday Chinese and English forms are read by the small grammar below
(``[lead] date [sep] time [trail]`` or ``[lead] time [sep] date``), which turns them straight
into a datetime.  dateparser (always with explicit languages) is only the fallback for the
rarer forms, and only for text that carries a date/time signal, because it reads bare numbers
("5", "32", "at 5", "the 5th") as months or years.

Rules (those the brief left open are marked "chosen")
------------------------------------------------------
* A date without a time of day is 09:00 local.  A date with only a part of day uses that part's
  default (chosen): morning/早上/上午 09:00, noon/中午 12:00, afternoon/下午 14:00,
  evening/傍晚 18:00, night/晚上/今晚/tonight 20:00; 凌晨/半夜 alone is too vague -> None.
* A time of day without a date that is not after ``now`` (same minute counts as past) is tomorrow.
  An explicit date is kept even when it is already past ("今天上午9点" at 15:00 stays today).
* Clock hours with no am/pm and no part of day (chosen, a working-hours reading): 1-6 mean the
  afternoon (13:00-18:00), 7-12 are taken as written, 0 and 13-23 are 24-hour times, and a
  zero-padded hour ("03:30", "03点") is always a 24-hour time.  So "3点" / "明天3点" / "3:30" / "at 3"
  mean 15:00 / 15:30.  "凌晨3点", "早上3点", "3am" mean 03:00.
* Parts of day with an hour: 下午/傍晚/晚上 add 12 to 1-11; 中午1点 is 13:00; 晚上12点 and
  "midnight" are 00:00 at the end of that day (the next date); 晚上1-4点 are the small hours of the
  next date; 凌晨12点 / 0点 are 00:00 of the date itself.
* Weekdays: bare 周二 / 星期二 / 礼拜二 / Tuesday / "this Tuesday" / "coming Tuesday" = the next
  Tuesday strictly after today (7 days ahead when today is Tuesday) -- "this X" was chosen to be
  the same as bare X.  下周二 / "next Tuesday" = Tuesday of next calendar week (weeks start on
  Monday), 下下周二 the week after, 本周五 / 这周五 = Friday of this calendar week even if it is
  already past, 上周五 Friday of last week.  下周 / "next week" = Monday of next week.
* Relative: N天后 / N周后 / N个月后 / "in N days|weeks|months" / "N days from now|later" are
  date-level: that date at 09:00 unless a time follows ("三天后下午2点", "in 3 days at 2pm").
  Hours and minutes (两小时后, 半小时后, 一刻钟后, "in 2 hours", "in half an hour") are exact:
  ``now`` + the span in absolute time (so across a DST change the wall clock moves by more or
  less), truncated to the minute; a time of day after them makes the text unreadable.  半天后 is
  12 hours.  "in N months" keeps the day of month, clamped to the month's last day.
* Months: 下个月 / "next month" = the 1st of next month; 下个月5号 = the 5th of next month;
  月底 / "end of month" = the last day of this month, or of next month when today is that day;
  本月底 is always this month's last day; 下个月底 / "end of next month"; 12月底 / 12月初.
  A month-day without a year that is already past is next year's (or the next year in which it
  exists, e.g. 2月29日); N号 / N日 alone is the next such day of a month, this month included.
  An explicit year is kept as given.  "12/5" is month/day (December 5).
* Nonexistent local times (spring-forward gap) move forward by the gap (02:30 -> 03:30 EDT);
  ambiguous ones (fall-back) take the first occurrence.
* Leading connectives (on / at / by / before / 在 / 于) and trailing 前 / 之前 / 以前 / 左右 /
  前后 ("周五前") are accepted and ignored.
* Longer than 200 characters -> None for parse_when.  extract_when looks at text of up to
  2000 characters and only at the first/last 80 characters for the expression.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Callable
from zoneinfo import ZoneInfo

__all__ = ["parse_when", "extract_when", "warm"]

MAX_LEN = 200            # parse_when: longer text is not a time expression
MAX_EXTRACT_LEN = 2000   # extract_when: longer text is returned untouched
SCAN_WINDOW = 80         # extract_when: how far from the end a trailing expression may start
DEFAULT_HOUR = 9

_LANGS_EN = ["en"]
_LANGS_ZH = ["zh", "en"]

# ---------------------------------------------------------------------------------------------
# Normalisation (length-preserving, so positions in the normalised text are positions in the
# original one and extract_when can hand back the user's own words).
# ---------------------------------------------------------------------------------------------

_TRAD = str.maketrans({
    "點": "点", "時": "时", "週": "周", "後": "后", "號": "号", "兩": "两", "禮": "礼",
    "鐘": "钟", "個": "个", "這": "这", "〇": "零", "’": "'", "‘": "'",
})


def _norm(text: str) -> str:
    out = []
    for ch in text:
        if ch < "\x80":
            out.append(ch.lower())
            continue
        n = unicodedata.normalize("NFKC", ch)
        if len(n) != 1:
            n = ch
        n = n.translate(_TRAD)
        low = n.lower()
        out.append(low if len(low) == 1 else n)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

_CN_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "零一二两三四五六七八九十"
NUM = rf"(?:[0-9]{{1,2}}|[{_CN_NUM}]{{1,3}})"      # hours, minutes, months, days
CNT = rf"(?:[0-9]{{1,4}}|[{_CN_NUM}]{{1,3}})"      # counts in relative expressions

_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
}
EN_NUM = "(?:[0-9]{1,4}|" + "|".join(sorted(map(re.escape, _EN_NUMBERS), key=len, reverse=True)) + ")"


def _num(t: str | None) -> int | None:
    """'12' / '十二' / '二十三' / '两' / '零五' / '二零二七' -> int; None when not a number."""
    if not t:
        return None
    if t.isascii():
        return int(t) if t.isdigit() else _EN_NUMBERS.get(t)
    if "十" in t:
        if t.count("十") != 1:
            return None
        a, b = t.split("十")
        if len(a) > 1 or len(b) > 1 or (a and a not in _CN_DIGIT) or (b and b not in _CN_DIGIT):
            return None
        if a and _CN_DIGIT[a] == 0:
            return None
        return (_CN_DIGIT[a] if a else 1) * 10 + (_CN_DIGIT[b] if b else 0)
    value = 0
    for c in t:
        if c not in _CN_DIGIT:
            return None
        value = value * 10 + _CN_DIGIT[c]
    return value


# ---------------------------------------------------------------------------------------------
# Context: the zone and "now" seen on the wall clock of that zone
# ---------------------------------------------------------------------------------------------

def _utc_zone() -> tzinfo:
    try:
        return ZoneInfo("UTC")
    except Exception:  # no tz database at all
        return timezone.utc


@lru_cache(maxsize=128)
def _zone(tz: Any) -> tzinfo:
    if isinstance(tz, str) and tz.strip():
        try:
            return ZoneInfo(tz.strip())
        except Exception:
            pass
    return _utc_zone()


@dataclass(frozen=True)
class _Ctx:
    zone: tzinfo
    now_utc: datetime
    local: datetime  # naive wall-clock now in zone

    @property
    def today(self) -> date:
        return self.local.date()


def _ctx(now: datetime, tz: str) -> _Ctx:
    zone = _zone(tz)
    if not isinstance(now, datetime):
        raise TypeError("now must be a datetime")
    if now.tzinfo is None or now.utcoffset() is None:
        now = now.replace(tzinfo=timezone.utc)
    now_utc = now.astimezone(timezone.utc)
    return _Ctx(zone=zone, now_utc=now_utc, local=now_utc.astimezone(zone).replace(tzinfo=None))


def _aware(naive: datetime, zone: tzinfo) -> datetime:
    """Attach zone; a wall time inside a DST gap moves forward by the gap."""
    naive = naive.replace(second=0, microsecond=0)
    return naive.replace(tzinfo=zone).astimezone(timezone.utc).astimezone(zone)


# ---------------------------------------------------------------------------------------------
# Date arithmetic helpers
# ---------------------------------------------------------------------------------------------

def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


def _next_month_day(today: date, m: int, d: int) -> date | None:
    """Month-day without a year: this year's, or the next year in which it exists and is not past."""
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    for y in range(today.year, today.year + 9):
        cand = _safe_date(y, m, d)
        if cand is not None and cand >= today:
            return cand
    return None


def _next_day_of_month(today: date, d: int) -> date | None:
    if not 1 <= d <= 31:
        return None
    for k in range(0, 13):
        y, m = _add_months(today.year, today.month, k)
        cand = _safe_date(y, m, d)
        if cand is not None and cand >= today:
            return cand
    return None


def _monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _weekday_date(today: date, target: int, which: str | None) -> date:
    """which: None (next strictly after today), 'this', 'next', 'next2', 'last' (calendar weeks)."""
    if which is None:
        return today + timedelta(days=(target - today.weekday()) % 7 or 7)
    offset = {"this": 0, "next": 7, "next2": 14, "last": -7}[which]
    return _monday(today) + timedelta(days=offset + target)


def _month_end(today: date, rolling: bool) -> date:
    end = date(today.year, today.month, _last_day(today.year, today.month))
    if rolling and end == today:
        y, m = _add_months(today.year, today.month, 1)
        end = date(y, m, _last_day(y, m))
    return end


# ---------------------------------------------------------------------------------------------
# Grammar pieces.  Each date pattern's handler gives a _Date (or None when the values are not a
# real date); each time pattern gives a _Time.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Date:
    day: date | None = None
    delta: timedelta | None = None   # exact offset from now (hours/minutes); no time may follow
    period: str | None = None        # implied part of day (今晚, tonight, 明早, this morning)


@dataclass(frozen=True)
class _Time:
    kind: str                 # 'clock' | 'period' | 'noon' | 'midnight'
    period: str | None = None
    h: int = 0
    m: int = 0
    ap: str | None = None     # 'am' | 'pm'
    h24: bool = False         # written zero-padded: a 24-hour time


_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
               "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAY_EN = {"monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
               "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
               "saturday": 5, "sunday": 6}
_MONTH_EN = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
             "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
             "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9,
             "sep": 9, "oct": 10, "nov": 11, "dec": 12}


def _alt(words) -> str:
    return "(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + ")"


WD_EN = _alt(_WEEKDAY_EN)
MON_EN = _alt(_MONTH_EN)
NB = r"(?![a-z])"          # end of an English word
NBD = r"(?![a-z0-9])"      # end of an English word or number
EN_UNIT = r"(?:minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|months?|fortnights?)"

_DATE_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], _Ctx], _Date | None]]] = []


def _date_pattern(pattern: str):
    rx = re.compile(pattern)

    def register(fn):
        _DATE_PATTERNS.append((rx, fn))
        return fn
    return register


_CN_DAYWORDS = {
    "今天": (0, None), "今日": (0, None), "今儿": (0, None),
    "明天": (1, None), "明日": (1, None), "明儿": (1, None),
    "后天": (2, None), "大后天": (3, None),
    "今晚": (0, "night"), "今夜": (0, "night"), "明晚": (1, "night"),
    "今早": (0, "morning"), "今晨": (0, "morning"), "明早": (1, "morning"), "明晨": (1, "morning"),
}


@_date_pattern(_alt(_CN_DAYWORDS))
def _d_cn_dayword(m, ctx):
    off, period = _CN_DAYWORDS[m.group(0)]
    return _Date(day=ctx.today + timedelta(days=off), period=period)


_CN_WEEK_PREFIX = {"下下": "next2", "下": "next", "本": "this", "这": "this", "上": "last"}


@_date_pattern(r"(?:(下下|下|本|这|上)\s*个?\s*)?(?:周|星期|礼拜)\s*([一二三四五六日天七1-7])")
def _d_cn_weekday(m, ctx):
    which = _CN_WEEK_PREFIX[m.group(1)] if m.group(1) else None
    return _Date(day=_weekday_date(ctx.today, _WEEKDAY_CN[m.group(2)], which))


@_date_pattern(r"(下下|下)\s*个?\s*(?:周|星期|礼拜)")
def _d_cn_next_week(m, ctx):
    return _Date(day=_monday(ctx.today) + timedelta(days=14 if m.group(1) == "下下" else 7))


@_date_pattern(rf"(下下|下|本|这)\s*个?\s*月\s*(?:({NUM})\s*[号日]|(底|末|初))?")
def _d_cn_month_word(m, ctx):
    k = {"下下": 2, "下": 1, "本": 0, "这": 0}[m.group(1)]
    y, mo = _add_months(ctx.today.year, ctx.today.month, k)
    if m.group(2):
        d = _num(m.group(2))
        return _Date(day=_safe_date(y, mo, d)) if d else None
    if m.group(3) in ("底", "末"):
        return _Date(day=date(y, mo, _last_day(y, mo)))
    if m.group(3) == "初" or k > 0:
        return _Date(day=date(y, mo, 1))
    return None  # 本月 / 这个月 alone is not a day


@_date_pattern(r"月[底末]")
def _d_cn_month_end(m, ctx):
    return _Date(day=_month_end(ctx.today, rolling=True))


@_date_pattern(rf"({NUM})\s*月\s*(底|末|初)")
def _d_cn_month_n_end(m, ctx):
    mo = _num(m.group(1))
    if not mo or not 1 <= mo <= 12:
        return None
    for y in range(ctx.today.year, ctx.today.year + 2):
        cand = date(y, mo, 1 if m.group(2) == "初" else _last_day(y, mo))
        if cand >= ctx.today:
            return _Date(day=cand)
    return None


@_date_pattern(
    rf"(?:([0-9]{{4}}|[零一二三四五六七八九]{{4}})\s*年\s*|(今年|明年)\s*)?({NUM})\s*月\s*({NUM})\s*[日号]?"
)
def _d_cn_date(m, ctx):
    mo, d = _num(m.group(3)), _num(m.group(4))
    if mo is None or d is None:
        return None
    if m.group(1):
        y = _num(m.group(1))
        return _Date(day=_safe_date(y, mo, d)) if y else None
    if m.group(2):
        return _Date(day=_safe_date(ctx.today.year + (m.group(2) == "明年"), mo, d))
    return _Date(day=_next_month_day(ctx.today, mo, d))


@_date_pattern(rf"({NUM})\s*[号日]")
def _d_cn_day_of_month(m, ctx):
    d = _num(m.group(1))
    return _Date(day=_next_day_of_month(ctx.today, d)) if d is not None else None


_CN_UNITS = {"天": "day", "日": "day", "小时": "hour", "钟头": "hour", "分钟": "minute", "分": "minute",
             "周": "week", "星期": "week", "礼拜": "week", "月": "month"}


def _relative(n: float, unit: str, ctx: _Ctx) -> _Date | None:
    if n < 0 or n > 100000:
        return None
    if unit == "minute":
        return _Date(delta=timedelta(minutes=n))
    if unit == "hour":
        return _Date(delta=timedelta(hours=n))
    if unit == "day":
        if n != int(n):
            return _Date(delta=timedelta(days=n))  # 半天后: 12 hours
        return _Date(day=ctx.today + timedelta(days=int(n)))
    if unit == "week":
        if n != int(n):
            return None
        return _Date(day=ctx.today + timedelta(days=7 * int(n)))
    if unit == "fortnight":
        return _Date(day=ctx.today + timedelta(days=int(14 * n)))
    if unit == "month":
        whole = int(n)
        y, mo = _add_months(ctx.today.year, ctx.today.month, whole)
        day = date(y, mo, min(ctx.today.day, _last_day(y, mo)))
        if n != whole:
            day += timedelta(days=15)
        return _Date(day=day)
    return None


@_date_pattern(rf"({CNT}|半)\s*(个)?\s*(半)?\s*(天|日|小时|钟头|分钟|分|周|星期|礼拜|月)\s*(?:之后|以后|后)")
def _d_cn_relative(m, ctx):
    n = 0.5 if m.group(1) == "半" else _num(m.group(1))
    if n is None or (m.group(1) == "半" and m.group(3)):
        return None
    if m.group(3):
        n += 0.5
    unit = _CN_UNITS[m.group(4)]
    if unit == "month" and not m.group(2):
        return None  # 3月后 is "after March", not "in 3 months"
    return _relative(n, unit, ctx)


@_date_pattern(r"([一三]|[0-9])?\s*刻钟\s*(?:之后|以后|后)")
def _d_cn_quarter_hours(m, ctx):
    n = _num(m.group(1)) if m.group(1) else 1
    return _Date(delta=timedelta(minutes=15 * n)) if n else None


_EN_DAYWORDS = {
    "today": (0, None), "tonight": (0, "night"), "tomorrow": (1, None), "tmrw": (1, None),
    "tmr": (1, None), "tomorow": (1, None), "tommorow": (1, None), "tommorrow": (1, None),
    "this morning": (0, "morning"), "this afternoon": (0, "afternoon"), "this evening": (0, "evening"),
}


@_date_pattern(_alt(_EN_DAYWORDS) + NB)
def _d_en_dayword(m, ctx):
    off, period = _EN_DAYWORDS[m.group(0)]
    return _Date(day=ctx.today + timedelta(days=off), period=period)


@_date_pattern(r"(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr)" + NB)
def _d_en_overmorrow(m, ctx):
    return _Date(day=ctx.today + timedelta(days=2))


@_date_pattern(rf"(?:(next|this|coming)\s+)?({WD_EN})\.?" + NB)
def _d_en_weekday(m, ctx):
    which = "next" if m.group(1) == "next" else None
    return _Date(day=_weekday_date(ctx.today, _WEEKDAY_EN[m.group(2)], which))


@_date_pattern(r"next\s+week" + NB)
def _d_en_next_week(m, ctx):
    return _Date(day=_monday(ctx.today) + timedelta(days=7))


@_date_pattern(r"next\s+month" + NB)
def _d_en_next_month(m, ctx):
    y, mo = _add_months(ctx.today.year, ctx.today.month, 1)
    return _Date(day=date(y, mo, 1))


@_date_pattern(r"(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom)" + NB)
def _d_en_month_end(m, ctx):
    return _Date(day=_month_end(ctx.today, rolling=True))


@_date_pattern(r"(?:the\s+)?end\s+of\s+next\s+month" + NB)
def _d_en_next_month_end(m, ctx):
    y, mo = _add_months(ctx.today.year, ctx.today.month, 1)
    return _Date(day=date(y, mo, _last_day(y, mo)))


def _year(t: str | None) -> int | None:
    if not t:
        return None
    y = int(t)
    return y + 2000 if len(t) == 2 else y


def _md(ctx: _Ctx, y: int | None, mo: int, d: int) -> _Date | None:
    if y is not None:
        if not 2000 <= y <= 2199:
            return None
        return _Date(day=_safe_date(y, mo, d))
    return _Date(day=_next_month_day(ctx.today, mo, d))


@_date_pattern(
    rf"({MON_EN})\.?{NB}\s*([0-9]{{1,2}})(?:st|nd|rd|th)?{NBD}(?:\s*,?\s*([0-9]{{4}}){NBD})?"
)
def _d_en_month_day(m, ctx):
    return _md(ctx, _year(m.group(3)), _MONTH_EN[m.group(1)], int(m.group(2)))


@_date_pattern(
    rf"(?:the\s+)?([0-9]{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?({MON_EN})\.?{NB}(?:\s*,?\s*([0-9]{{4}}){NBD})?"
)
def _d_en_day_month(m, ctx):
    return _md(ctx, _year(m.group(3)), _MONTH_EN[m.group(2)], int(m.group(1)))


@_date_pattern(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
def _d_iso(m, ctx):
    return _md(ctx, int(m.group(1)), int(m.group(2)), int(m.group(3)))


@_date_pattern(r"([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}|[0-9]{2}))?(?![0-9/])")
def _d_month_slash_day(m, ctx):
    return _md(ctx, _year(m.group(3)), int(m.group(1)), int(m.group(2)))


_EN_UNIT_NAME = {"min": "minute", "h": "hour", "hr": "hour", "hour": "hour", "day": "day", "week": "week",
                 "wk": "week", "month": "month", "fortnight": "fortnight", "minute": "minute"}


def _en_unit(u: str) -> str:
    return _EN_UNIT_NAME[u[:-1] if u.endswith("s") and u[:-1] in _EN_UNIT_NAME else u]


@_date_pattern(
    rf"in\s+(?:(half\s+an?|a\s+half)|({EN_NUM}))\s*({EN_UNIT}){NB}(\s+and\s+a\s+half{NB})?"
)
def _d_en_in(m, ctx):
    n = 0.5 if m.group(1) else _num(m.group(2))
    if n is None:
        return None
    if m.group(4):
        n += 0.5
    return _relative(n, _en_unit(m.group(3)), ctx)


@_date_pattern(rf"({EN_NUM})\s*({EN_UNIT}){NB}\s+(?:from\s+now|later){NB}")
def _d_en_from_now(m, ctx):
    n = _num(m.group(1))
    return _relative(n, _en_unit(m.group(2)), ctx) if n is not None else None


# --- times of day -----------------------------------------------------------------------------

_PERIODS = {
    "凌晨": "early", "半夜": "early", "深夜": "night", "清晨": "morning", "早上": "morning",
    "早晨": "morning", "一早": "morning", "上午": "morning", "中午": "noon", "午后": "afternoon",
    "下午": "afternoon", "傍晚": "evening", "晚上": "night", "晚间": "night", "夜里": "night",
    "夜晚": "night", "夜间": "night",
    "morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
}
_PERIOD_DEFAULT = {"morning": (9, 0, 0), "noon": (12, 0, 0), "afternoon": (14, 0, 0),
                   "evening": (18, 0, 0), "night": (20, 0, 0)}

_RX_PERIOD = re.compile(r"(?:in\s+the\s+|at\s+)?(" + _alt(_PERIODS) + ")" + NB)
_RX_CN_CLOCK = re.compile(
    rf"({NUM})\s*[点时]\s*钟?(?:(半)|([一三])刻|(整)|([0-9]{{1,2}}|[{_CN_NUM}]{{1,3}})\s*(分)?)?"
)
_RX_NUM_CLOCK = re.compile(
    r"([0-9]{1,2})(?:\s*:\s*([0-9]{2}))?(?![0-9])(?:\s*(a\.?m\.?|p\.?m\.?)(?![a-z])|\s*(o'?clock)" + NB + ")?"
)
_RX_NOON = re.compile(r"(noon|midday|midnight)" + NB)
_RX_AT = re.compile(r"(?:at|@)(?=[\s0-9])\s*")
_RX_WS = re.compile(r"\s*")


def _times(s: str, i: int, at: bool) -> list[tuple[int, _Time]]:
    """Every time-of-day reading starting at s[i]: [(end, _Time)]."""
    out: list[tuple[int, _Time]] = []
    starts: list[tuple[int, str | None, bool]] = [(i, None, at)]
    mp = _RX_PERIOD.match(s, i)
    if mp:
        period = _PERIODS[mp.group(1)]
        out.append((mp.end(), _Time(kind="period", period=period)))
        ws = _RX_WS.match(s, mp.end()).end()
        ma = _RX_AT.match(s, ws)
        starts.append((ma.end() if ma else ws, period, ma is not None))
    for start, per, at_here in starts:
        m = _RX_NOON.match(s, start)
        if m:
            out.append((m.end(), _Time(kind="midnight" if m.group(1) == "midnight" else "noon", period=per)))
        m = _RX_CN_CLOCK.match(s, start)
        if m:
            h = _num(m.group(1))
            end = m.end()
            minute = 0
            if m.group(2):
                minute = 30
            elif m.group(3):
                minute = 15 * _num(m.group(3))
            elif m.group(5):
                raw = m.group(5)
                if not raw.isascii() and len(raw) == 1 and not m.group(6):
                    end = m.start(5)  # "3点一起" is 3点 + 一起, not 3:01
                else:
                    minute = _num(raw)
            if h is not None and minute is not None:
                out.append((end, _Time(kind="clock", period=per, h=h, m=minute,
                                       h24=len(m.group(1)) == 2 and m.group(1)[0] == "0")))
        m = _RX_NUM_CLOCK.match(s, start)
        if m and (m.group(2) or m.group(3) or m.group(4) or at_here):
            ap = None
            if m.group(3):
                ap = "am" if m.group(3)[0] == "a" else "pm"
            out.append((m.end(), _Time(kind="clock", period=per, h=int(m.group(1)), m=int(m.group(2) or 0),
                                       ap=ap, h24=len(m.group(1)) == 2 and m.group(1)[0] == "0")))
    return out


def _hour_minute(t: _Time, inherited: str | None) -> tuple[int, int, int] | None:
    """-> (hour, minute, days to add to the date) or None when the values make no sense."""
    period = t.period or (inherited if t.ap is None else None)
    if t.kind == "period":
        return _PERIOD_DEFAULT.get(period)
    if t.kind == "noon":
        return (12, 0, 0)
    if t.kind == "midnight":
        return (0, 0, 1)
    h, m = t.h, t.m
    if not (0 <= m <= 59 and 0 <= h <= 23):
        return None
    if t.ap:
        if not 1 <= h <= 12:
            return None
        return (h % 12 + (12 if t.ap == "pm" else 0), m, 0)
    if period == "early":
        return (0 if h == 12 else h, m, 0) if h <= 12 else None
    if period == "morning":
        return (h, m, 0) if h <= 12 else None
    if period == "noon":
        if h in (11, 12) or h >= 13:
            return (h, m, 0) if h <= 15 else None
        return (h + 12, m, 0) if 1 <= h <= 3 else None
    if period in ("afternoon", "evening"):
        return (h + 12 if 1 <= h <= 11 else h, m, 0) if h >= 1 else None
    if period == "night":
        if h in (0, 12):
            return (0, m, 1)
        if 1 <= h <= 4:
            return (h, m, 1)
        return (h + 12 if h <= 11 else h, m, 0)
    # no marker at all: working-hours reading
    if t.h24 or h == 0 or h >= 13:
        return (h, m, 0)
    if 1 <= h <= 6:
        return (h + 12, m, 0)
    return (h, m, 0)


# --- whole expressions ------------------------------------------------------------------------

_RX_LEAD = re.compile(r"(?:(on|at|by|before)\s+|([在于])\s*)")
_RX_SEP_DT = re.compile(r"\s*(?:,\s*)?(?:((?:at|@)(?=[\s0-9])|t(?=[0-9]))\s*|的\s*)?")
_RX_SEP_TD = re.compile(r"\s*(?:,\s*)?(?:on\s+)?")
_RX_TRAIL = re.compile(r"\s*(?:之前|以前|左右|前后|前)")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_CN_NUM_SET = frozenset(_CN_NUM)


def _dates(s: str, i: int, ctx: _Ctx) -> list[tuple[int, _Date]]:
    out = []
    for rx, fn in _DATE_PATTERNS:
        m = rx.match(s, i)
        if m:
            try:
                d = fn(m, ctx)
            except (ValueError, OverflowError, KeyError, TypeError):
                d = None
            if d is not None and (d.day is not None or d.delta is not None):
                out.append((m.end(), d))
    return out


def _resolve(ctx: _Ctx, d: _Date | None, t: _Time | None) -> datetime | None:
    try:
        if d is not None and d.delta is not None:
            if t is not None:
                return None
            return (ctx.now_utc + d.delta).astimezone(ctx.zone).replace(second=0, microsecond=0)
        if t is None:
            hm = _PERIOD_DEFAULT.get(d.period) if d.period else (DEFAULT_HOUR, 0, 0)
        else:
            hm = _hour_minute(t, d.period if d is not None else None)
        if hm is None:
            return None
        h, m, shift = hm
        if d is not None:
            naive = datetime.combine(d.day, time(h, m)) + timedelta(days=shift)
        else:
            naive = datetime.combine(ctx.today, time(h, m)) + timedelta(days=shift)
            if naive <= ctx.local:
                naive += timedelta(days=1)
        return _aware(naive, ctx.zone)
    except (ValueError, OverflowError):
        return None


def _candidates(s: str, i: int, ctx: _Ctx) -> list[tuple[int, datetime]]:
    """Every reading of an expression starting at s[i]: [(end, datetime)], longest first."""
    at = False
    ml = _RX_LEAD.match(s, i)
    if ml:
        at = ml.group(1) == "at"
        i = ml.end()
    raw: list[tuple[int, _Date | None, _Time | None]] = []
    for d_end, d in _dates(s, i, ctx):
        raw.append((d_end, d, None))
        if d.delta is None:
            sep = _RX_SEP_DT.match(s, d_end)
            for t_end, t in _times(s, sep.end(), bool(sep.group(1) and sep.group(1) != "t")):
                raw.append((t_end, d, t))
    for t_end, t in _times(s, i, at):
        raw.append((t_end, None, t))
        sep = _RX_SEP_TD.match(s, t_end)
        for d_end, d in _dates(s, sep.end(), ctx):
            if d.delta is None:
                raw.append((d_end, d, t))
    out = []
    for end, d, t in raw:
        if end < len(s) and s[end - 1] in _ALNUM and s[end] in _ALNUM:
            continue  # stops inside a word or number
        dt = _resolve(ctx, d, t)
        if dt is None:
            continue
        if d is None or d.delta is None:
            mt = _RX_TRAIL.match(s, end)
            if mt:
                end = mt.end()
        out.append((end, dt))
    out.sort(key=lambda c: -c[0])
    return out


# ---------------------------------------------------------------------------------------------
# dateparser fallback
# ---------------------------------------------------------------------------------------------

_dateparser_mod = None


def _dateparser():
    global _dateparser_mod
    if _dateparser_mod is None:
        import dateparser  # heavy; imported on first use or by warm()
        _dateparser_mod = dateparser
    return _dateparser_mod


def _dp_settings(base: datetime) -> dict[str, Any]:
    return {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base, "RETURN_AS_TIMEZONE_AWARE": False}


_WEAK_EN = {"next", "last", "this", "coming", "previous", "past", "ago", "later", "from", "after", "before",
            "in", "on", "at", "by", "of", "the", "and", "half", "quarter", "end", "beginning", "start", "mid"}
_PERIOD_EN = {"morning", "afternoon", "evening", "night", "tonight", "noon", "midnight", "midday"}
_UNIT_EN = {"day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours", "hr", "hrs",
            "minute", "minutes", "min", "mins", "second", "seconds", "fortnight", "fortnights", "weekend"}
_STRONG_EN = ({"today", "tomorrow", "yesterday", "now", "o'clock", "oclock", "am", "pm", "a.m.", "p.m."}
              | _PERIOD_EN | _UNIT_EN | set(_WEEKDAY_EN) | set(_MONTH_EN))
_VOCAB_EN = _STRONG_EN | _WEAK_EN | set(_EN_NUMBERS)
_RX_TOKEN_NUM = re.compile(r"[0-9]{1,4}(?:st|nd|rd|th)?")
_AMPM = r"(?:am|pm|a\.m\.?|p\.m\.?)"
# Numeric dates (2026-12-05, 12/5) are the grammar's alone: if it refused one, it is invalid, and
# dateparser would read "13/40" as 13 November 2040.
_RX_TOKEN_DATE = re.compile(
    r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
    rf"|(?:1[0-2]|0?[1-9])(?::[0-5][0-9])?{_AMPM}"
)
_RX_TIME_SIGNAL = re.compile(
    r"[0-9]\s*(?:am|pm|a\.m|p\.m|:[0-9])|noon|midnight|midday|o'?clock|hours?|hrs?|minutes?|mins?|seconds?"
    r"|morning|afternoon|evening|night|now|[点时分秒]|现在|小时|上午|下午|晚上|中午|早上|凌晨"
)
_RX_CJK = re.compile(r"[\u3400-\u9fff]")
_RX_CJK_SIGNAL = re.compile(r"[年月日号点时分秒周天]|星期|礼拜|昨|今|明|现在|前|后")
_RX_CJK_ONLY = re.compile(r"[\u3400-\u9fff\s]+")
# A week, month or year as a whole is not a day (dateparser would answer with today's date).
_RX_VAGUE = re.compile(
    r"(?:本|这个?|上个?|今|明|去|前)\s*(?:周|星期|礼拜|月|年)|(?:this|last|past)\s+(?:week|month|year)"
)


def _english_ok(s: str) -> bool:
    """Only text made of date words and numbers goes to dateparser, and a bare number needs a
    month, a unit, am/pm or a part of day next to it (dateparser reads "5" / "the 5th" as May)."""
    tokens = [tok.strip(".,") if tok not in ("a.m.", "p.m.") else tok for tok in re.split(r"[\s,]+", s)]
    tokens = [tok for tok in tokens if tok]
    if not tokens or len(tokens) > 8:
        return False
    strong = bare_number = anchor = month = dated = False
    for tok in tokens:
        if _RX_TOKEN_DATE.fullmatch(tok):
            strong = anchor = dated = True
        elif _RX_TOKEN_NUM.fullmatch(tok):
            bare_number = dated = True
        elif tok in _VOCAB_EN:
            if tok in _STRONG_EN:
                strong = True
            if tok in _MONTH_EN:
                month = True
            if tok in _UNIT_EN or tok in _MONTH_EN or tok in _PERIOD_EN or tok in ("am", "pm", "a.m.", "p.m.", "o'clock", "oclock"):
                anchor = True
        else:
            return False
    if month and not dated:
        return False  # "may", "in march": a month alone is not a day (and "may" is mostly a verb)
    return strong and (anchor or not bare_number)


def _fallback(s: str, ctx: _Ctx) -> datetime | None:
    if _RX_VAGUE.fullmatch(s):
        return None
    if _RX_CJK.search(s):
        # dateparser's Chinese is full of surprises ("2027年" -> year 4053, "周五 3" -> March):
        # it only gets text made of Chinese characters alone, i.e. what it reads word by word.
        if not _RX_CJK_ONLY.fullmatch(s) or not _RX_CJK_SIGNAL.search(s):
            return None
        langs = _LANGS_ZH
    else:
        if not _english_ok(s):
            return None
        langs = _LANGS_EN
    try:
        got = _dateparser().parse(s, languages=langs, settings=_dp_settings(ctx.local))
    except Exception:
        return None
    if not isinstance(got, datetime):
        return None
    got = got.replace(tzinfo=None)
    if not _RX_TIME_SIGNAL.search(s):
        got = got.replace(hour=DEFAULT_HOUR, minute=0)
    try:
        return _aware(got, ctx.zone)
    except (ValueError, OverflowError):
        return None


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------

_EDGE = " \t\r\n\u3000\u00a0,，:：;；、。.!！?？~～-–—"
_REMAINDER_EDGE = " \t\r\n\u3000\u00a0,，:：;；、。~～-–—"


def _parse(text: str, ctx: _Ctx) -> datetime | None:
    s = _norm(text).strip(_EDGE)
    if not s:
        return None
    for end, dt in _candidates(s, 0, ctx):
        if end == len(s):
            return dt
    return _fallback(s, ctx)


def parse_when(text: str, *, now: datetime, tz: str) -> datetime | None:
    """The whole of `text` is a time expression (Chinese or English) -> aware datetime in `tz`, or None."""
    try:
        if not isinstance(text, str) or len(text) > MAX_LEN:
            return None
        return _parse(text, _ctx(now, tz))
    except Exception:
        return None


_RX_DANGLING_EN = re.compile(r"(?:^|\s)(?:on|by|at|before)$", re.IGNORECASE)
_NOT_DANGLING_CN = frozenset("关对由等位现正存实属处至终基鉴")
_CN_STARTERS = frozenset("今明后大下本这上周星礼凌半深清早一中午傍晚夜月在于") | _CN_NUM_SET


def _clean(rest: str) -> str:
    return rest.strip(_REMAINDER_EDGE)


def _clean_before(rest: str) -> str:
    """The words before a trailing time: drop a dangling connective ("send quote on", "发送报价在")."""
    rest = _clean(rest)
    m = _RX_DANGLING_EN.search(rest)
    if m:
        rest = _clean(rest[: m.start()])
    elif rest[-1:] in ("在", "于") and rest[-2:-1] not in _NOT_DANGLING_CN:
        rest = _clean(rest[:-1])
    return rest


def _can_start(s: str, i: int) -> bool:
    c = s[i]
    prev = s[i - 1] if i > 0 else ""
    if c in _ALNUM:
        return prev not in _ALNUM or prev == ""
    if c in _CN_STARTERS:
        if c in _CN_NUM_SET and prev in _CN_NUM_SET:
            return False
        if c in ("在", "于") and prev in _NOT_DANGLING_CN:
            return False
        return True
    return False


def _extract(text: str, ctx: _Ctx) -> tuple[datetime | None, str]:
    s = _norm(text)
    n = len(s)
    # 1. the longest expression at the start
    i = 0
    while i < n and s[i] in _EDGE:
        i += 1
    if i < n:
        for end, dt in _candidates(s, i, ctx):
            return dt, _clean(text[end:])
    # 2. an expression that runs to the end
    tail = len(s.rstrip(_EDGE))
    for st in range(max(i + 1, tail - SCAN_WINDOW), tail):
        if not _can_start(s, st):
            continue
        for end, dt in _candidates(s, st, ctx):
            if end == tail:
                return dt, _clean_before(text[:st])
    # 3. dateparser, on runs of English date words at the start, then at the end
    words = [m for m in re.finditer(r"[^\s,，:：;；]+", s[:tail])]
    if words and not _RX_CJK.search(s[words[0].start(): words[min(len(words), 6) - 1].end()]):
        for k in range(min(6, len(words)), 0, -1):
            span = s[words[0].start(): words[k - 1].end()]
            dt = _fallback(span, ctx) if _english_ok(span) else None
            if dt is not None:
                return dt, _clean(text[words[k - 1].end():])
    if len(words) > 1:
        for k in range(min(6, len(words) - 1), 0, -1):
            first = words[len(words) - k]
            span = s[first.start(): tail]
            if _RX_CJK.search(span) or not _english_ok(span):
                continue
            dt = _fallback(span, ctx)
            if dt is not None:
                return dt, _clean_before(text[: first.start()])
    return None, _clean(text)


def extract_when(text: str, *, now: datetime, tz: str) -> tuple[datetime | None, str]:
    """A time expression at the start (preferred, longest) or at the end of `text`, and the rest.

    ``"明天下午3点 发送报价"`` -> (tomorrow 15:00, "发送报价"); ``"send quote on friday"`` ->
    (Friday 09:00, "send quote"); ``"send quote"`` -> (None, "send quote").
    """
    if not isinstance(text, str):
        return None, ""
    try:
        if len(text) > MAX_EXTRACT_LEN:
            return None, _clean(text)
        return _extract(text, _ctx(now, tz))
    except Exception:
        try:
            return None, _clean(text)
        except Exception:
            return None, ""


def warm() -> None:
    """Load dateparser and its English and Chinese data (the first call per language is slow)."""
    try:
        dp = _dateparser()
        base = datetime(2026, 1, 5, 10, 0)
        for text in ("tomorrow 3pm", "the day after tomorrow", "5:30 in the afternoon", "december 5th, 2026"):
            dp.parse(text, languages=_LANGS_EN, settings=_dp_settings(base))
        for text in ("2026年12月5日 15时30分", "3天前"):
            dp.parse(text, languages=_LANGS_ZH, settings=_dp_settings(base))
        ctx = _ctx(datetime.now(timezone.utc), "UTC")
        _parse("明天下午3点", ctx)
        _extract("friday 2pm send quote", ctx)
    except Exception:
        pass
