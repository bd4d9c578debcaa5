"""Words every feature shows the same way: a person, a rule's action in the reader's language, a
stage with its status, a period of the figures. Shared (like blocks and texts), so a feature shows
another's things without importing it."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from handlers.blocks import escape, mention, vocab
from handlers.dates import show
from handlers.i18n import t
from store.auto_actions import title_in
from store.models import NextAction

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


def period_label(period, loc: str) -> str:
    """A period of the figures in the reader's locale (CLDR, handlers/dates/show.py): 2026年10月 /
    October 2026; 2026年第45周（11月2日至8日） / Week 45, 2026 (Nov 2 – 8); 2026年11月3日周二 /
    Tue, Nov 3, 2026; or its days as an interval. Weeks are ISO weeks (Monday first), as the store's."""
    zone = ZoneInfo(period.tz or "UTC")
    first = period.start.astimezone(zone).date()
    last = (period.end.astimezone(zone) - timedelta(microseconds=1)).date()
    if period.unit == "month":
        return show.month(first, loc)
    if period.unit == "week":
        year, week, _ = first.isocalendar()
        return t(loc, "fig_period_week", year=year, week=week, days=show.days(first, last, loc, year=False))
    if period.unit == "day":
        return show.weekday_day(first, loc)
    return show.days(first, last, loc)
