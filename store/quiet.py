"""Quiet hours: a daily window in the user's own zone when only urgent alerts get through."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.errors import DomainError

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
OFF = "off"


def parse_window(text: str) -> tuple[time, time] | None:
    """'21:00-08:00' -> (21:00, 08:00); 'off' -> None. Anything else is refused."""
    if (text or "").strip().lower() in (OFF, "none", "关闭", "关"):
        return None
    m = _WINDOW.match(text or "")
    if not m:
        raise DomainError("err_quiet_format")
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise DomainError("err_quiet_format")
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
