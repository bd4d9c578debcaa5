"""What the Chinese and English grammars share: normalisation, numerals, the zone and "now",
calendar arithmetic, and the readings a date or time rule gives."""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

DEFAULT_HOUR = 9

NB = r"(?![a-z])"          # end of an English word
NBD = r"(?![a-z0-9])"      # end of an English word or number
ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
RX_CJK = re.compile(r"[\u3400-\u9fff]")


def alt(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first."""
    return "(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + ")"


# ---------------------------------------------------------------------------------------------
# Normalisation (length-preserving, so positions in the normalised text are positions in the
# original one and extract_when can hand back the user's own words).
# ---------------------------------------------------------------------------------------------

_TRAD = str.maketrans({
    "點": "点", "時": "时", "週": "周", "後": "后", "號": "号", "兩": "两", "禮": "礼",
    "鐘": "钟", "個": "个", "這": "这", "〇": "零", "’": "'", "‘": "'", "聽": "听", "晝": "昼",
    "國": "国", "慶": "庆", "節": "节", "頭": "头", "間": "间", "曆": "历", "歲": "岁",
})


def norm(text: str) -> str:
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

_CN_DIGIT = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUM = "零一二两三四五六七八九十廿卅"
NUM = rf"(?:[0-9]{{1,2}}|[{CN_NUM}]{{1,3}})"      # hours, minutes, months, days
CNT = rf"(?:[0-9]{{1,4}}|[{CN_NUM}]{{1,3}})"      # counts in relative expressions

EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60, "ninety": 90,
    "thirteen": 13, "fourteen": 14, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "thirty-first": 31,
    **{f"twenty-{w}": 20 + n for w, n in (("first", 1), ("second", 2), ("third", 3), ("fourth", 4),
                                           ("fifth", 5), ("sixth", 6), ("seventh", 7), ("eighth", 8),
                                           ("ninth", 9))},
}
EN_ORD = r"(?:[0-9]{1,2}(?:st|nd|rd|th)|" + alt(EN_ORDINALS) + ")"


def ordinal(t: str) -> int | None:
    """'15th' / 'fifteenth' / 'twenty-first' -> int."""
    t = t.strip()
    if t[:1].isdigit():
        return int(re.match(r"[0-9]+", t).group(0))
    return EN_ORDINALS.get(t.replace(" ", "-"))
EN_NUM = "(?:[0-9]{1,4}|" + alt(EN_NUMBERS) + ")"


def number(t: str | None) -> int | None:
    """'12' / 'twelve' / '十二' / '二十三' / '两' / '零五' / '二零二七' -> int; None when not a number."""
    if not t:
        return None
    if t.isascii():
        return int(t) if t.isdigit() else EN_NUMBERS.get(t)
    if t[0] in "廿卅":
        rest = number(t[1:]) if len(t) > 1 else 0
        return None if rest is None or rest > 9 else (20 if t[0] == "廿" else 30) + rest
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


def zero_padded(digits: str) -> bool:
    """"03" in "03:30" / "03点": written as a 24-hour time."""
    return len(digits) == 2 and digits[0] == "0"


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
class Ctx:
    zone: tzinfo
    now_utc: datetime
    local: datetime  # naive wall-clock now in zone
    day_first: bool = False  # "15/2" style numeric dates (the user's locale)
    # The other readings people give the same words (see ``readings``): weeks that start on
    # Sunday ("下周三" said on a Sunday), "next Wednesday" meaning the coming one, and whether the
    # locale says which of "2/3" is the day.
    sunday_weeks: bool = False
    next_is_coming: bool = False
    order_known: bool = True
    # ... and two more: a bare weekday naming today ("friday 3pm" said on a Friday morning) as
    # today, and a bare 7-11 o'clock already past this morning ("7点" said at 10:00) as tonight.
    weekday_today: bool = False
    evening_hours: bool = False

    @property
    def today(self) -> date:
        return self.local.date()


_DAY_FIRST = frozenset({"en-gb", "en-au", "en-nz", "en-ie", "en-in", "en-za", "en-sg", "en-hk"})
_DAY_FIRST_LANGS = frozenset({"fr", "de", "es", "it", "pt", "nl", "ru", "pl", "tr", "id", "vi"})


def day_first(locale: str | None) -> bool:
    """Does this locale write the day before the month ("15/2")?  en-US, zh and unknown: no."""
    if not isinstance(locale, str):
        return False
    loc = locale.strip().lower().replace("_", "-")
    return loc in _DAY_FIRST or loc.split("-")[0] in _DAY_FIRST_LANGS


_MONTH_FIRST = frozenset({"en-us", "en-ph"})
_MONTH_FIRST_LANGS = frozenset({"zh", "ja", "ko"})   # 年/月/日 order: "2/3" is 2月3日


def order_known(locale: str | None) -> bool:
    """Does the locale say which number of "2/3" is the day?  en-US, zh, ja, ko and the day-first
    locales do; no locale, bare "en" or en-CA do not."""
    if not isinstance(locale, str):
        return False
    loc = locale.strip().lower().replace("_", "-")
    return day_first(locale) or loc in _MONTH_FIRST or loc.split("-")[0] in _MONTH_FIRST_LANGS


def make_ctx(now: datetime, tz: Any, locale: str | None = None) -> Ctx:
    zone = tz if isinstance(tz, tzinfo) else _zone(tz)
    if not isinstance(now, datetime):
        raise TypeError("now must be a datetime")
    if now.tzinfo is None or now.utcoffset() is None:
        now = now.replace(tzinfo=timezone.utc)
    now_utc = now.astimezone(timezone.utc)
    return Ctx(zone=zone, now_utc=now_utc, local=now_utc.astimezone(zone).replace(tzinfo=None),
               day_first=day_first(locale), order_known=order_known(locale))


def aware(naive: datetime, zone: tzinfo) -> datetime:
    """Attach zone; a wall time inside a DST gap moves forward by the gap."""
    naive = naive.replace(second=0, microsecond=0)
    return naive.replace(tzinfo=zone).astimezone(timezone.utc).astimezone(zone)


# ---------------------------------------------------------------------------------------------
# Calendar arithmetic
# ---------------------------------------------------------------------------------------------

def last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def add_months(y: int, m: int, k: int) -> tuple[int, int]:
    idx = y * 12 + (m - 1) + k
    return idx // 12, idx % 12 + 1


def month_first(today: date, k: int) -> date:
    """The 1st of the month k months from today's."""
    y, m = add_months(today.year, today.month, k)
    return date(y, m, 1)


def month_last(today: date, k: int) -> date:
    """The last day of the month k months from today's."""
    y, m = add_months(today.year, today.month, k)
    return date(y, m, last_day(y, m))


def month_end(today: date) -> date:
    """月底 / "end of month": this month's last day, or next month's when today is the last."""
    end = month_last(today, 0)
    return month_last(today, 1) if end == today else end


def safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except (ValueError, OverflowError):
        return None


def first_not_past(today: date, days: Iterable[date | None]) -> date | None:
    return next((d for d in days if d is not None and d >= today), None)


def next_month_day(today: date, m: int, d: int) -> date | None:
    """Month-day without a year: this year's, or the next year in which it exists and is not past."""
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return first_not_past(today, (safe_date(y, m, d) for y in range(today.year, today.year + 9)))


def next_day_of_month(today: date, d: int) -> date | None:
    """N号 / N日: the next such day of a month, this month included."""
    if not 1 <= d <= 31:
        return None
    months = (add_months(today.year, today.month, k) for k in range(0, 13))
    return first_not_past(today, (safe_date(y, m, d) for y, m in months))


def weekday_date(today: date, target: int, which: str | None, sunday: bool = False) -> date:
    """which: None (next strictly after today), 'this', 'next', 'next2', 'last' (calendar weeks,
    from Monday; from Sunday when `sunday`)."""
    if which is None:
        return today + timedelta(days=(target - today.weekday()) % 7 or 7)
    offset = {"this": 0, "next": 7, "next2": 14, "last": -7}[which]
    if sunday:
        start = today - timedelta(days=(today.weekday() + 1) % 7)
        return start + timedelta(days=offset + (target + 1) % 7)
    return today - timedelta(days=today.weekday()) + timedelta(days=offset + target)


def week_day(ctx: "Ctx", target: int, which: str | None) -> date:
    """weekday_date in the context's reading of weeks (and, for ``weekday_today``, a bare weekday
    that names today is today)."""
    if which is None and ctx.weekday_today and target == ctx.today.weekday():
        return ctx.today
    return weekday_date(ctx.today, target, which, ctx.sunday_weeks)


def nth_weekday(y: int, m: int, wd: int, n: int) -> date | None:
    """The n-th (1..5, or -1 for the last) weekday `wd` of month y-m; None when there is none."""
    if n == -1:
        end = date(y, m, last_day(y, m))
        return end - timedelta(days=(end.weekday() - wd) % 7)
    first = date(y, m, 1)
    day = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (n - 1))
    return day if day.month == m else None


