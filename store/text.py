"""Plain-text rules shared by every writer (Slack, CSV import, CLI)."""
from __future__ import annotations

import re
import unicodedata

from store.errors import DomainError

NAME_MAX = 100
SUMMARY_MAX = 2000
FEEDBACK_MAX = 2000
ACTION_MAX = 300
PARTICIPANTS_MAX = 300

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
_WHOLE = re.compile(r"[0-9]{1,30}")


def clean(text: str | None) -> str:
    """NFC, no control or bidi characters, no surrounding blanks. Newlines are kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    # isprintable() is false for every character _CONTROL removes (Cc and Cf): most text skips the regex
    return (text if text.isprintable() else _CONTROL.sub("", text)).strip()


def clean_line(text: str | None) -> str:
    text = clean(text)
    # printable text has no blank but the ASCII space (other Zs are not printable): runs of it are all there is to fold
    return text if text.isprintable() and "  " not in text else _SPACES.sub(" ", text)


def whole_number(text: object) -> int | None:
    """A whole number written in ASCII digits only, else None: `'⑤'.isdigit()` is true but
    `int('⑤')` fails, and `int('٣')` reads a digit nobody here types. Every int() of text goes through this."""
    return int(text) if isinstance(text, str) and _WHOLE.fullmatch(text) else None


def normalise_name(name: str) -> str:
    """The key exact lookups use: NFKC, casefolded, single spaces."""
    text = unicodedata.normalize("NFKC", clean(name))
    return (text if text.isprintable() and "  " not in text else _SPACES.sub(" ", text)).casefold().strip()


def require(value: str, *, field: str, limit: int, required: bool = True) -> str:
    if required and not value:
        raise DomainError("err_required", field=field)
    if len(value) > limit:
        raise DomainError("err_too_long", field=field, limit=limit, length=len(value))
    return value


def clip_to(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]
