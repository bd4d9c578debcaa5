"""The one catalog of text people read, in zh-CN and en. Handlers never inline such text.

Each feature keeps its texts in `handlers/texts/<feature>.py` as `TEXTS = {key: {ZH: ..., EN: ...}}`;
they are merged here, and a key defined twice is an error at import.

A text with a count may have plural forms: `plural(one="{count} reminder", other="{count} reminders")`.
`t(loc, key, count=n)` picks the form by Babel's CLDR plural rules for the text's language (English:
one / other; Chinese has one form, so its texts stay plain strings). A `Plural` is a str (its `other`
form), so code that reads the catalog directly still gets a text.
"""
from __future__ import annotations

from importlib import import_module

from babel import Locale

from handlers.texts import EN, FEATURES, ZH, Plural, plural

__all__ = ["CATALOG", "EN", "ZH", "Plural", "lang", "plural", "t"]


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for feature in FEATURES:
        for key, text in import_module(f"handlers.texts.{feature}").TEXTS.items():
            if key in merged:
                raise RuntimeError(f"text key {key!r} defined twice (again in handlers/texts/{feature}.py)")
            merged[key] = text
    return merged


CATALOG = _merge()


def lang(locale: str | None) -> str:
    """Slack locales (zh-CN, zh-TW, en-US, ja-JP, ...) to the catalog's two languages."""
    return ZH if (locale or "").lower().startswith("zh") else EN


_RULES = {ZH: Locale.parse("zh").plural_form, EN: Locale.parse("en").plural_form}


def t(locale: str | None, key: str, **params: object) -> str:
    language = lang(locale)
    text = CATALOG[key][language]
    if isinstance(text, Plural):
        count = params.get("count")
        if not isinstance(count, (int, float)) or isinstance(count, bool):
            raise TypeError(f"text {key!r} has plural forms: t() needs a number count=, got {count!r}")
        text = text.form(_RULES[language](abs(count)))
    return text.format(**params) if params else text
