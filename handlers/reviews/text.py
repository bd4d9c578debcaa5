"""How a month is named in the reviews: 2026年11月 / November 2026 (the figures' own key, fig_period_month)."""
from __future__ import annotations

from datetime import date

from handlers.i18n import lang, t
from handlers.texts import ZH


def month_label(month: str, loc: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return t(loc, "fig_period_month", year=year, month=number if lang(loc) == ZH else f"{date(year, number, 1):%B}")
