"""The one Block Kit vocabulary: text objects and blocks that keep every payload inside Slack's
limits, modals and their inputs, and refusals shown on a modal's fields."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo

from handlers.context import Profile
from handlers import showdates as show
from handlers.i18n import CATALOG, t
from handlers.numbers import money
from handlers.payload import dump_metadata
from store.errors import Amount, DomainError, FieldErrors
from store.lifecycle import NEXT_STAGES, STAGE_STATUSES
from store.vocab import codes

log = logging.getLogger(__name__)

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


def fmt_datetime(when: datetime, profile: Profile, zone: tzinfo | None = None) -> str:
    """A moment in the reader's zone (or `zone`) and locale, by CLDR (handlers/showdates.py):
    2026年11月23日周一 15:00 / Mon, Nov 23, 2026, 3:00 PM (en-US) / Mon, 23 Nov 2026, 15:00 (en-GB)."""
    return show.moment(when, profile.locale, zone or profile.zone)


def fmt_date(day: date, profile: Profile) -> str:
    """2026年11月23日 / Nov 23, 2026 (en-US) / 23 Nov 2026 (en-GB)."""
    return show.day(day, profile.locale)


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


# -- modals and their inputs -------------------------------------------------------------------

MESSAGE_BLOCKS = 50  # blocks in one message
LINES_BUDGET = 2900  # characters of one section's lines, "and N more" included
LINE_MAX = 400


def lines_sections(title: str, lines: list[str], *, loc: str, total: int | None = None, sections: int = 1) -> list[dict]:
    """`title` and as many lines as fit in `sections` sections, then "and N more" (N counts up
    to `total` when the lines are only the first of more)."""
    total = len(lines) if total is None else total
    out, text, shown = [], title, 0
    for line in lines:
        line = clip(line, LINE_MAX)
        room = LINES_BUDGET - len(t(loc, "cust_more", count=total))
        if len(text) + 1 + len(line) > room:
            if len(out) + 1 >= sections:
                break
            out.append(section(text))
            text = ""
        text = f"{text}\n{line}" if text else line
        shown += 1
    if total > shown:
        text += "\n" + t(loc, "cust_more", count=total - shown)
    out.append(section(text))
    return out



def modal(*, callback_id: str, title: str, blocks: list[dict], close: str, submit: str | None = None,
          metadata: dict | None = None) -> dict:
    """A modal view (no submit button when `submit` is None); `metadata` travels as private_metadata
    and is refused (ValueError) past Slack's 3,000 characters rather than cut."""
    view = {"type": "modal", "callback_id": callback_id, "title": plain(title, TITLE_MAX), "close": plain(close, TITLE_MAX),
            "private_metadata": dump_metadata(metadata or {}), "blocks": blocks}
    if submit is not None:
        view["submit"] = plain(submit, TITLE_MAX)
    return view


def input_block(block_id: str, label: str, element: dict, *, optional: bool = False, hint: str | None = None,
        dispatch: bool = False) -> dict:
    block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_input(action_id: str, *, limit: int, initial: str = "", multiline: bool = False,
               placeholder: str | None = None) -> dict:
    element = {"type": "plain_text_input", "action_id": action_id, "max_length": limit, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[:limit]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def static_select(action_id: str, options: list[dict], *, initial: str | None = None) -> dict:
    element = {"type": "static_select", "action_id": action_id, "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def datepicker(action_id: str, *, initial: date | None = None) -> dict:
    element = {"type": "datepicker", "action_id": action_id}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element


def vocab(locale: str, kind: str, code: str | None) -> str:
    """A stored code's label in the reader's language (the code itself when the catalog has none)."""
    key = f"vocab_{kind}_{code}"
    return t(locale, key) if key in CATALOG else (escape(code) if code else "—")


def vocab_options(locale: str, kind: str, only: Iterable[str] | None = None) -> list[dict]:
    return [option(vocab(locale, kind, code), code) for code in (only if only is not None else codes(kind))]


# -- refusals on a modal's fields ----------------------------------------------------------------

def block_in(view: dict, base: str) -> str | None:
    """The id of the view's block `base` (or `base.<mode>`), None when the view has none."""
    return next((b["block_id"] for b in view.get("blocks", [])
                 if b.get("block_id") == base or str(b.get("block_id", "")).startswith(base + ".")), None)


def field_errors(error: DomainError, locale: str, *, blocks: Mapping[str, str], fallback: str,
                 view: dict | None = None) -> dict[str, str]:
    """Each refusal on the block of its field (`blocks`: field -> block id), the rest on `fallback`;
    given the `view`, a block it does not have is replaced by `fallback` too (or their `.<mode>` ids)."""
    shown: dict[str, str] = {}
    home = (block_in(view, fallback) if view else None) or fallback
    for e in error.errors if isinstance(error, FieldErrors) else [error]:
        block = blocks.get(e.field or "", fallback)
        block = (block_in(view, block) or home) if view else block
        shown.setdefault(block, refusal(locale, e))
    return shown


def _stage_list(locale: str, stages: Iterable[str]) -> str:
    return t(locale, "lc_list_sep").join(vocab(locale, "stage", s) for s in codes("stage") if s in set(stages))


def refusal(locale: str, error: DomainError) -> str:
    """The catalog's text for a store refusal, its codes shown as labels; the lifecycle's own
    refusals also say what is possible instead."""
    p = {k: money(v.value, v.currency, locale) if isinstance(v, Amount) else v for k, v in error.params.items()}
    if error.key == "err_transition":
        return t(locale, "lc_err_transition", stage_from=vocab(locale, "stage", p["stage_from"]),
                 stage_to=vocab(locale, "stage", p["stage_to"]),
                 allowed=_stage_list(locale, NEXT_STAGES.get(str(p["stage_from"]), ())))
    if error.key == "err_status" and p.get("stage") in STAGE_STATUSES:
        return t(locale, "lc_err_status", status=vocab(locale, "status", p["status"]), stage=vocab(locale, "stage", p["stage"]),
                 allowed=t(locale, "lc_list_sep").join(vocab(locale, "status", s) for s in STAGE_STATUSES[p["stage"]]))
    if error.key == "err_status_required" and p.get("stage") in STAGE_STATUSES:
        return t(locale, "lc_err_status_required", stage=vocab(locale, "stage", p["stage"]),
                 allowed=t(locale, "lc_list_sep").join(vocab(locale, "status", s) for s in STAGE_STATUSES[p["stage"]]))
    if error.key == "lc_err_stage_word":
        p["allowed"] = _stage_list(locale, codes("stage"))
    if error.key in ("err_deal_closed", "err_deal_stage") and "stage" in p:
        p["stage"] = vocab(locale, "deal_stage", str(p["stage"]))
    if error.key not in CATALOG:
        log.warning("no text for refusal %s", error.key)
        return t(locale, "err_internal")
    return t(locale, error.key, **p)
