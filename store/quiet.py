"""Quiet hours: a daily window in the user's own zone when only urgent alerts get through."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.errors import DomainError

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
OFF = "off"


def parse_window(text: str) -> tuple[time, time] | None:
    """'21:00-08:00' -> (21:00, 08:00); 'off' -> None. Anything else is refused (a clock past 23:59
    and a window that starts when it ends, each with its own words)."""
    if (text or "").strip().lower() in (OFF, "none", "关闭", "关"):
        return None
    m = _WINDOW.match(text or "")
    if not m:
        raise DomainError("err_quiet_format")
    h1, m1, h2, m2 = map(int, m.groups())
    wrong = [f"{h}:{mm:02d}" for h, mm in ((h1, m1), (h2, m2)) if h > 23 or mm > 59]
    if wrong:  # "25:00-07:00": the form is right, a clock is not
        raise DomainError("err_quiet_clock", time=wrong[0])
    if (h1, m1) == (h2, m2):  # "22:00-22:00": a window of no time (not all day: say off, or two times)
        raise DomainError("err_quiet_empty", time=f"{h1:02d}:{m1:02d}")
    return time(h1, m1), time(h2, m2)


def quiet_until(window: tuple[time, time] | None, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When the quiet window that `now` falls in ends (aware), or None if `now` is not quiet."""
    if window is None:
        return None
    start, end = window
    local = now.astimezone(tz)
    today_start = datetime.combine(local.date(), start, tz)
    today_end = datetime.combine(local.date(), end, tz)
    if start < end:  # e.g. 12:00-14:00, within one day
        return today_end if today_start <= local < today_end else None
    if local >= today_start:  # e.g. 21:00-08:00, the evening part
        return datetime.combine(local.date() + timedelta(days=1), end, tz)
    return today_end if local < today_end else None
