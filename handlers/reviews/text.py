"""How a month is named in the reviews: 2026年11月 / November 2026 (CLDR, as the figures' months)."""
from __future__ import annotations

from datetime import date

from handlers import showdates as show


def month_label(month: str, loc: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return show.month(date(year, number, 1), loc)
