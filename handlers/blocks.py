"""Block Kit building blocks that keep every payload inside Slack's limits."""
from __future__ import annotations

import json
import re
from datetime import date, datetime

from handlers.context import Profile
from handlers.i18n import ZH, lang

SECTION_MAX = 3000
PLAIN_MAX = 75       # button and option text
TITLE_MAX = 24       # modal title, submit, close
CONTEXT_MAX = 2000


def clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def escape(text: str) -> str:
    """User text inside mrkdwn: no <!channel>, no links or mentions smuggled in."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = PLAIN_MAX) -> dict:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, CONTEXT_MAX)}]}


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value[:150]}


def mention(user_id: str) -> str:
    """A person, or a channel when given a channel id (C…, G…: digests go to channels)."""
    if not user_id:
        return ""
    return f"<#{user_id}>" if user_id[:1] in ("C", "G") else f"<@{user_id}>"


_WEEKDAYS_ZH = "一二三四五六日"


def fmt_datetime(when: datetime, profile: Profile) -> str:
    """A moment in the reader's zone and language, e.g. 11月23日 周一 15:00 / Mon 23 Nov 2026, 15:00."""
    local = when.astimezone(profile.zone)
    if lang(profile.locale) == ZH:
        return f"{local.year}年{local.month}月{local.day}日 周{_WEEKDAYS_ZH[local.weekday()]} {local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def fmt_date(day: date, profile: Profile) -> str:
    if lang(profile.locale) == ZH:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%b %Y}"


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_LINKISH = re.compile(r"<([@#!][^|>]*|[^|>]+)(?:\|([^>]*))?>")


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned in an escaped slash command's text (`<@U123|name>`)."""
    return _MENTION.findall(text or "")


def unescape(text: str) -> str:
    """An escaped slash command's text as the user typed it: `<@U1|wang>` -> @wang, links -> their
    label or address, entities back to characters."""
    def plain_of(m: re.Match) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return label or target[1:]
        return label or target

    text = _LINKISH.sub(plain_of, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def input_block(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def modal(*, callback_id: str, title: str, submit: str, close: str, blocks: list[dict], metadata: dict | None = None) -> dict:
    """A modal view; `metadata` travels as private_metadata (JSON, at most 3000 characters)."""
    meta = json.dumps(metadata or {})
    if len(meta) > 3000:
        raise ValueError("private_metadata over 3000 characters")
    return {"type": "modal", "callback_id": callback_id, "title": plain(title, TITLE_MAX), "submit": plain(submit, TITLE_MAX),
            "close": plain(close, TITLE_MAX), "private_metadata": meta, "blocks": blocks}
