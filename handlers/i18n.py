"""The one catalog of text people read. Handlers never inline such text.

The texts are gettext catalogs in `handlers/texts/` (README: "Texts and languages"):
`messages.pot` is the template, `<locale>/LC_MESSAGES/messages.po` a language (zh_CN, en, and any
other dropped in), compiled by Babel to the `messages.mo` beside it, which is what is read here,
with the standard library's gettext. Each message's msgctxt is its key, the identifier code passes
to `t(locale, key, **params)`; its msgid is the English text (msgid_plural for a text with a count).
A language's Plural-Forms header chooses a plural form (English `n != 1`, Chinese one form).

The English catalog is the index of keys: a key's English msgid is what a language's catalog is
looked up by, so a translation made for an older English text (fuzzy, left out when compiled) falls
back to the English one instead of saying something else.
"""
from __future__ import annotations

import gettext
import os

from handlers.texts import EN, ZH

__all__ = ["CATALOG", "DOMAIN", "EN", "TEXTS_DIR", "ZH", "Texts", "lang", "t"]

TEXTS_DIR = os.path.join(os.path.dirname(__file__), "texts")
DOMAIN = "messages"
SOURCE = EN  # the language of the msgids


class Texts:
    """The compiled catalogs of one directory, `<directory>/<locale>/LC_MESSAGES/messages.mo`."""

    def __init__(self, directory: str) -> None:
        self.catalogs: dict[str, gettext.GNUTranslations] = {}
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name, "LC_MESSAGES", f"{DOMAIN}.mo")
            if os.path.isfile(path):
                with open(path, "rb") as compiled:
                    self.catalogs[name.replace("_", "-")] = gettext.GNUTranslations(compiled)
        if SOURCE not in self.catalogs:
            raise RuntimeError(f"no compiled English catalog in {directory}: run `pybabel compile -d {directory}`")
        self.sources = _index(self.catalogs[SOURCE])
        self._exact = {tag.lower(): tag for tag in self.catalogs}
        self._by_language: dict[str, str] = {}
        for tag in self.catalogs:  # sorted: zh-CN before zh-TW
            self._by_language.setdefault(tag.split("-")[0].lower(), tag)

    def lang(self, locale: str | None) -> str:
        """A Slack locale (zh-CN, zh-TW, en-US, pt-BR, ja-JP, ...) to a language there is a catalog
        for: that one, else one of its language (zh-TW reads zh-CN), else English."""
        wanted = (locale or "").replace("_", "-").lower()
        return self._exact.get(wanted) or self._by_language.get(wanted.split("-")[0]) or SOURCE

    def t(self, locale: str | None, key: str, **params: object) -> str:
        try:
            msgid, msgid_plural = self.sources[key]
        except KeyError:
            raise KeyError(f"no text {key!r} in the catalog (handlers/texts/messages.pot)") from None
        catalog = self.catalogs[self.lang(locale)]
        if msgid_plural is None:
            text = catalog.pgettext(key, msgid)
        else:
            text = catalog.npgettext(key, msgid, msgid_plural, _count(key, params.get("count")))
        return text.format(**params) if params else text


def _index(source: gettext.GNUTranslations) -> dict[str, tuple[str, str | None]]:
    """key -> (msgid, msgid_plural or None), read from the English catalog. GNUTranslations keeps its
    messages in `_catalog` ("context\\x04msgid", or (that, form index) for a plural) and has no
    public way to list them; Babel's support.Translations.merge and Django read it the same way."""
    found: dict[str, tuple[str, str | None]] = {}
    messages = source._catalog  # noqa: SLF001
    for entry in messages:
        context, separator, msgid = (entry[0] if isinstance(entry, tuple) else entry).partition("\x04")
        if not separator:
            continue  # the header, or a message without a key
        if isinstance(entry, tuple):
            if entry[1] == 0:
                found[context] = (msgid, messages.get((entry[0], 1), msgid))
        else:
            found[context] = (msgid, None)
    return found


def _count(key: str, count: object) -> int:
    if isinstance(count, float) and count.is_integer():
        count = int(count)
    if not isinstance(count, int) or isinstance(count, bool):
        raise TypeError(f"text {key!r} has plural forms: t() needs a whole number count=, got {count!r}")
    return abs(count)


_TEXTS = Texts(TEXTS_DIR)
CATALOG = _TEXTS.sources  # key -> (English msgid, msgid_plural or None); `key in CATALOG` asks whether a text exists


def lang(locale: str | None) -> str:
    return _TEXTS.lang(locale)


def t(locale: str | None, key: str, **params: object) -> str:
    return _TEXTS.t(locale, key, **params)
