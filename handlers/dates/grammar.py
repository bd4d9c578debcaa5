"""Whole expressions: ``[lead] date [sep] time [trail]`` or ``[lead] time [sep] date``, read
straight into datetimes."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from . import en, zh
from dataclasses import replace

from .common import ALNUM, EN_NUM, Ctx, DateSpec, TimeSpec, aware, number
from .times import time_of_day, times

_DATE_RULES = zh.DATE_RULES + en.DATE_RULES   # in order: of two readings as long, the earlier wins

_RX_LEAD = re.compile(r"(?:(on|at|by|before)\s+|([在于])\s*)")
_RX_SEP_DT = re.compile(r"\s*(?:,\s*)?(?:((?:at|@)(?=[\s0-9])|t(?=[0-9]))\s*|的\s*)?")
_RX_SEP_TD = re.compile(r"\s*(?:,\s*)?(?:on\s+)?")
_RX_TRAIL = re.compile(r"\s*(?:之前|以前|左右|前后|前)")
_RX_PERIOD_AFTER = re.compile(r"\s*,?\s*(?:in\s+the\s+)?(morning|afternoon|evening|night)(?![a-z])")
_RX_FROM_TIME = re.compile(rf"({EN_NUM})\s*(minutes?|mins?|hours?|hrs?)\s+(?:from|after|past)\s+")

_Reading = tuple[int, DateSpec | None, TimeSpec | None]


def _dates(s: str, i: int, ctx: Ctx) -> list[tuple[int, DateSpec]]:
    out = []
    for rx, fn in _DATE_RULES:
        m = rx.match(s, i)
        if m:
            try:
                d = fn(m, ctx)
            except (ValueError, OverflowError, KeyError, TypeError):
                d = None
            if d is not None and (d.day is not None or d.delta is not None):
                out.append((m.end(), d))
    return out


def _readings(s: str, i: int, ctx: Ctx) -> list[_Reading]:
    """Every (end, date, time) starting at s[i]: a date with or without a time after it, or a
    time with or without a date after it."""
    at = False
    ml = _RX_LEAD.match(s, i)
    if ml:
        at = ml.group(1) == "at"
        i = ml.end()
    raw: list[_Reading] = []
    for d_end, d in _dates(s, i, ctx):
        raw.append((d_end, d, None))
        if d.delta is None:
            sep = _RX_SEP_DT.match(s, d_end)
            # "tonight 8": a bare hour after a date that names a part of day
            for t_end, t in times(s, sep.end(), bool(sep.group(1) and sep.group(1) != "t") or d.period is not None):
                raw.append((t_end, d, t))
    for t_end, t in times(s, i, at):
        raw.append((t_end, None, t))
        raw.extend(_time_then_date(s, t_end, t, ctx, bare=False))
    if not at:
        for t_end, t in times(s, i, True):   # "8 tonight", "9 tomorrow morning": a bare hour
            if t.kind == "clock" and t.ap is None and t.period is None:
                raw.extend(_time_then_date(s, t_end, t, ctx, bare=True))
    return raw


def _time_then_date(s: str, t_end: int, t: TimeSpec, ctx: Ctx, bare: bool) -> list[_Reading]:
    """A date after a time, and a part of day after both ("at 5 tomorrow afternoon").  A bare
    hour counts only when a part of day says which half of the day it is in."""
    out: list[_Reading] = []
    sep = _RX_SEP_TD.match(s, t_end)
    for d_end, d in _dates(s, sep.end(), ctx):
        if d.delta is not None:
            continue
        if not bare or d.period is not None:
            out.append((d_end, d, t))
        mp = _RX_PERIOD_AFTER.match(s, d_end)
        if mp and t.kind == "clock" and t.ap is None and t.period is None and d.period is None:
            out.append((mp.end(), d, replace(t, period=mp.group(1))))
    return out


def _resolve(ctx: Ctx, d: DateSpec | None, t: TimeSpec | None) -> datetime | None:
    try:
        if d is not None and d.delta is not None:
            if t is not None:
                return None
            return (ctx.now_utc + d.delta).astimezone(ctx.zone).replace(second=0, microsecond=0)
        hm = time_of_day(t, d.period if d is not None else None)
        if hm is None:
            return None
        h, m, shift = hm
        naive = datetime.combine(d.day if d is not None else ctx.today, time(h, m)) + timedelta(days=shift)
        if d is None and naive <= ctx.local:
            if not t.rolls:
                return None              # "eod" said after five: which day's end is not clear
            later = time_of_day(t, None, evening=True) if ctx.evening_hours else None
            tonight = datetime.combine(ctx.today, time(later[0], later[1])) if later and later[2] == 0 else None
            if tonight is not None and tonight > ctx.local:
                naive = tonight          # the other reading: "7点" said at 10:00 is 19:00 today
            else:
                naive += timedelta(days=1)   # a time of day alone that is not after now: tomorrow
        return aware(naive, ctx.zone)
    except (ValueError, OverflowError):
        return None


def _from_time(s: str, i: int, ctx: Ctx) -> list[tuple[int, datetime]]:
    """"15 minutes from 1pm", "2 hours after noon": that time plus the span."""
    m = _RX_FROM_TIME.match(s, i)
    n = number(m.group(1)) if m else None
    if not n:
        return []
    span = timedelta(hours=n) if m.group(2).startswith("h") else timedelta(minutes=n)
    return [(end, aware(dt.replace(tzinfo=None) + span, ctx.zone))
            for end, dt in candidates(s, m.end(), ctx) if dt.second == 0]


def candidates(s: str, i: int, ctx: Ctx) -> list[tuple[int, datetime]]:
    """Every reading of an expression starting at s[i]: [(end, datetime)], longest first."""
    out = _from_time(s, i, ctx)
    for end, d, t in _readings(s, i, ctx):
        if end < len(s) and s[end - 1] in ALNUM and s[end] in ALNUM:
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
