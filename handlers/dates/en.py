"""English and numeric: the date rules (tomorrow, next Tuesday, Dec 5th, 2026-12-05, 12/5,
in 3 days ...), the parts of day and the clock (3pm, 15:30, at 3, noon)."""
from __future__ import annotations

import re

from datetime import date, timedelta

from .common import (
    EN_NUMBERS, EN_ORD, NB, NBD, Ctx, DateRule, DateSpec, TimeSpec, add_months, alt, date_rule,
    days_ahead, first_not_past, month_end, month_first, month_last, next_day_of_month, next_month_day,
    nth_weekday, number, ordinal, relative, safe_date, week_day, zero_padded,
)

DATE_RULES: list[DateRule] = []

WEEKDAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2, "weds": 2,
            "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
            "saturday": 5, "sat": 5, "sunday": 6, "sun": 6}
AMBIGUOUS = frozenset({"sat", "sun", "mar", "may", "wed"})   # words too, unless the whole text
MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
          "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
          "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9,
          "sep": 9, "oct": 10, "nov": 11, "dec": 12}
PERIODS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night"}

_DAYWORDS = {
    "today": (0, None), "tonight": (0, "night"), "tomorrow": (1, None), "tmrw": (1, None),
    "tmr": (1, None), "tmw": (1, None), "tomorow": (1, None), "tommorow": (1, None), "tommorrow": (1, None),
    "2morrow": (1, None), "2morow": (1, None), "2moro": (1, None), "tomoz": (1, None),
    "this morning": (0, "morning"), "this afternoon": (0, "afternoon"), "this evening": (0, "evening"),
    "tomorrow night": (1, "night"),
}
_TOMORROW = r"(?:tomorrow|tmrw|tmr|tmw|2morrow|2moro)"
_NEXT = r"(?:next|nxt)"
_WD = alt(WEEKDAYS)
_MON = alt(MONTHS)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = rf"(?:\s*,?\s*([0-9]{{4}}){NBD})?"   # ", 2026" after a month and day
_DAY = rf"([0-9]{{1,2}}{_ORD}|{EN_ORD})"      # 5 / 5th / fifth
_UNIT = r"(?:minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|mos?|years?|yrs?|y|fortnights?)"
_UNIT_NAME = {"min": "minute", "m": "minute", "h": "hour", "hr": "hour", "hour": "hour", "day": "day",
              "d": "day", "week": "week", "wk": "week", "w": "week", "month": "month", "mo": "month",
              "year": "year", "yr": "year", "y": "year", "fortnight": "fortnight", "minute": "minute"}
_AMOUNT = {"a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2, "a few": 3, "few": 3}
_QTY = rf"(?:(half\s+an?|a\s+half)|({alt(_AMOUNT)})|([0-9]{{1,4}}(?:\.[0-9]{{1,2}})?|{alt(EN_NUMBERS)}))"
_NTH = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
        "fifth": 5, "5th": 5, "last": -1}


def _unit(u: str) -> str:
    return _UNIT_NAME[u[:-1] if u.endswith("s") and u[:-1] in _UNIT_NAME else u]


def _qty(m, base: int) -> float | None:
    """The amount of an _QTY match whose groups start at `base`."""
    if m.group(base):
        return 0.5
    if m.group(base + 1):
        return _AMOUNT[re.sub(r"\s+", " ", m.group(base + 1))]
    raw = m.group(base + 2)
    return float(raw) if "." in raw else number(raw)


def _year(t: str | None) -> int | None:
    if not t:
        return None
    y = int(t)
    return y + 2000 if len(t) == 2 else y


def _md(ctx: Ctx, y: int | None, mo: int, d: int | None) -> DateSpec | None:
    if d is None:
        return None
    if y is not None:
        if not 2000 <= y <= 2199:
            return None
        return DateSpec(day=safe_date(y, mo, d))
    return DateSpec(day=next_month_day(ctx.today, mo, d))


def _day(t: str) -> int | None:
    return ordinal(t) if not t.isdigit() else int(t)


@date_rule(DATE_RULES, alt(_DAYWORDS) + NB)
def _dayword(m, ctx):
    return days_ahead(ctx, *_DAYWORDS[m.group(0)])


@date_rule(DATE_RULES, rf"(?:the\s+)?day\s+after\s+{_TOMORROW}" + NB)
def _overmorrow(m, ctx):
    return days_ahead(ctx, 2)


_WEEK_AFTER = {"next week": "next", "nxt week": "next", "next wk": "next", "nxt wk": "next",
               "after next": "next2", "week after next": "next2", "this week": "this"}


@date_rule(DATE_RULES, rf"(?:({_NEXT}|this\s+coming|this|coming)\s+)?({_WD})\.?{NB}"
                       rf"(?:\s*,?\s+(?:of\s+|the\s+)?({alt(_WEEK_AFTER)}){NB})?")
def _weekday(m, ctx):
    lead = m.group(1) or ""
    after = _WEEK_AFTER.get(re.sub(r"\s+", " ", m.group(3) or ""))
    if lead and after:
        return None
    which = after or ("next" if lead in ("next", "nxt") and not ctx.next_is_coming else None)
    return DateSpec(day=week_day(ctx, WEEKDAYS[m.group(2)], which))


