"""Finding the expression in a text: the whole of it (parse), or at its start or end (extract)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from .common import ALNUM, CN_NUM, RX_CJK, Ctx, norm
from .en import AMBIGUOUS
from .fallback import english_fallback, fallback
from .grammar import candidates
from .zones import find_zone

SCAN_WINDOW = 80         # how far from the end a trailing expression may start
_FALLBACK_WORDS = 6      # how many words at the start or end dateparser may get

_EDGE = " \t\r\n\u3000\u00a0,，:：;；、。.!！?？~～-–—"
_REMAINDER_EDGE = " \t\r\n\u3000\u00a0,，:：;；、。~～-–—"
_RX_WORD = re.compile(r"[^\s,，:：;；]+")
_RX_DANGLING_EN = re.compile(r"(?:^|\s)(?:on|by|at|before)$", re.IGNORECASE)
_NOT_DANGLING_CN = frozenset("关对由等位现正存实属处至终基鉴")   # 关于, 对于, 现在, 存在 ...
_CN_NUM_SET = frozenset(CN_NUM)
_CN_STARTERS = frozenset("今明后大下本这上周星礼凌半深清早一中午傍晚夜月在于国节春元端听晏朝年") | _CN_NUM_SET


@dataclass(frozen=True)
class Found:
    """What an expression says: the instant (in the user's zone) and, when the text named a zone,
    that zone and the user's words for it ("PST", "北京时间")."""
    at: datetime
    zone: tzinfo | None = None
    label: str = ""


def _there(ctx: Ctx, zone: tzinfo) -> Ctx:
    return replace(ctx, zone=zone, local=ctx.now_utc.astimezone(zone).replace(tzinfo=None))


def _label(text: str, start: int, end: int) -> str:
    return text[start:end].strip(" ()（）,，")


def parse(text: str, ctx: Ctx) -> Found | None:
    n = norm(text)
    lead = len(n) - len(n.lstrip(_EDGE))
    s = n.strip(_EDGE)
    if not s:
        return None
    found = find_zone(s)
    if found is not None:
        zone, a, b = found
        dt = _parse((s[:a] + " " + s[b:]).strip(" ,，"), _there(ctx, zone))
        return Found(dt.astimezone(ctx.zone), zone, _label(text, lead + a, lead + b)) if dt is not None else None
    dt = _parse(s, ctx)
    return Found(dt) if dt is not None else None


def _parse(s: str, ctx: Ctx) -> datetime | None:
    for end, dt in candidates(s, 0, ctx):
        if end == len(s):
            return dt
    return fallback(s, ctx)


def clean(rest: str) -> str:
    return rest.strip(_REMAINDER_EDGE)


def _clean_before(rest: str) -> str:
    """The words before a trailing time: drop a dangling connective ("send quote on", "发送报价在")."""
    rest = clean(rest)
    m = _RX_DANGLING_EN.search(rest)
    if m:
        rest = clean(rest[: m.start()])
    elif rest[-1:] in ("在", "于") and rest[-2:-1] not in _NOT_DANGLING_CN:
        rest = clean(rest[:-1])
    return rest


def _can_start(s: str, i: int) -> bool:
    c = s[i]
    prev = s[i - 1] if i > 0 else ""
    if c in ALNUM:
        return prev not in ALNUM or prev == ""
    if c in _CN_STARTERS:
        if c in _CN_NUM_SET and prev in _CN_NUM_SET:
            return False
        if c in ("在", "于") and prev in _NOT_DANGLING_CN:
            return False
        return True
    return False


def extract(text: str, ctx: Ctx) -> tuple[Found | None, str]:
    """A zone named in the text ("call Acme 9am PST") is read with the time it follows: the words
    are blanked (positions kept) and the rest is read on that zone's clock."""
    found = find_zone(norm(text))
    if found is not None:
        zone, a, b = found
        dt, rest = _extract(text[:a] + " " * (b - a) + text[b:], _there(ctx, zone))
        if dt is not None:
            return Found(dt.astimezone(ctx.zone), zone, _label(text, a, b)), re.sub(r"[ \t]{2,}", " ", rest)
    dt, rest = _extract(text, ctx)
    return (Found(dt) if dt is not None else None), rest


def _extract(text: str, ctx: Ctx) -> tuple[datetime | None, str]:
    s = norm(text)
    start = len(s) - len(s.lstrip(_EDGE))
    tail = len(s.rstrip(_EDGE))
    found = (_grammar_at_start(text, s, start, ctx)
             or _grammar_at_end(text, s, start, tail, ctx)
             or _dateparser_at_edges(text, s, tail, ctx))
    return found or (None, clean(text))


def _alone(s: str, start: int, end: int) -> bool:
    """"sun", "sat", "wed": a weekday only when it is the whole text ("Sun Li follow-up")."""
    return s[start:end].strip(_EDGE) in AMBIGUOUS


def _grammar_at_start(text: str, s: str, start: int, ctx: Ctx) -> tuple[datetime, str] | None:
    """1. the longest expression at the start."""
    if start < len(s):
        for end, dt in candidates(s, start, ctx):
            if not _alone(s, start, end):
                return dt, clean(text[end:])
    return None


def _grammar_at_end(text: str, s: str, start: int, tail: int, ctx: Ctx) -> tuple[datetime, str] | None:
    """2. an expression that runs to the end, starting as far left as it can."""
    for st in range(max(start + 1, tail - SCAN_WINDOW), tail):
        if not _can_start(s, st):
            continue
        for end, dt in candidates(s, st, ctx):
            if end == tail and not _alone(s, st, end):
                return dt, _clean_before(text[:st])
    return None


def _dateparser_at_edges(text: str, s: str, tail: int, ctx: Ctx) -> tuple[datetime, str] | None:
    """3. dateparser, on runs of English words at the start (longest first), then at the end."""
    words = list(_RX_WORD.finditer(s[:tail]))
    if words and not RX_CJK.search(s[words[0].start(): words[min(len(words), _FALLBACK_WORDS) - 1].end()]):
        for k in range(min(_FALLBACK_WORDS, len(words)), 0, -1):
            if _alone(s, words[0].start(), words[k - 1].end()):
                continue
            dt = english_fallback(s[words[0].start(): words[k - 1].end()], ctx)
            if dt is not None:
                return dt, clean(text[words[k - 1].end():])
    for k in range(min(_FALLBACK_WORDS, len(words) - 1), 0, -1):
        first = words[len(words) - k]
        if _alone(s, first.start(), tail):
            continue
        dt = english_fallback(s[first.start(): tail], ctx)
        if dt is not None:
            return dt, _clean_before(text[: first.start()])
    return None
