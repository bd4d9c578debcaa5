"""Dates and times as the reader's locale writes them, by Babel (CLDR): the other half of
handlers/dates/, which reads them (that package imports nothing of the project; this module needs
numbers.cldr_locale, so it sits beside numbers.py). Every date a person reads (cards, history, Home, DMs, digests, charts,
documents, CLI output) is written here, so a third language needs CLDR data, not code.

    moment   2026年11月23日周一 15:00 / Mon, Nov 23, 2026, 3:00 PM (en-US) / Mon, 23 Nov 2026, 15:00 (en-GB)
    day      2026年11月23日 / Nov 23, 2026 / 23 Nov 2026
    weekday_day  2026年11月23日周一 / Mon, Nov 23, 2026 / Mon, 23 Nov 2026
    month_day    11月23日 / Nov 23 / 23 Nov           (chart labels)
    month    2026年11月 / November 2026
    quarter  2026年第4季度 / Q4 2026
    days     11月2日至8日 / Nov 2 – 8 / 2 – 8 Nov  (an interval, CLDR's intervalFormats)
    clock, clocks  15:00 / 3:00 PM; 22:00–07:30 / 10:00 PM – 7:30 AM

Each is a CLDR skeleton (availableFormats), matched once per locale and cached; a date with a time
glues the two with the locale's own dateTimeFormat (`{1} {0}`, `{1}, {0}`), as CLDR combines
skeletons. The clock is the locale's short time format, so its hour cycle (15:00, 3:00 PM, 下午3:00)
is the locale's. The reader's Slack locale picks the CLDR locale as for numbers
(handlers.numbers.cldr_locale: one place maps zh-CN to zh_Hans_CN, en-US to en_US, an unknown one
to the catalog's language).

Beside numbers.py rather than inside it: numbers and dates each have their own Babel module
(babel.numbers, babel.dates).
Machine-read output (CSV, audit values, outbox keys) keeps ISO 8601 and does not come here.
"""
from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from functools import lru_cache

from babel import Locale
from babel.dates import DateTimePattern, format_interval, match_skeleton

from handlers.numbers import cldr_locale

__all__ = ["clock", "clocks", "day", "days", "month", "month_day", "moment", "quarter", "weekday_day"]

_DAY, _WEEKDAY_DAY, _MONTH_DAY, _MONTH, _QUARTER = "yMMMd", "yMMMEd", "MMMd", "yMMMM", "yQQQ"


@lru_cache(maxsize=256)
def _pattern(locale: Locale, skeleton: str) -> DateTimePattern:
    """The locale's pattern for a skeleton (its nearest available one, as babel's format_skeleton)."""
    skeletons = locale.datetime_skeletons
    return skeletons[skeleton if skeleton in skeletons else match_skeleton(skeleton, skeletons)]


@lru_cache(maxsize=64)
def _clock(locale: Locale) -> DateTimePattern:
    return locale.time_formats["short"]


@lru_cache(maxsize=64)
def _glue(locale: Locale) -> str:
    """CLDR's dateTimeFormat for a medium date (`{1} {0}`: date, then time)."""
    return str(locale.datetime_formats["medium"])


@lru_cache(maxsize=64)
def _hour_skeleton(locale: Locale) -> str:
    """The locale's hour cycle (CLDR's `j`) read from its short time: `hm` (3 PM), `Hm` (15:00) or
    `Bhm` (下午3:00, a day period: zh-TW)."""
    pattern = _clock(locale).pattern
    return ("B" if "B" in pattern else "") + ("hm" if "h" in pattern or "K" in pattern else "Hm")


# Babel formats field by field through the locale's data (some 20 µs a date); a card, the Home tab
# and a digest show the same days and minutes again and again, so the texts are kept (a few
# hundred KB at most).
@lru_cache(maxsize=4096)
def _text(locale: Locale, value: date | time, skeleton: str) -> str:
    """`value` in the skeleton's pattern; no skeleton: the locale's short time."""
    return (_pattern(locale, skeleton) if skeleton else _clock(locale)).apply(value, locale)


@lru_cache(maxsize=4096)
def _moment(locale: Locale, local: datetime) -> str:
    """`local` is naive: aware datetimes of one instant in two zones are equal keys."""
    return _glue(locale).replace("{1}", _pattern(locale, _WEEKDAY_DAY).apply(local, locale)).replace(
        "{0}", _clock(locale).apply(local, locale))


def _show(value: date, locale: str | None, skeleton: str) -> str:
    return _text(cldr_locale(locale), value, skeleton)


def moment(when: datetime, locale: str | None, zone: tzinfo) -> str:
    """An instant in `zone`, with its weekday: 2026年11月23日周一 15:00 / Mon, 23 Nov 2026, 15:00."""
    return _moment(cldr_locale(locale), when.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None))


def day(value: date, locale: str | None) -> str:
    """2026年11月23日 / Nov 23, 2026 / 23 Nov 2026."""
    return _show(value, locale, _DAY)


def weekday_day(value: date, locale: str | None) -> str:
    """2026年11月23日周一 / Mon, Nov 23, 2026 / Mon, 23 Nov 2026."""
    return _show(value, locale, _WEEKDAY_DAY)


def month_day(value: date, locale: str | None) -> str:
    """11月23日 / Nov 23 / 23 Nov (no year: chart labels)."""
    return _show(value, locale, _MONTH_DAY)


def month(value: date, locale: str | None) -> str:
    """2026年11月 / November 2026."""
    return _show(value, locale, _MONTH)


def quarter(value: date, locale: str | None) -> str:
    """The quarter `value` falls in: 2026年第4季度 / Q4 2026 / 2026年第4季 (zh-TW)."""
    return _show(value, locale, _QUARTER)


def days(first: date, last: date, locale: str | None, *, year: bool = True) -> str:
    """The days first..last as one interval, without repeating what they share: 2026年11月2日 – 8日,
    Nov 2 – 8, 2026, 29 Dec 2025 – 4 Jan 2026; `year=False` for chart labels (11月2日至8日, 2 – 8 Nov)."""
    return format_interval(first, last, _DAY if year else _MONTH_DAY, locale=cldr_locale(locale))


def clock(value: time, locale: str | None) -> str:
    """A time of day: 09:00 / 9:00 AM / 上午9:00 (zh-TW)."""
    return _text(cldr_locale(locale), value, "")


def clocks(start: time, end: time, locale: str | None) -> str:
    """A window of the day, which may cross midnight: 22:00–07:30 / 10:00 PM – 7:30 AM."""
    cldr = cldr_locale(locale)
    skeleton = _hour_skeleton(cldr)
    if "B" in skeleton:  # babel cannot compare day periods: CLDR's fallback interval of the two clocks
        return str(cldr.interval_formats[None]).replace("{0}", clock(start, locale)).replace("{1}", clock(end, locale))
    return format_interval(start, end, skeleton, locale=cldr)
