"""The other readings of the same words.  Some texts mean two instants depending on a convention
the text does not state; the first reading is the documented rule, the others are offered to the
user to pick from (handlers show both before saving):

* weeks that start on Sunday: "下周三" / "next Wednesday" said on a Sunday (the 3rd or the 10th
  day?), "下周日" (the Sunday that ends next week, or the one that starts it?);
* "next Wednesday" said before this week's Wednesday: the coming one, or next week's?
* "2/3" when the user's locale does not say whether the day comes first (no locale, bare "en").

Each is the same grammar run with one convention flipped (``Ctx`` flags), only when the text has
the words that convention touches, so the common case costs one parse."""
from __future__ import annotations

import re
from dataclasses import replace

from .common import Ctx

_RX_NUMERIC = re.compile(r"(?<![0-9])[0-9]{1,2}[/-][0-9]{1,2}(?![0-9:])")
_RX_WEEK = re.compile(r"(?:下下|下|上|本|这|今)\s*个?\s*(?:周|星期|礼拜)|(?<![a-z])(?:next|nxt|this|last|after)\s+[a-z]")
_RX_SUNDAY = re.compile(r"(?:周|星期|礼拜)\s*[日天七7]|(?<![a-z])sun(?:day)?(?![a-z])")
_RX_NEXT = re.compile(r"(?<![a-z])(?:next|nxt)\s+[a-z]")


def variants(s: str, ctx: Ctx) -> list[Ctx]:
    """Contexts with one convention flipped that could change how the (normalised) text `s` reads."""
    out = []
    if not ctx.order_known and _RX_NUMERIC.search(s):
        out.append(replace(ctx, day_first=not ctx.day_first))
    if _RX_WEEK.search(s) and (ctx.today.weekday() == 6 or _RX_SUNDAY.search(s)):
        out.append(replace(ctx, sunday_weeks=True))
    if _RX_NEXT.search(s):
        out.append(replace(ctx, next_is_coming=True))
    return out
