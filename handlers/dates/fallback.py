"""dateparser, always with explicit languages, for the rarer forms the grammar does not read, and
only for text that carries a date/time signal: it reads bare numbers ("5", "32", "at 5",
"the 5th") as months or years."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .common import DEFAULT_HOUR, EN_NUMBERS, RX_CJK, Ctx, aware
from .en import MONTHS, WEEKDAYS

_LANGS_EN = ["en"]
_LANGS_ZH = ["zh", "en"]

_WEAK_EN = {"next", "last", "this", "coming", "previous", "past", "ago", "later", "from", "after", "before",
            "in", "on", "at", "by", "of", "the", "and", "half", "quarter", "end", "beginning", "start", "mid"}
_PERIOD_EN = {"morning", "afternoon", "evening", "night", "tonight", "noon", "midnight", "midday"}
_UNIT_EN = {"day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours", "hr", "hrs",
            "minute", "minutes", "min", "mins", "second", "seconds", "fortnight", "fortnights", "weekend"}
_CLOCK_EN = {"am", "pm", "a.m.", "p.m.", "o'clock", "oclock"}
# a number next to one of these is a day, an hour or a count, not a month or a year
_ANCHOR_EN = _UNIT_EN | set(MONTHS) | _PERIOD_EN | _CLOCK_EN
_STRONG_EN = ({"today", "tomorrow", "yesterday", "now"} | _CLOCK_EN | _PERIOD_EN | _UNIT_EN
              | set(WEEKDAYS) | set(MONTHS))
_VOCAB_EN = _STRONG_EN | _WEAK_EN | set(EN_NUMBERS)
_RX_TOKEN_NUM = re.compile(r"[0-9]{1,4}(?:st|nd|rd|th)?")
_AMPM = r"(?:am|pm|a\.m\.?|p\.m\.?)"
# Numeric dates (2026-12-05, 12/5) are the grammar's alone: if it refused one, it is invalid, and
# dateparser would read "13/40" as 13 November 2040.
_RX_TOKEN_DATE = re.compile(
    r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
    rf"|(?:1[0-2]|0?[1-9])(?::[0-5][0-9])?{_AMPM}"
)
_RX_TIME_SIGNAL = re.compile(
    r"[0-9]\s*(?:am|pm|a\.m|p\.m|:[0-9])|noon|midnight|midday|o'?clock|hours?|hrs?|minutes?|mins?|seconds?"
    r"|morning|afternoon|evening|night|now|[点时分秒]|现在|小时|上午|下午|晚上|中午|早上|凌晨"
)
_RX_CJK_SIGNAL = re.compile(r"[年月日号点时分秒周天]|星期|礼拜|昨|今|明|现在|前|后")
_RX_CJK_ONLY = re.compile(r"[\u3400-\u9fff\s]+")
# A week, month or year as a whole is not a day (dateparser would answer with today's date).
_RX_VAGUE = re.compile(
    r"(?:本|这个?|上个?|今|明|去|前)\s*(?:周|星期|礼拜|月|年)|(?:this|last|past)\s+(?:week|month|year)"
)


def _dateparser(text: str, languages: list[str], base: datetime) -> Any:
    import dateparser  # heavy; imported on first use or by warm()

    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base, "RETURN_AS_TIMEZONE_AWARE": False}
    return dateparser.parse(text, languages=languages, settings=settings)


def english_ok(s: str) -> bool:
    """Only text made of date words and numbers goes to dateparser, and a bare number needs a
    month, a unit, am/pm or a part of day next to it (dateparser reads "5" / "the 5th" as May)."""
    tokens = [tok.strip(".,") if tok not in ("a.m.", "p.m.") else tok for tok in re.split(r"[\s,]+", s)]
    tokens = [tok for tok in tokens if tok]
    if not tokens or len(tokens) > 8:
        return False
    strong = bare_number = anchor = month = dated = False
    for tok in tokens:
        if _RX_TOKEN_DATE.fullmatch(tok):
            strong = anchor = dated = True
        elif _RX_TOKEN_NUM.fullmatch(tok):
            bare_number = dated = True
        elif tok in _VOCAB_EN:
            strong = strong or tok in _STRONG_EN
            month = month or tok in MONTHS
            anchor = anchor or tok in _ANCHOR_EN
        else:
            return False
    if month and not dated:
        return False  # "may", "in march": a month alone is not a day (and "may" is mostly a verb)
    return strong and (anchor or not bare_number)


def _languages(s: str) -> list[str] | None:
    """The languages dateparser gets for `s`, or None when `s` is not for dateparser."""
    if _RX_VAGUE.fullmatch(s):
        return None
    if RX_CJK.search(s):
        # dateparser's Chinese is full of surprises ("2027年" -> year 4053, "周五 3" -> March):
        # it only gets text made of Chinese characters alone, i.e. what it reads word by word.
        if not _RX_CJK_ONLY.fullmatch(s) or not _RX_CJK_SIGNAL.search(s):
            return None
        return _LANGS_ZH
    return _LANGS_EN if english_ok(s) else None


def fallback(s: str, ctx: Ctx) -> datetime | None:
    """`s` (normalised) read by dateparser -> aware datetime in ctx's zone, or None."""
    langs = _languages(s)
    if langs is None:
        return None
    try:
        got = _dateparser(s, langs, ctx.local)
    except Exception:
        return None
    if not isinstance(got, datetime):
        return None
    got = got.replace(tzinfo=None)
    if not _RX_TIME_SIGNAL.search(s):
        got = got.replace(hour=DEFAULT_HOUR, minute=0)
    try:
        return aware(got, ctx.zone)
    except (ValueError, OverflowError):
        return None


def english_fallback(s: str, ctx: Ctx) -> datetime | None:
    """fallback() for English text only."""
    return None if RX_CJK.search(s) else fallback(s, ctx)


_WARM_UP = (
    (_LANGS_EN, ("tomorrow 3pm", "the day after tomorrow", "5:30 in the afternoon", "december 5th, 2026")),
    (_LANGS_ZH, ("2026年12月5日 15时30分", "3天前")),
)


def warm_dateparser() -> None:
    """Load dateparser and its English and Chinese data (the first call per language is slow)."""
    base = datetime(2026, 1, 5, 10, 0)
    for langs, texts in _WARM_UP:
        for text in texts:
            _dateparser(text, langs, base)