# ---------------------------------------------------------------------------------------------
# Readings.  Each date rule's handler gives a DateSpec (or None when the values are not a real
# date); each time-of-day reader gives a TimeSpec.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DateSpec:
    day: date | None = None
    delta: timedelta | None = None   # exact offset from now (hours/minutes); no time may follow
    period: str | None = None        # implied part of day (今晚, tonight, 明早, this morning)


@dataclass(frozen=True)
class TimeSpec:
    kind: str                 # 'clock' | 'period' | 'noon' | 'midnight'
    period: str | None = None
    h: int = 0
    m: int = 0
    ap: str | None = None     # 'am' | 'pm'
    h24: bool = False         # written zero-padded: a 24-hour time
    shift: int = 0            # minutes to add ("quarter to 5" = 5:00 - 15)
    rolls: bool = True        # past today without a date: tomorrow ("eod" at 18:00 does not)


DateRule = tuple[re.Pattern[str], Callable[[re.Match[str], Ctx], DateSpec | None]]


def date_rule(rules: list[DateRule], pattern: str):
    """Decorator: append (pattern, handler) to `rules`; the grammar tries rules in that order."""
    rx = re.compile(pattern)

    def register(fn):
        rules.append((rx, fn))
        return fn
    return register


def days_ahead(ctx: Ctx, days: int, period: str | None = None) -> DateSpec:
    return DateSpec(day=ctx.today + timedelta(days=days), period=period)


def relative(n: float, unit: str, ctx: Ctx) -> DateSpec | None:
    """N units from now: minutes and hours exact, days and longer date-level."""
    if n <= 0 or n > 100000 or (unit == "year" and n > 50):
        return None
    if unit == "minute":
        return DateSpec(delta=timedelta(minutes=n))
    if unit == "hour":
        return DateSpec(delta=timedelta(hours=n))
    if unit == "day":
        if n != int(n):
            return DateSpec(delta=timedelta(days=n))  # 半天后: 12 hours
        return days_ahead(ctx, int(n))
    if unit == "week":
        return days_ahead(ctx, 7 * int(n)) if n == int(n) else None
    if unit == "fortnight":
        return days_ahead(ctx, int(14 * n))
    if unit == "year":
        if n != int(n):
            return None
        y = ctx.today.year + int(n)
        return DateSpec(day=date(y, ctx.today.month, min(ctx.today.day, last_day(y, ctx.today.month))))
    if unit == "month":
        whole = int(n)
        y, mo = add_months(ctx.today.year, ctx.today.month, whole)
        day = date(y, mo, min(ctx.today.day, last_day(y, mo)))
        if n != whole:
            day += timedelta(days=15)
        return DateSpec(day=day)
    return None
