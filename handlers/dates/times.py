"""Times of day in either language: every reading at a position, and its hour and minute."""
from __future__ import annotations

import re

from . import en, zh
from .common import DEFAULT_HOUR, NB, TimeSpec, alt

_PERIODS = {**zh.PERIODS, **en.PERIODS}
_PERIOD_DEFAULT = {"morning": (9, 0, 0), "noon": (12, 0, 0), "afternoon": (14, 0, 0),
                   "evening": (18, 0, 0), "night": (20, 0, 0)}

_RX_PERIOD = re.compile(r"(?:in\s+the\s+|at\s+)?(" + alt(_PERIODS) + ")" + NB)
_RX_AT = re.compile(r"(?:at|@)(?=[\s0-9])\s*")
_RX_WS = re.compile(r"\s*")
_CLOCKS = (en.noon, zh.clock, en.clock)


def times(s: str, i: int, at: bool) -> list[tuple[int, TimeSpec]]:
    """Every time-of-day reading starting at s[i]: [(end, TimeSpec)].  `at`: "at" came before."""
    out: list[tuple[int, TimeSpec]] = []
    starts: list[tuple[int, str | None, bool]] = [(i, None, at)]
    mp = _RX_PERIOD.match(s, i)
    if mp:
        period = _PERIODS[mp.group(1)]
        out.append((mp.end(), TimeSpec(kind="period", period=period)))
        ws = _RX_WS.match(s, mp.end()).end()
        ma = _RX_AT.match(s, ws)
        starts.append((ma.end() if ma else ws, period, ma is not None))
    for start, period, at_here in starts:
        for read in _CLOCKS:
            got = read(s, start, period, at_here)
            if got is not None:
                out.append(got)
    return out


def time_of_day(t: TimeSpec | None, period: str | None, evening: bool = False) -> tuple[int, int, int] | None:
    """-> (hour, minute, days to add to the date) or None when the values make no sense.
    `period` is the part of day the date implies (今晚, tonight); with no time at all, it or
    DEFAULT_HOUR gives the time.  `evening`: a bare 7-11 o'clock is read as 19-23 (the other
    reading of "7点" once 07:00 has passed today)."""
    if t is None:
        return _PERIOD_DEFAULT.get(period) if period else (DEFAULT_HOUR, 0, 0)
    period = t.period or (period if t.ap is None else None)
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
        got = (h % 12 + (12 if t.ap == "pm" else 0), m, 0)
    else:
        got = _clock_hour(h, m, period, t.h24, evening)
    if got is None or not t.shift:
        return got
    days, minutes = divmod(got[0] * 60 + got[1] + t.shift, 24 * 60)
    return (minutes // 60, minutes % 60, got[2] + days)


def _clock_hour(h: int, m: int, period: str | None, h24: bool, evening: bool = False) -> tuple[int, int, int] | None:
    """A clock hour without am/pm, read with the part of day it came with (if any)."""
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
    if h24 or h == 0 or h >= 13:
        return (h, m, 0)
    if 1 <= h <= 6 or (evening and 7 <= h <= 11):
        return (h + 12, m, 0)
    return (h, m, 0)
