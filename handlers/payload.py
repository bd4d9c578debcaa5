"""Reading what Slack sends, strictly: a submitted view's private_metadata and state values, and
the ids buttons carry. Anything that is not the shape the bot itself built raises
MalformedPayload; bot/app.py's error handler answers that with a 200, a logged warning, no change
and one sentence saying nothing was saved (on the modal's first field, or through Slack's
response_url): a broken private_metadata is never read as {}. private_metadata is built by
dump_metadata (through blocks.modal) from ids only, and refused, never cut, past Slack's 3000."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

from handlers import ids
from store.text import whole_number

METADATA_MAX = 3000          # Slack's limit on private_metadata
ID_MAX = 2**63 - 1           # a BIGINT primary key; past this PostgreSQL refuses the query
_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_CHANNEL = re.compile(r"[CDGZ][A-Z0-9]{2,30}")
_TS = re.compile(r"\d{1,12}\.\d{1,9}")
_LATEST_STAMP = datetime(9000, 1, 1, tzinfo=timezone.utc).timestamp()  # a datetimepicker's answer stays well inside datetime


class MalformedPayload(ValueError):
    """A Slack payload the bot did not build: wrong JSON, a missing part, a value of the wrong type."""


def record_id(value: object) -> int | None:
    """A database id (from JSON or a button value): a positive int within 64 bits, else None."""
    if isinstance(value, str):
        value = whole_number(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= ID_MAX else None


def is_user_id(value: object) -> bool:
    return isinstance(value, str) and _USER.fullmatch(value) is not None


def is_channel_id(value: object) -> bool:
    return isinstance(value, str) and _CHANNEL.fullmatch(value) is not None


def is_message_ts(value: object) -> bool:
    return isinstance(value, str) and _TS.fullmatch(value) is not None


# -- private_metadata --------------------------------------------------------------------------

def dump_metadata(meta: dict) -> str:
    """private_metadata for a view; refuses (ValueError) what Slack would not carry whole."""
    text = json.dumps(meta)
    if len(text) > METADATA_MAX:
        raise ValueError(f"private_metadata of {len(text)} characters, over {METADATA_MAX}")
    return text


class Metadata:
    """A submitted view's private_metadata, each key read as the type it was written with."""

    def __init__(self, raw: dict) -> None:
        self.raw = raw

    def id(self, key: str) -> int:
        found = record_id(self.raw.get(key))
        if found is None:
            raise MalformedPayload(f"private_metadata[{key!r}] is not an id: {self.raw.get(key)!r:.60}")
        return found

    def optional_id(self, key: str) -> int | None:
        return None if self.raw.get(key) is None else self.id(key)

    def text(self, key: str) -> str:
        value = self.raw.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise MalformedPayload(f"private_metadata[{key!r}] is not text: {value!r:.60}")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) or None

    def part(self, key: str) -> "Metadata":
        """A nested object (empty when missing)."""
        value = self.raw.get(key)
        if value is not None and not isinstance(value, dict):
            raise MalformedPayload(f"private_metadata[{key!r}] is not an object")
        return Metadata(value or {})


def read_metadata(view: dict) -> Metadata:
    raw = view.get("private_metadata") if isinstance(view, dict) else None
    if raw in (None, ""):
        return Metadata({})
    if not isinstance(raw, str):
        raise MalformedPayload("private_metadata is not a string")
    try:
        meta = json.loads(raw)
    except (ValueError, RecursionError):
        raise MalformedPayload("private_metadata is not JSON") from None
    if not isinstance(meta, dict):
        raise MalformedPayload(f"private_metadata is a {type(meta).__name__}, not an object")
    return Metadata(meta)


# -- state values ------------------------------------------------------------------------------

def state_values(view: dict) -> dict[str, dict[str, dict]]:
    """block_id -> action_id -> the element's state; raises when the view has no state."""
    values = ((view or {}).get("state") or {}).get("values") if isinstance(view, dict) else None
    if not isinstance(values, dict):
        raise MalformedPayload("view without state.values")
    for block in values.values():
        if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
            raise MalformedPayload("state.values is not block -> action -> state")
    return values


def element_state(values: dict, action_id: str) -> dict:
    """The state of `action_id` in whichever block it sits (our action ids are unique in a view)."""
    return next((block[action_id] for block in values.values() if action_id in block), {})


def text_of(item: dict, key: str = "value") -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedPayload(f"{key} is a {type(value).__name__}, not text")
    return value


def option_of(item: dict) -> str | None:
    chosen = item.get("selected_option")
    if chosen is None:
        return None
    if not isinstance(chosen, dict):
        raise MalformedPayload("selected_option is not an object")
    return text_of(chosen) or None


def options_of(item: dict) -> tuple[str, ...]:
    chosen = item.get("selected_options")
    if chosen is None:
        return ()
    if not isinstance(chosen, list) or not all(isinstance(o, dict) and isinstance(o.get("value"), str) for o in chosen):
        raise MalformedPayload("selected_options is not a list of options")
    return tuple(o["value"] for o in chosen)


def user_of(item: dict) -> str | None:
    user = item.get("selected_user")
    if user in (None, ""):
        return None
    if not is_user_id(user):
        raise MalformedPayload(f"selected_user is not a Slack user id: {user!r:.40}")
    return user


def date_of(item: dict) -> date | None:
    raw = text_of(item, "selected_date")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise MalformedPayload(f"selected_date is not a date: {raw!r:.40}") from None


def datetime_of(item: dict) -> datetime | None:
    stamp = item.get("selected_date_time")
    if stamp is None:
        return None
    if isinstance(stamp, str):
        stamp = whole_number(stamp)
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)) or not 0 <= stamp < _LATEST_STAMP:
        raise MalformedPayload(f"selected_date_time is not a time: {item.get('selected_date_time')!r:.40}")
    return datetime.fromtimestamp(int(stamp), tz=timezone.utc)


def customer_choice(value: str | None) -> tuple[int | None, str | None]:
    """The customer picker's option: (id, None) for "c:<id>", (None, name) for "n:<name>", (None, None) unpicked."""
    if not value:
        return None, None
    if value.startswith(ids.CUSTOMER_NEW):
        return None, value[len(ids.CUSTOMER_NEW):]
    found = record_id(value[len(ids.CUSTOMER_EXISTING):]) if value.startswith(ids.CUSTOMER_EXISTING) else None
    if found is None:
        raise MalformedPayload(f"not a customer option: {value!r:.40}")
    return found, None


def clicked_value(body: dict) -> str:
    """The value of the button or option a block_actions payload carries ('' when there is none)."""
    actions = body.get("actions") if isinstance(body, dict) else None
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise MalformedPayload("block_actions without actions")
    clicked = actions[0]
    if "selected_option" in clicked:
        return option_of(clicked) or ""
    value = clicked.get("value")
    return value if isinstance(value, str) else ""
