"""dateparser, always with explicit languages, for the rarer forms the grammar does not read, and
only for text that carries a date/time signal: it reads bare numbers ("5", "32", "at 5",
"the 5th") as months or years."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .common import DEFAULT_HOUR, EN_NUMBERS, RX_CJK, Ctx, aware, number
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
    r"(?:本|这个?|上个?|今|明|去|前)\s*(?:周|星期|礼拜|月|年)|(?:this|last|past|next)\s+year|(?:this|last|past)\s+(?:week|month)"
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
    if not accounts_for(s, got, ctx):
        return None
    try:
        return aware(got, ctx.zone)
    except (ValueError, OverflowError):
        return None


_NUMBER_WORDS = "|".join(sorted((w for w in EN_NUMBERS if w not in ("a", "an")), key=len, reverse=True))
_RX_NUMBER = re.compile(r"[0-9]+(?:[/.-][0-9]+)+|[0-9]+|[零一二两三四五六七八九十廿卅]+|\b(?:" + _NUMBER_WORDS + r")\b")
_PERIOD_HOURS = {"morning": range(5, 13), "afternoon": range(12, 19), "evening": range(17, 24),
                 "night": range(0, 24), "tonight": range(17, 24), "am": range(0, 12), "pm": range(12, 24),
                 "a.m.": range(0, 12), "p.m.": range(12, 24), "noon": range(12, 13), "midday": range(12, 13),
                 "上午": range(5, 13), "早上": range(5, 12), "下午": range(12, 19), "晚上": range(17, 24),
                 "中午": range(11, 14), "凌晨": range(0, 6)}
_DAY_OFFSET = {"today": 0, "tomorrow": 1, "yesterday": -1, "今天": 0, "明天": 1, "后天": 2, "昨天": -1}


def _spans(got: datetime, ctx: Ctx) -> set[int]:
    """Every count of whole units between now and `got` (for "3 weeks ago", "in 4 years")."""
    delta = abs(got - ctx.local)
    days = abs((got.date() - ctx.today).days)
    months = abs((got.year - ctx.today.year) * 12 + got.month - ctx.today.month)
    return {days, days // 7, months, months // 12, round(delta.total_seconds() / 3600),
            round(delta.total_seconds() / 60)}


def accounts_for(s: str, got: datetime, ctx: Ctx) -> bool:
    """Does dateparser's answer use every number, weekday, month, day word and part of day in `s`?
    A fallback that silently dropped part of the text ("in the evening at eight" -> 12 August
    18:00) must not come back as a confident answer."""
    fields = {got.year, got.year % 100, got.day, got.hour, got.hour % 12 or 12, got.minute}
    spans = None
    for raw in _RX_NUMBER.findall(s):
        if raw[0].isdigit() and not raw.isdigit():   # 5.12.2026: day, month and year
            if not all(int(p) in fields | {got.month} for p in re.split(r"[/.-]", raw)):
                return False
            continue
        n = EN_NUMBERS.get(raw) if raw.isalpha() and raw.isascii() else number(raw)
        if n is None:
            return False
        if n in fields:        # a bare "8" is a day, an hour or a count, never August
            continue
        spans = _spans(got, ctx) if spans is None else spans
        if n not in spans:
            return False
    for tok in re.findall(r"[a-z.']+|上午|早上|下午|晚上|中午|凌晨|今天|明天|后天|昨天", s):
        tok = tok.strip(".") if tok not in ("a.m.", "p.m.") else tok
        if tok in WEEKDAYS and got.weekday() != WEEKDAYS[tok]:
            return False
        if tok in MONTHS and got.month != MONTHS[tok]:
            return False
        if tok in _PERIOD_HOURS and got.hour not in _PERIOD_HOURS[tok]:
            return False
        if tok in _DAY_OFFSET and (got.date() - ctx.today).days != _DAY_OFFSET[tok]:
            return False
    return True


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
