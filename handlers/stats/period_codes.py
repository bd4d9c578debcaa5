"""Periods written as codes: 2026-10 (a month), 2026-W44 (an ISO week), 2026-11-03 (a day).

Plain text to (unit, first day), with nothing else imported, so `python -m bot report` can refuse a
bad --period before it loads the store.
"""
from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def period_code(text: str) -> tuple[str, date] | None:
    """("month" | "week" | "day", its first day), or None for anything else (month 13, week 54, 31 February)."""
    text = (text or "").strip()
    try:
        if m := _MONTH.match(text):
            return "month", date(int(m[1]), int(m[2]), 1)
        if m := _WEEK.match(text):
            return "week", date.fromisocalendar(int(m[1]), int(m[2]), 1)
        if m := _DAY.match(text):
            return "day", date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None
    return None