@date_rule(DATE_RULES, rf"({_NEXT}\s+(?:week|wk)|(?:the\s+)?week\s+after\s+next)\s*,?\s*(?:on\s+)?({_WD}){NB}")
def _week_weekday(m, ctx):
    which = "next2" if "after" in m.group(1) else "next"
    return DateSpec(day=week_day(ctx, WEEKDAYS[m.group(2)], which))


@date_rule(DATE_RULES, rf"{_NEXT}\s+(?:week|wk)" + NB)
def _next_week(m, ctx):
    return DateSpec(day=week_day(ctx, 0, "next"))  # its Monday


@date_rule(DATE_RULES, rf"{_NEXT}\s+month" + NB)
def _next_month(m, ctx):
    return DateSpec(day=month_first(ctx.today, 1))


@date_rule(DATE_RULES, r"(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom)" + NB)
def _month_end(m, ctx):
    return DateSpec(day=month_end(ctx.today))


@date_rule(DATE_RULES, r"(?:the\s+)?end\s+of\s+next\s+month" + NB)
def _next_month_end(m, ctx):
    return DateSpec(day=month_last(ctx.today, 1))


@date_rule(DATE_RULES, r"(?:the\s+)?(?:end\s+of\s+(?:the\s+|this\s+)?year|eoy)" + NB)
def _year_end(m, ctx):
    end = date(ctx.today.year, 12, 31)
    return DateSpec(day=end if end > ctx.today else date(ctx.today.year + 1, 12, 31))


@date_rule(DATE_RULES, rf"({_MON})\.?{NB}\s*(?:the\s+)?{_DAY}{NBD}{_YEAR}")
def _month_day(m, ctx):
    return _md(ctx, _year(m.group(3)), MONTHS[m.group(1)], _day(m.group(2)))


@date_rule(DATE_RULES, rf"(?:the\s+)?{_DAY}\s*(?:of\s+)?({_MON})\.?{NB}{_YEAR}")
def _day_month(m, ctx):
    return _md(ctx, _year(m.group(3)), MONTHS[m.group(2)], _day(m.group(1)))


@date_rule(DATE_RULES, rf"(?:({_WD})\.?\s*,?\s*)?the\s+({EN_ORD}){NBD}"
                       rf"(?:\s+of\s+(?:(the|this)\s+month|({_NEXT})\s+month))?")
def _ordinal_day(m, ctx):
    d = ordinal(m.group(2))
    if d is None:
        return None
    wd = WEEKDAYS[m.group(1)] if m.group(1) else None
    if m.group(4):
        day = safe_date(*add_months(ctx.today.year, ctx.today.month, 1), d)
    elif m.group(3):
        day = safe_date(ctx.today.year, ctx.today.month, d)
    elif wd is not None:   # "Tuesday the 19th": the next 19th that is a Tuesday, this month or
        # the two after; further away it is more likely a slip ("friday the 5th") than a plan
        months = (add_months(ctx.today.year, ctx.today.month, k) for k in range(3))
        day = first_not_past(ctx.today, (x for x in (safe_date(y, mo, d) for y, mo in months)
                                         if x is not None and x.weekday() == wd))
    else:
        day = next_day_of_month(ctx.today, d)
    if day is None or (wd is not None and day.weekday() != wd):
        return None
    return DateSpec(day=day)


@date_rule(DATE_RULES, rf"(?:the\s+)?({alt(_NTH)})\s+({_WD}){NB}\s+(?:of|in)\s+"
                       rf"(?:({_MON}){NB}|(the|this)\s+month|({_NEXT})\s+month){NB}")
def _nth_weekday(m, ctx):
    n, wd = _NTH[m.group(1)], WEEKDAYS[m.group(2)]
    if m.group(3):
        mo = MONTHS[m.group(3)]
        years = (ctx.today.year, ctx.today.year + 1)
        return DateSpec(day=first_not_past(ctx.today, (nth_weekday(y, mo, wd, n) for y in years)))
    y, mo = add_months(ctx.today.year, ctx.today.month, 1 if m.group(5) else 0)
    return DateSpec(day=nth_weekday(y, mo, wd, n))


