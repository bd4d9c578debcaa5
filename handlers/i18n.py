"""The one catalog of text people read, in zh-CN and en. Handlers never inline such text.

Each feature keeps its texts in `handlers/texts/<feature>.py` as `TEXTS = {key: {ZH: ..., EN: ...}}`;
they are merged here, and a key defined twice is an error at import.
"""
from __future__ import annotations

from importlib import import_module

from handlers.texts import EN, FEATURES, ZH

__all__ = ["CATALOG", "EN", "ZH", "lang", "t"]


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


def t(locale: str | None, key: str, **params: object) -> str:
    text = CATALOG[key][lang(locale)]
    return text.format(**params) if params else text
