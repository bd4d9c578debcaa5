"""The other readings of the same words.  Some texts mean two instants depending on a convention
the text does not state; the first reading is the documented rule, the others are offered to the
user to pick from (handlers show both before saving):

* weeks that start on Sunday: "下周三" / "next Wednesday" said on a Sunday (the 3rd or the 10th
  day?), "下周日" (the Sunday that ends next week, or the one that starts it?);
* "next Wednesday" said before this week's Wednesday: the coming one, or next week's?
* "2/3" when the user's locale does not say whether the day comes first (no locale, bare "en");
* a bare weekday that names today, said before its time ("friday 3pm" / "周五下午3点" / "this
  friday 3pm" said on a Friday morning): next week's (the rule), or today's?  Said after that time
  ("this friday" on a Friday evening) there is no other reading: today's has passed;
* a bare 7-11 o'clock (no am/pm, no part of day, no date) whose morning hour has already passed
  ("7点" / "at 8" said at 10:00): tomorrow morning (the rule), or tonight?

Each is the same grammar run with one convention flipped (``Ctx`` flags), only when the text has
the words that convention touches, so the common case costs one parse."""
from __future__ import annotations

import re
from dataclasses import replace

from .common import Ctx
from .en import WEEKDAYS

_RX_NUMERIC = re.compile(r"(?<![0-9])[0-9]{1,2}[/-][0-9]{1,2}(?![0-9:])")
_RX_WEEK = re.compile(r"(?:下下|下|上|本|这|今)\s*个?\s*(?:周|星期|礼拜)|(?<![a-z])(?:next|nxt|this|last|after)\s+[a-z]")
_RX_SUNDAY = re.compile(r"(?:周|星期|礼拜)\s*[日天七7]|(?<![a-z])sun(?:day)?(?![a-z])")
_RX_NEXT = re.compile(r"(?<![a-z])(?:next|nxt)\s+[a-z]")
_ZH_DAYS = ("一1", "二2", "三3", "四4", "五5", "六6", "日天七7")
# A weekday with no week word before it (下周五, next friday and 本周五 already say which week).
_RX_TODAY = tuple(re.compile(
    r"(?<![下上本这今个])(?:周|星期|礼拜)\s*[" + _ZH_DAYS[wd] + r"]|(?<![a-z])(?<!next )(?<!nxt )(?:"
    + "|".join(sorted((w for w, d in WEEKDAYS.items() if d == wd), key=len, reverse=True)) + r")(?![a-z])")
    for wd in range(7))
# "7点", "八点", "at 8", "9 o'clock", "10": a clock hour without minutes.  "7:30" / "10:00" are not
# offered tonight's reading: written with minutes, the 24-hour clock says 19:30.
_RX_BARE_HOUR = re.compile(r"(?:^|[^0-9:+-])(?:[7-9]|1[01]|[七八九十]|十一)\s*(?:[点时]|o'?clock|$)"
                           r"|(?<![a-z])at\s+(?:[7-9]|1[01])(?![0-9:])")


def variants(s: str, ctx: Ctx) -> list[Ctx]:
    """Contexts with one convention flipped that could change how the (normalised) text `s` reads."""
    out = []
    if not ctx.order_known and _RX_NUMERIC.search(s):
        out.append(replace(ctx, day_first=not ctx.day_first))
    if _RX_WEEK.search(s) and (ctx.today.weekday() == 6 or _RX_SUNDAY.search(s)):
        out.append(replace(ctx, sunday_weeks=True))
    if _RX_NEXT.search(s):
        out.append(replace(ctx, next_is_coming=True))
    if _RX_TODAY[ctx.today.weekday()].search(s):
        out.append(replace(ctx, weekday_today=True))
    if ctx.local.hour >= 7 and _RX_BARE_HOUR.search(s):
        out.append(replace(ctx, evening_hours=True))
    return out