@date_rule(DATE_RULES, r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
def _iso(m, ctx):
    return _md(ctx, int(m.group(1)), int(m.group(2)), int(m.group(3)))


@date_rule(DATE_RULES, r"([0-9]{1,2})([/-])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?(?![0-9/:-])")
def _numeric_date(m, ctx):
    a, b, y = int(m.group(1)), int(m.group(3)), _year(m.group(4))
    if ctx.day_first and a <= 31 and b <= 12:
        return _md(ctx, y, b, a)
    if a > 12 and b <= 12:
        return _md(ctx, y, b, a)       # 15/2 can only be the 15th of February
    return _md(ctx, y, a, b) if a <= 12 else None


@date_rule(DATE_RULES, rf"in\s+{_QTY}\s*({_UNIT}){NB}(\s+and\s+a\s+half{NB})?")
def _in(m, ctx):
    n = _qty(m, 1)
    if n is None:
        return None
    if m.group(5):
        n += 0.5
    return relative(n, _unit(m.group(4)), ctx)


@date_rule(DATE_RULES, rf"(?:{_QTY})\s*({_UNIT}){NB}\s+(?:from\s+(now|today|{_TOMORROW})|later|after\s+(today|{_TOMORROW})){NB}")
def _from_now(m, ctx):
    n = _qty(m, 1)
    if n is None:
        return None
    base = m.group(5) or m.group(6) or "now"
    got = relative(n, _unit(m.group(4)), ctx)
    if got is None or base in ("now", "today"):
        return got
    if got.day is None:
        return None   # "2 hours from tomorrow": not a reading anyone means
    return DateSpec(day=got.day + timedelta(days=1))


# --- the clock --------------------------------------------------------------------------------

_HOUR_WORDS = {k: v for k, v in EN_NUMBERS.items() if 1 <= v <= 12 and k not in ("a", "an")}
_HOUR = rf"([0-9]{{1,2}}|{alt(_HOUR_WORDS)}{NB})"
_AP = r"(a\.?m\.?|p\.?m\.?|a|p)(?![a-z])"
_RX_CLOCK = re.compile(
    _HOUR + r"(?:\s*[:.]\s*([0-9]{2}))?(?![0-9])"
    r"(?:\s*(o'?clock)(?![a-z]))?"
    rf"(?:\s*{_AP}|\s*(ish)(?![a-z])|\s+in\s+the\s+(am|pm|morning|afternoon|evening|night)(?![a-z]))?"
)
_RX_NOON = re.compile(r"(noon|midday|midnight)" + NB)
_RX_EOD = re.compile(r"(?:eod|cob|eob|(?:the\s+)?(?:end|close)\s+of\s+(?:the\s+)?(?:business\s+)?day"
                     r"|close\s+of\s+business|end\s+of\s+business)" + NB)
_RX_IDIOM = re.compile(r"(half|(?:a\s+)?quarter|([0-9]{1,2}|" + alt(EN_NUMBERS) + r")(?:\s+min(?:ute)?s?)?)"
                       r"\s+(past|after|to|till|til|before)\s+")
EOD_HOUR = 17


def clock(s: str, i: int, period: str | None, at: bool) -> tuple[int, TimeSpec] | None:
    """3pm / 3p / 3:30 / 15:30 / 5 o'clock / 3ish / 3 in the am / half past 3, or a bare hour after
    "at", at s[i] -> (end, reading)."""
    idiom = _idiom(s, i, period)
    if idiom is not None:
        return idiom
    m = _RX_CLOCK.match(s, i)
    if not m:
        return None
    marked = m.group(2) or m.group(3) or m.group(4) or m.group(5) or m.group(6)
    if not marked and not at:
        return None
    word = not m.group(1)[0].isdigit()
    if word and m.group(2):
        return None
    if m.group(2) and s[m.start(2) - 1] == "." and not (m.group(4) or m.group(6)):
        return None   # "3.15" alone is a number, not a time
    ap = None
    if m.group(4):
        ap = "am" if m.group(4)[0] == "a" else "pm"
    elif m.group(6) in ("am", "pm"):
        ap = m.group(6)
    elif m.group(6):
        period = m.group(6)
    h = number(m.group(1))
    return m.end(), TimeSpec(kind="clock", period=period, h=h, m=int(m.group(2) or 0),
                             ap=ap, h24=not word and zero_padded(m.group(1)))


def _idiom(s: str, i: int, period: str | None) -> tuple[int, TimeSpec] | None:
    """half past 3 / quarter to 5 / 10 past 4pm / twenty to six."""
    m = _RX_IDIOM.match(s, i)
    if not m:
        return None
    if m.group(1) == "half":
        mins = 30
    elif "quarter" in m.group(1):
        mins = 15
    else:
        mins = number(m.group(2))
    if mins is None or not 1 <= mins <= 59 or (m.group(1) == "half" and m.group(3) != "past"):
        return None
    inner = _RX_CLOCK.match(s, m.end())
    if not inner or inner.group(2) or inner.group(5):
        return None
    end, t = clock(s, m.end(), period, True)
    back = m.group(3) in ("to", "till", "til", "before")
    return end, TimeSpec(kind="clock", period=t.period, h=t.h, m=0, ap=t.ap, h24=t.h24,
                         shift=-mins if back else mins)


def noon(s: str, i: int, period: str | None, at: bool) -> tuple[int, TimeSpec] | None:
    """noon / midday / midnight / eod / end of day at s[i] -> (end, reading)."""
    m = _RX_NOON.match(s, i)
    if m:
        return m.end(), TimeSpec(kind="midnight" if m.group(1) == "midnight" else "noon", period=period)
    m = _RX_EOD.match(s, i)
    if m:
        return m.end(), TimeSpec(kind="clock", h=EOD_HOUR, h24=True, rolls=False)
    return None
