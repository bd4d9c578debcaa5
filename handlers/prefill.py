"""`/crm log <free text>`: what the words say about customer, way, summary, next action and due.

Only exact, indexed customer lookups happen here: this runs before views.open.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from handlers.dates import When, extract_reading
from store.customers import find_exact
from store.models import Customer, Way
from store.text import ACTION_MAX, SUMMARY_MAX, clean, clip_to

_NEXT = re.compile(r"(?:下一步|下步|下次|后续|next\s*step|next|todo)\s*[:：]|(?:下一步|下步)\s+", re.IGNORECASE)
_SPLIT = re.compile(r"[\s,，;；]+")
_TRIM = " \t\n,，.。;；:：-—"
MAX_NAME_TOKENS = 4

# First match wins: the more specific ways come first.
_WAY_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (Way.online_meeting.value, ("线上会议", "视频会议", "腾讯会议", "钉钉会议", "飞书会议", "zoom", "teams", "online meeting", "video call", "webinar")),
    (Way.visit.value, ("拜访", "上门", "走访", "登门", "visit", "on-site", "onsite")),
    (Way.phone.value, ("电话", "致电", "通话", "打给", "call", "phone", "rang")),
    (Way.email.value, ("邮件", "email", "e-mail", "mail")),
    (Way.meeting.value, ("会议", "开会", "会谈", "面谈", "演示", "meeting", "demo", "presentation", "workshop")),
]


@dataclass(frozen=True)
class Prefill:
    customer: Customer | None = None
    way: str | None = None
    summary: str = ""
    action: str = ""
    due: datetime | None = None
    reading: When | None = None   # what the due words said (their other readings, a zone they named)
    due_words: str = ""           # the user's words for the due time ("下周三", "9am PST")
    unread: str = ""              # the next-step words when no future time came out of them ("2月30日 发报价", "yesterday 3pm")


def guess_way(text: str) -> str | None:
    low = text.casefold()
    for way, words in _WAY_WORDS:
        if any(w in low for w in words):
            return way
    return None


def _leading_customer(session: Session, head: str) -> tuple[Customer | None, str]:
    tokens = [tok for tok in _SPLIT.split(head) if tok]
    for k in range(min(MAX_NAME_TOKENS, len(tokens)), 0, -1):
        candidate = " ".join(tokens[:k])
        customer = find_exact(session=session, text=candidate)
        if customer is not None:
            rest = head
            for tok in tokens[:k]:  # drop exactly the tokens that named the customer
                rest = rest[rest.index(tok) + len(tok):]
            return customer, rest.strip(_TRIM)
    return None, head


def leading_customer(text: str, *, session: Session) -> tuple[Customer | None, str]:
    """A known customer named by the first words of `text` (exact, indexed lookups), and the rest."""
    return _leading_customer(session, clean(text).strip(_TRIM))


def _words_for_time(tail: str, rest: str) -> str:
    """The words of `tail` that were the time: the part before or after the action's words."""
    if rest and tail.startswith(rest):
        return tail[len(rest):].strip(_TRIM)
    if rest and tail.endswith(rest):
        return tail[: len(tail) - len(rest)].strip(_TRIM)
    return tail if not rest else ""


def parse_free_text(text: str, *, session: Session, now: datetime, tz: str, locale: str | None = None) -> Prefill:
    """`locale` (the user's, e.g. en-GB) decides how "15/2" style due dates read."""
    text = clean(text)
    if not text:
        return Prefill()
    match = _NEXT.search(text)
    head, tail = (text[: match.start()], text[match.end():]) if match else (text, "")
    customer, summary = _leading_customer(session, head.strip(_TRIM))
    reading, action = (None, "")
    if tail.strip(_TRIM):
        reading, action = extract_reading(tail.strip(_TRIM), now=now, tz=tz, locale=locale)
    if reading is not None and reading.at <= now:
        reading = None
    return Prefill(
        customer=customer,
        way=guess_way(summary),
        summary=clip_to(summary.strip(_TRIM), SUMMARY_MAX),
        action=clip_to(action.strip(_TRIM), ACTION_MAX),
        due=reading.at if reading is not None else None,
        reading=reading,
        due_words=_words_for_time(tail.strip(_TRIM), action.strip(_TRIM)) if reading is not None else "",
        unread=tail.strip(_TRIM) if reading is None else "",
    )
