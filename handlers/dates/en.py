"""English and numeric: the date rules (tomorrow, next Tuesday, Dec 5th, 2026-12-05, 12/5,
in 3 days ...), the parts of day and the clock (3pm, 15:30, at 3, noon)."""
from __future__ import annotations

import re

from .common import (
    EN_NUM, NB, NBD, Ctx, DateRule, DateSpec, TimeSpec, alt, date_rule, days_ahead, month_end, month_first,
    month_last, next_month_day, number, relative, safe_date, weekday_date, zero_padded,
)

DATE_RULES: list[DateRule] = []

WEEKDAYS = {"monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
            "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
            "saturday": 5, "sunday": 6}
MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
          "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
          "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9,
          "sep": 9, "oct": 10, "nov": 11, "dec": 12}
PERIODS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night"}

_DAYWORDS = {
    "today": (0, None), "tonight": (0, "night"), "tomorrow": (1, None), "tmrw": (1, None),
    "tmr": (1, None), "tomorow": (1, None), "tommorow": (1, None), "tommorrow": (1, None),
    "this morning": (0, "morning"), "this afternoon": (0, "afternoon"), "this evening": (0, "evening"),
}
_WD = alt(WEEKDAYS)
_MON = alt(MONTHS)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = rf"(?:\s*,?\s*([0-9]{{4}}){NBD})?"   # ", 2026" after a month and day
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|months?|fortnights?)"
_UNIT_NAME = {"min": "minute", "h": "hour", "hr": "hour", "hour": "hour", "day": "day", "week": "week",
              "wk": "week", "month": "month", "fortnight": "fortnight", "minute": "minute"}


def _unit(u: str) -> str:
    return _UNIT_NAME[u[:-1] if u.endswith("s") and u[:-1] in _UNIT_NAME else u]


def _year(t: str | None) -> int | None:
    if not t:
        return None
    y = int(t)
    return y + 2000 if len(t) == 2 else y


def _md(ctx: Ctx, y: int | None, mo: int, d: int) -> DateSpec | None:
    if y is not None:
        if not 2000 <= y <= 2199:
            return None
        return DateSpec(day=safe_date(y, mo, d))
    return DateSpec(day=next_month_day(ctx.today, mo, d))


@date_rule(DATE_RULES, alt(_DAYWORDS) + NB)
def _dayword(m, ctx):
    return days_ahead(ctx, *_DAYWORDS[m.group(0)])


@date_rule(DATE_RULES, r"(?:the\s+)?day\s+after\s+(?:tomorrow|tmrw|tmr)" + NB)
def _overmorrow(m, ctx):
    return days_ahead(ctx, 2)


@date_rule(DATE_RULES, rf"(?:(next|this|coming)\s+)?({_WD})\.?" + NB)
def _weekday(m, ctx):
    which = "next" if m.group(1) == "next" else None
    return DateSpec(day=weekday_date(ctx.today, WEEKDAYS[m.group(2)], which))


@date_rule(DATE_RULES, r"next\s+week" + NB)
def _next_week(m, ctx):
    return DateSpec(day=weekday_date(ctx.today, 0, "next"))  # its Monday


@date_rule(DATE_RULES, r"next\s+month" + NB)
def _next_month(m, ctx):
    return DateSpec(day=month_first(ctx.today, 1))


@date_rule(DATE_RULES, r"(?:(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom)" + NB)
def _month_end(m, ctx):
    return DateSpec(day=month_end(ctx.today))


@date_rule(DATE_RULES, r"(?:the\s+)?end\s+of\s+next\s+month" + NB)
def _next_month_end(m, ctx):
    return DateSpec(day=month_last(ctx.today, 1))


@date_rule(DATE_RULES, rf"({_MON})\.?{NB}\s*([0-9]{{1,2}}){_ORD}{NBD}{_YEAR}")
def _month_day(m, ctx):
    return _md(ctx, _year(m.group(3)), MONTHS[m.group(1)], int(m.group(2)))


@date_rule(DATE_RULES, rf"(?:the\s+)?([0-9]{{1,2}}){_ORD}\s*(?:of\s+)?({_MON})\.?{NB}{_YEAR}")
def _day_month(m, ctx):
    return _md(ctx, _year(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))


@date_rule(DATE_RULES, r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
def _iso(m, ctx):
    return _md(ctx, int(m.group(1)), int(m.group(2)), int(m.group(3)))


@date_rule(DATE_RULES, r"([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}|[0-9]{2}))?(?![0-9/])")
def _month_slash_day(m, ctx):
    return _md(ctx, _year(m.group(3)), int(m.group(1)), int(m.group(2)))


@date_rule(DATE_RULES, rf"in\s+(?:(half\s+an?|a\s+half)|({EN_NUM}))\s*({_UNIT}){NB}(\s+and\s+a\s+half{NB})?")
def _in(m, ctx):
    n = 0.5 if m.group(1) else number(m.group(2))
    if n is None:
        return None
    if m.group(4):
        n += 0.5
    return relative(n, _unit(m.group(3)), ctx)


@date_rule(DATE_RULES, rf"({EN_NUM})\s*({_UNIT}){NB}\s+(?:from\s+now|later){NB}")
def _from_now(m, ctx):
    n = number(m.group(1))
    return relative(n, _unit(m.group(2)), ctx) if n is not None else None


# --- the clock --------------------------------------------------------------------------------

_RX_CLOCK = re.compile(
    r"([0-9]{1,2})(?:\s*:\s*([0-9]{2}))?(?![0-9])(?:\s*(a\.?m\.?|p\.?m\.?)(?![a-z])|\s*(o'?clock)" + NB + ")?"
)
_RX_NOON = re.compile(r"(noon|midday|midnight)" + NB)


def clock(s: str, i: int, period: str | None, at: bool) -> tuple[int, TimeSpec] | None:
    """3pm / 3:30 / 15:30 / 5 o'clock, or a bare hour after "at", at s[i] -> (end, reading)."""
    m = _RX_CLOCK.match(s, i)
    if not m or not (m.group(2) or m.group(3) or m.group(4) or at):
        return None
    ap = None
    if m.group(3):
        ap = "am" if m.group(3)[0] == "a" else "pm"
    return m.end(), TimeSpec(kind="clock", period=period, h=int(m.group(1)), m=int(m.group(2) or 0),
                             ap=ap, h24=zero_padded(m.group(1)))


def noon(s: str, i: int, period: str | None, at: bool) -> tuple[int, TimeSpec] | None:
    """noon / midday / midnight at s[i] -> (end, reading)."""
    m = _RX_NOON.match(s, i)
    if not m:
        return None
    return m.end(), TimeSpec(kind="midnight" if m.group(1) == "midnight" else "noon", period=period)
