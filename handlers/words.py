"""Words every feature shows the same way: a person, a rule's action in the reader's language, a
stage with its status, a period of the figures. Shared (like blocks and texts), so a feature shows
another's things without importing it."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from handlers.blocks import escape, mention, vocab
from handlers.i18n import ZH, lang, t
from store.auto_actions import title_in
from store.models import NextAction

_WEEKDAYS_ZH = "一二三四五六日"


def person(user_id: str | None, loc: str) -> str:
    """A Slack user as a mention; the rules' own actions ("crm") as "the system"."""
    if not user_id:
        return t(loc, "cust_nobody")
    return mention(user_id) if user_id[:1] in "UW" and user_id.isalnum() else t(loc, "cust_system")


def action_title(action: NextAction, loc: str) -> str:
    """The rules' actions in the reader's language, a typed title as typed (escaped)."""
    return escape(title_in(action, loc))


def stage_status(locale: str, stage: str | None, status: str | None) -> str:
    return t(locale, "lc_stage_status", stage=vocab(locale, "stage", stage), status=vocab(locale, "status", status))


def _day(day: date, loc: str) -> str:
    if lang(loc) == ZH:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%b} {day.year}"


def period_label(period, loc: str) -> str:
    """2026年10月 / October 2026; 2026年第45周（11月2日–11月8日）; 2026年11月3日 周二; or a span of dates."""
    zone = ZoneInfo(period.tz or "UTC")
    first = period.start.astimezone(zone).date()
    last = (period.end.astimezone(zone) - timedelta(microseconds=1)).date()
    zh = lang(loc) == ZH
    if period.unit == "month":
        return t(loc, "fig_period_month", year=first.year, month=first.month if zh else f"{first:%B}")
    if period.unit == "week":
        year, week, _ = first.isocalendar()
        start, end = (f"{d.month}月{d.day}日" for d in (first, last)) if zh else (f"{d.day} {d:%b}" for d in (first, last))
        return t(loc, "fig_period_week", year=year, week=week, start=start, end=end)
    if period.unit == "day":
        weekday = f"周{_WEEKDAYS_ZH[first.weekday()]}" if zh else f"{first:%a}"
        return t(loc, "fig_period_day", day=_day(first, loc), weekday=weekday)
    return t(loc, "fig_period_span", start=_day(first, loc), end=_day(last, loc))
