"""Numbers and money as the reader's locale writes them, by Babel (CLDR): `¥100,000.00` for a
zh-CN reader and `CN¥100,000.00` for an English one; `US$1,200.00` / `$1,200.00`; `1,200` staff.
Shared (like words and texts), so every feature writes an amount the same way.

The reader's Slack locale (zh-CN, en-US, en-GB, de-DE, ...) picks the CLDR locale; one Babel does
not know falls back to the catalog's language (handlers/i18n.lang). Machine-read output (CSV,
audit history) keeps plain numbers and does not come here.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

from handlers.i18n import ZH, lang

__all__ = ["cldr_locale", "decimal", "duration", "money", "percent", "signed_percent", "whole"]


@lru_cache(maxsize=64)
def cldr_locale(locale: str | None) -> Locale:
    """A Slack locale as Babel's Locale: zh-CN -> zh_CN, en-US -> en_US; None or unknown -> zh_CN / en."""
    try:
        return Locale.parse((locale or "").replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale.parse("zh_CN" if lang(locale) == ZH else "en")


def money(amount: Decimal | float | int, currency: str, locale: str | None) -> str:
    """An amount in its currency, two decimals or as many as the currency has (JPY none)."""
    return format_currency(amount, (currency or "").strip().upper() or "CNY", locale=cldr_locale(locale))


def whole(value: int, locale: str | None) -> str:
    """A count with the locale's grouping: 1,200 (en, zh) / 1.200 (de)."""
    return format_decimal(value, locale=cldr_locale(locale))


def decimal(value: Decimal | float, locale: str | None, places: int = 1) -> str:
    """A number with exactly `places` decimals and the locale's grouping and decimal sign: 12.5 / 12,5."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=cldr_locale(locale), decimal_quantization=True)


def percent(value: Decimal | float, locale: str | None, places: int = 1) -> str:
    """A percentage given in points (12.5 for 12.5 %), with `places` decimals: 12.5% / 12,5 %."""
    pattern = "#,##0" + ("." + "0" * places if places else "") + "%"
    return format_percent(Decimal(str(value)) / 100, format=pattern, locale=cldr_locale(locale), decimal_quantization=True)


def signed_percent(value: Decimal | float, locale: str | None, places: int = 1) -> str:
    """A change in points with its sign, a rise too: +12.5% / -3.0% / +0.0%."""
    digits = "#,##0" + ("." + "0" * places if places else "")
    return format_percent(Decimal(str(value)) / 100, format=f"+{digits}%;-{digits}%", locale=cldr_locale(locale),
                          decimal_quantization=True)


_UNSPACED = {"zh", "ja"}  # languages that write "2天3小时" without a space between the units


def duration(span: timedelta, locale: str | None) -> str:
    """A span in whole units, rounded down, the two largest from days (a second one that is 0 left
    out): 2 days 3 hours / 2天3小时, 7 days,
    1 hour 30 minutes / 1小时30分钟, 45 minutes, 20 seconds. CLDR's duration units with their plural
    forms; babel.dates.format_timedelta is built on the same units but rounds to one unit (and turns
    7 days into "1 week"), so the units are formatted one by one here."""
    cldr = cldr_locale(locale)
    d, rest = divmod(max(int(span.total_seconds()), 0), 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = ((d, "day"), (h, "hour")) if d else ((h, "hour"), (m, "minute")) if h else ((m, "minute"),) if m else ((s, "second"),)
    words = [format_unit(n, f"duration-{unit}", locale=cldr) for i, (n, unit) in enumerate(parts) if n or not i]  # no "0 hours"
    return ("" if cldr.language in _UNSPACED else " ").join(words)
