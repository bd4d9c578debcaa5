"""Words every feature shows the same way: a person, a rule's action in the reader's language, a
stage with its status, a period of the figures. Shared (like blocks and texts), so a feature shows
another's things without importing it."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from handlers.blocks import escape, fmt_date, mention, vocab
from handlers.context import Profile
from handlers import showdates as show
from handlers.i18n import t
from handlers.numbers import money
from store.auto_actions import WITH_PARAMS, Titled, title_in

def person(user_id: str | None, loc: str) -> str:
    """A Slack user as a mention; the rules' own actions ("crm") as "the system"."""
    if not user_id:
        return t(loc, "cust_nobody")
    return mention(user_id) if user_id[:1] in "UW" and user_id.isalnum() else t(loc, "cust_system")


def _with_params(action: Titled, loc: str) -> str | None:
    """A kind whose title carries data (store/auto_actions.WITH_PARAMS), from its stored params;
    None when they are missing or unreadable (a row older than them keeps its stored title)."""
    p = action.params
    try:
        if action.kind == "payment_due":
            return t(loc, "act_payment_due", deal=p["deal"], seq=int(p["seq"]), amount=money(Decimal(p["amount"]), p["currency"], loc))
        if action.kind == "renewal":
            return t(loc, "act_renewal", deal=p["deal"], day=fmt_date(date.fromisoformat(p["day"]), Profile(user_id="", tz="UTC", locale=loc)))
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return None
    return None


def action_text(action: Titled, loc: str) -> str:
    """A next action's title for a reader, unescaped: a rule's in their language (with its data:
    deal, amount by CLDR, date), a typed one as typed."""
    if action.kind in WITH_PARAMS:
        return _with_params(action, loc) or action.title
    return title_in(action, loc)


def action_title(action: Titled, loc: str) -> str:
    """action_text escaped for mrkdwn."""
    return escape(action_text(action, loc))


def collected_text(loc: str, *, received: Decimal, scheduled: Decimal, currency: str, paid: int, count: int) -> str:
    """What a won deal's schedule has brought in (the deal list, the card, /crm pay, the alerts)."""
    return t(loc, "pay_collected", received=money(received, currency, loc), scheduled=money(scheduled, currency, loc),
             paid=paid, count=count)


def stage_status(locale: str, stage: str | None, status: str | None) -> str:
    return t(locale, "lc_stage_status", stage=vocab(locale, "stage", stage), status=vocab(locale, "status", status))


def period_label(period, loc: str) -> str:
    """A period of the figures in the reader's locale (CLDR, handlers/showdates.py): 2026年10月 /
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
