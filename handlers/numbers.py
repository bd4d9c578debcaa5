"""Numbers and money as the reader's locale writes them, by Babel (CLDR): `¥100,000.00` for a
zh-CN reader and `CN¥100,000.00` for an English one; `US$1,200.00` / `$1,200.00`; `1,200` staff.
Shared (like words and texts), so every feature writes an amount the same way.

The reader's Slack locale (zh-CN, en-US, en-GB, de-DE, ...) picks the CLDR locale; one Babel does
not know falls back to the catalog's language (handlers/i18n.lang). Machine-read output (CSV,
audit history) keeps plain numbers and does not come here.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, format_percent

from handlers.i18n import ZH, lang

__all__ = ["cldr_locale", "decimal", "money", "percent", "whole"]


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
