"""A fake Slack Web API server for tests.

Real HTTP on 127.0.0.1 (random free port), served by ``ThreadingHTTPServer`` in a
daemon thread.  Point a real ``slack_sdk.WebClient`` at it::

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.calls_to("chat.postMessage")[0].params["text"] == "hi"
        assert fake.violations == []

Every request is recorded as a :class:`Call`.  Every message / view payload is
checked against Block Kit limits (:func:`check_blocks`, :func:`check_view`);
a problem is appended to ``fake.violations`` and the request is answered with
``ok: false`` so the bot under test sees the same failure Slack would give it.

Limits were taken from Slack's reference pages (docs.slack.dev / api.slack.com):

* blocks: 50 per message, 100 per modal / Home tab
  (https://api.slack.com/reference/block-kit/blocks, "up to 50 blocks in each
  message, and 100 blocks in modals or Home tabs")
* modal view: title/submit/close plain_text <= 24, private_metadata <= 3000,
  callback_id <= 255, blocks <= 100, submit required with input blocks
  (https://docs.slack.dev/reference/views/modal-views)
* external_id <= 255 (views.update method reference)
* section: text 1..3000, fields <= 10 items each <= 2000, block_id <= 255
  (https://docs.slack.dev/reference/block-kit/blocks/section-block)
* header: plain_text <= 150; context: <= 10 elements; actions: <= 25 elements
  (Block Kit blocks reference)
* input: label plain_text <= 2000, hint plain_text <= 2000
  (https://docs.slack.dev/reference/block-kit/blocks/input-block)
* button: text plain_text <= 75, value <= 2000, url <= 3000, action_id <= 255
  (button element reference)
* option: text <= 75, value <= 150, description <= 75, url <= 3000
  (https://docs.slack.dev/reference/block-kit/composition-objects/option-object)
* option group: label plain_text <= 75, options <= 100
  (https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object)
* static select: options <= 100, option_groups <= 100, placeholder <= 150
  (select menu element reference)
* checkboxes / radio_buttons: options <= 10 (element references)
* plain_text_input: placeholder <= 150, min_length 0..3000, max_length 1..3000
  (https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element)
* confirm dialog: title <= 100, text <= 300, confirm/deny <= 30
  (https://api.slack.com/reference/block-kit/composition-objects)
* chat.postMessage top-level text: Slack truncates past 40,000 characters
  (https://api.slack.com/changelog/2018-04-truncating-really-long-messages);
  here it is treated as an error (``msg_too_long``) so tests notice.

Lengths are measured with ``len()`` (characters, not bytes).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP as _HTTP_POLICY
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

__all__ = ["FakeSlack", "Call", "check_blocks", "check_view", "LIMITS"]


# --------------------------------------------------------------------------------------
# Block Kit limits
# --------------------------------------------------------------------------------------

LIMITS: dict[str, int] = {
    "message.blocks": 50,
    "view.blocks": 100,  # modal and home
    "modal.title": 24,
    "modal.submit": 24,
    "modal.close": 24,
    "view.private_metadata": 3000,
    "view.callback_id": 255,
    "view.external_id": 255,
    "block_id": 255,
    "action_id": 255,
    "section.text": 3000,
    "section.fields": 10,
    "section.field_text": 2000,
    "header.text": 150,
    "context.elements": 10,
    "actions.elements": 25,
    "input.label": 2000,
    "input.hint": 2000,
    "button.text": 75,
    "button.value": 2000,
    "button.url": 3000,
    "option.text": 75,
    "option.value": 150,
    "option.description": 75,
    "option.url": 3000,
    "option_group.label": 75,
    "option_group.options": 100,
    "select.options": 100,
    "select.option_groups": 100,
    "checkboxes.options": 10,
    "radio_buttons.options": 10,
    "placeholder": 150,
    "plain_text_input.length": 3000,
    "confirm.title": 100,
    "confirm.text": 300,
    "confirm.confirm": 30,
    "confirm.deny": 30,
    "message.text": 40000,
}

BLOCK_TYPES = frozenset(
    {
        "actions",
        "call",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)

SELECT_TYPES = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)

# Elements allowed as the `element` of an input block.
INPUT_ELEMENT_TYPES = SELECT_TYPES | frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "checkboxes",
        "radio_buttons",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "file_input",
    }
)

ELEMENT_TYPES = INPUT_ELEMENT_TYPES | frozenset(
    {"button", "overflow", "image", "workflow_button", "feedback_buttons", "icon_button"}
)

# Elements that take a `placeholder` text object.
PLACEHOLDER_TYPES = SELECT_TYPES | frozenset(
    {
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "datepicker",
        "timepicker",
    }
)


class _Checker:
    """Collects readable violation strings while walking a payload."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, path: str, msg: str) -> None:
        self.errors.append(f"{path}: {msg}")

    # ---- primitives -------------------------------------------------------------

    def max_len(self, value: Any, path: str, limit: int) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.err(path, f"must be a string, got {type(value).__name__}")
        elif len(value) > limit:
            self.err(path, f"{len(value)} chars exceeds max {limit}")

    def text(
        self,
        obj: Any,
        path: str,
        *,
        limit: int | None = None,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.err(path, "required text object is missing")
            return
        if not isinstance(obj, dict):
            self.err(path, f"must be a text object (dict), got {type(obj).__name__}")
            return
        kind = obj.get("type")
        if kind not in ("plain_text", "mrkdwn"):
            self.err(f"{path}.type", f"must be 'plain_text' or 'mrkdwn', got {kind!r}")
        elif plain_only and kind != "plain_text":
            self.err(f"{path}.type", f"must be 'plain_text', got {kind!r}")
        value = obj.get("text")
        if not isinstance(value, str) or value == "":
            self.err(f"{path}.text", "must be a non-empty string")
        elif limit is not None and len(value) > limit:
            self.err(f"{path}.text", f"{len(value)} chars exceeds max {limit}")

    def count(self, items: Any, path: str, limit: int, *, what: str = "items") -> bool:
        """Checks `items` is a list no longer than `limit`; returns True if it is a list."""
        if items is None:
            return False
        if not isinstance(items, list):
            self.err(path, f"must be an array, got {type(items).__name__}")
            return False
        if len(items) > limit:
            self.err(path, f"{len(items)} {what} exceeds max {limit}")
        return True

    # ---- composition objects ----------------------------------------------------

    def option(self, opt: Any, path: str, *, plain_only: bool, allow_url: bool = False) -> None:
        if not isinstance(opt, dict):
            self.err(path, "option must be an object")
            return
        self.text(opt.get("text"), f"{path}.text", limit=LIMITS["option.text"], plain_only=plain_only)
        value = opt.get("value")
        if value is None:
            self.err(f"{path}.value", "is required")
        else:
            self.max_len(value, f"{path}.value", LIMITS["option.value"])
        self.text(
            opt.get("description"),
            f"{path}.description",
            limit=LIMITS["option.description"],
            plain_only=plain_only,
            required=False,
        )
        if "url" in opt:
            if not allow_url:
                self.err(f"{path}.url", "url is only allowed on overflow menu options")
            self.max_len(opt.get("url"), f"{path}.url", LIMITS["option.url"])

    def options(self, items: Any, path: str, limit: int, *, plain_only: bool, allow_url: bool = False) -> None:
        if self.count(items, path, limit, what="options"):
            for i, opt in enumerate(items):
                self.option(opt, f"{path}[{i}]", plain_only=plain_only, allow_url=allow_url)

    def confirm(self, obj: Any, path: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.err(path, "confirm must be an object")
            return
        self.text(obj.get("title"), f"{path}.title", limit=LIMITS["confirm.title"], plain_only=True)
        self.text(obj.get("text"), f"{path}.text", limit=LIMITS["confirm.text"])
        self.text(obj.get("confirm"), f"{path}.confirm", limit=LIMITS["confirm.confirm"], plain_only=True)
        self.text(obj.get("deny"), f"{path}.deny", limit=LIMITS["confirm.deny"], plain_only=True)

    # ---- elements ---------------------------------------------------------------

    def element(self, el: Any, path: str, action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.err(path, f"element must be an object, got {type(el).__name__}")
            return
        kind = el.get("type")
        path = f"{path}({kind})"
        if kind not in ELEMENT_TYPES:
            self.err(path, f"unknown element type {kind!r}")
            return

        if "action_id" in el:
            aid = el["action_id"]
            self.max_len(aid, f"{path}.action_id", LIMITS["action_id"])
            if isinstance(aid, str):
                if aid in action_ids:
                    self.err(f"{path}.action_id", f"duplicate action_id {aid!r} within the block")
                action_ids.add(aid)

        if kind in PLACEHOLDER_TYPES:
            self.text(
                el.get("placeholder"),
                f"{path}.placeholder",
                limit=LIMITS["placeholder"],
                plain_only=True,
                required=False,
            )
        self.confirm(el.get("confirm"), f"{path}.confirm")

        if kind == "button":
            self.text(el.get("text"), f"{path}.text", limit=LIMITS["button.text"], plain_only=True)
            self.max_len(el.get("value"), f"{path}.value", LIMITS["button.value"])
            self.max_len(el.get("url"), f"{path}.url", LIMITS["button.url"])
            style = el.get("style")
            if style is not None and style not in ("primary", "danger"):
                self.err(f"{path}.style", f"must be 'primary' or 'danger', got {style!r}")
        elif kind in ("static_select", "multi_static_select"):
            has_opts = "options" in el
            has_groups = "option_groups" in el
            if has_opts and has_groups:
                self.err(path, "give either options or option_groups, not both")
            if not has_opts and not has_groups:
                self.err(path, "options or option_groups is required")
            self.options(el.get("options"), f"{path}.options", LIMITS["select.options"], plain_only=True)
            groups = el.get("option_groups")
            if self.count(groups, f"{path}.option_groups", LIMITS["select.option_groups"], what="option groups"):
                for gi, group in enumerate(groups):
                    gpath = f"{path}.option_groups[{gi}]"
                    if not isinstance(group, dict):
                        self.err(gpath, "option group must be an object")
                        continue
                    self.text(group.get("label"), f"{gpath}.label", limit=LIMITS["option_group.label"], plain_only=True)
                    if group.get("options") is None:
                        self.err(f"{gpath}.options", "is required")
                    self.options(group.get("options"), f"{gpath}.options", LIMITS["option_group.options"], plain_only=True)
            if el.get("initial_option") is not None:
                self.option(el["initial_option"], f"{path}.initial_option", plain_only=True)
            for i, opt in enumerate(el.get("initial_options") or []):
                self.option(opt, f"{path}.initial_options[{i}]", plain_only=True)
        elif kind == "overflow":
            if el.get("options") is None:
                self.err(f"{path}.options", "is required")
            # No count limit enforced here (not re-verified); each option is checked.
            opts = el.get("options")
            if isinstance(opts, list):
                for i, opt in enumerate(opts):
                    self.option(opt, f"{path}.options[{i}]", plain_only=True, allow_url=True)
        elif kind in ("checkboxes", "radio_buttons"):
            if el.get("options") is None:
                self.err(f"{path}.options", "is required")
            self.options(el.get("options"), f"{path}.options", LIMITS[f"{kind}.options"], plain_only=False)
            if el.get("initial_option") is not None:
                self.option(el["initial_option"], f"{path}.initial_option", plain_only=False)
            for i, opt in enumerate(el.get("initial_options") or []):
                self.option(opt, f"{path}.initial_options[{i}]", plain_only=False)
        elif kind == "plain_text_input":
            limit = LIMITS["plain_text_input.length"]
            max_length = el.get("max_length")
            min_length = el.get("min_length")
            if max_length is not None and (not isinstance(max_length, int) or not 1 <= max_length <= limit):
                self.err(f"{path}.max_length", f"must be an integer 1..{limit}, got {max_length!r}")
                max_length = None
            if min_length is not None and (not isinstance(min_length, int) or not 0 <= min_length <= limit):
                self.err(f"{path}.min_length", f"must be an integer 0..{limit}, got {min_length!r}")
                min_length = None
            if max_length is not None and min_length is not None and min_length > max_length:
                self.err(path, f"min_length {min_length} is greater than max_length {max_length}")
            initial = el.get("initial_value")
            if initial is not None:
                if not isinstance(initial, str):
                    self.err(f"{path}.initial_value", f"must be a string, got {type(initial).__name__}")
                elif max_length is not None and len(initial) > max_length:
                    self.err(
                        f"{path}.initial_value",
                        f"{len(initial)} chars exceeds the element's max_length {max_length}",
                    )
        elif kind == "image":
            if not el.get("alt_text"):
                self.err(f"{path}.alt_text", "is required")
            if not el.get("image_url") and not el.get("slack_file"):
                self.err(path, "image_url or slack_file is required")

    # ---- blocks -----------------------------------------------------------------

    def blocks(self, blocks: Any, *, surface: str, path: str = "blocks") -> None:
        if surface not in ("message", "modal", "home"):
            raise ValueError(f"surface must be 'message', 'modal' or 'home', got {surface!r}")
        if blocks is None:
            return
        if not isinstance(blocks, list):
            self.err(path, f"must be an array of blocks, got {type(blocks).__name__}")
            return
        limit = LIMITS["message.blocks"] if surface == "message" else LIMITS["view.blocks"]
        if len(blocks) > limit:
            self.err(path, f"{len(blocks)} blocks exceeds max {limit} for a {surface}")
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{path}[{i}]", block_ids)

    def block(self, block: Any, path: str, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.err(path, f"block must be an object, got {type(block).__name__}")
            return
        kind = block.get("type")
        path = f"{path}({kind})"
        if kind not in BLOCK_TYPES:
            self.err(path, f"unknown block type {kind!r}")
            return
        if "block_id" in block:
            bid = block["block_id"]
            self.max_len(bid, f"{path}.block_id", LIMITS["block_id"])
            if isinstance(bid, str):
                if bid == "":
                    self.err(f"{path}.block_id", "must not be empty")
                elif bid in block_ids:
                    self.err(f"{path}.block_id", f"duplicate block_id {bid!r}")
                block_ids.add(bid)

        action_ids: set[str] = set()
        if kind == "section":
            has_text = block.get("text") is not None
            fields = block.get("fields")
            if not has_text and not fields:
                self.err(path, "section needs text or fields")
            self.text(block.get("text"), f"{path}.text", limit=LIMITS["section.text"], required=False)
            if self.count(fields, f"{path}.fields", LIMITS["section.fields"], what="fields"):
                for fi, f in enumerate(fields):
                    self.text(f, f"{path}.fields[{fi}]", limit=LIMITS["section.field_text"])
            if block.get("accessory") is not None:
                self.element(block["accessory"], f"{path}.accessory", action_ids)
        elif kind == "header":
            self.text(block.get("text"), f"{path}.text", limit=LIMITS["header.text"], plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not elements:
                self.err(f"{path}.elements", "at least one element is required")
            if self.count(elements, f"{path}.elements", LIMITS["context.elements"], what="elements"):
                for ei, el in enumerate(elements):
                    epath = f"{path}.elements[{ei}]"
                    if isinstance(el, dict) and el.get("type") == "image":
                        self.element(el, epath, action_ids)
                    else:
                        self.text(el, epath)
        elif kind == "actions":
            elements = block.get("elements")
            if not elements:
                self.err(f"{path}.elements", "at least one element is required")
            if self.count(elements, f"{path}.elements", LIMITS["actions.elements"], what="elements"):
                for ei, el in enumerate(elements):
                    self.element(el, f"{path}.elements[{ei}]", action_ids)
        elif kind == "input":
            self.text(block.get("label"), f"{path}.label", limit=LIMITS["input.label"], plain_only=True)
            self.text(block.get("hint"), f"{path}.hint", limit=LIMITS["input.hint"], plain_only=True, required=False)
            el = block.get("element")
            if el is None:
                self.err(f"{path}.element", "is required")
            elif isinstance(el, dict) and el.get("type") not in INPUT_ELEMENT_TYPES:
                self.err(f"{path}.element", f"element type {el.get('type')!r} is not allowed in an input block")
            else:
                self.element(el, f"{path}.element", action_ids)
        elif kind == "image":
            if not block.get("alt_text"):
                self.err(f"{path}.alt_text", "is required")
            if not block.get("image_url") and not block.get("slack_file"):
                self.err(path, "image_url or slack_file is required")
            self.text(block.get("title"), f"{path}.title", plain_only=True, required=False)

    # ---- views ------------------------------------------------------------------

    def view(self, view: Any, path: str = "view") -> None:
        if not isinstance(view, dict):
            self.err(path, f"must be a view object, got {type(view).__name__}")
            return
        kind = view.get("type")
        if kind not in ("modal", "home"):
            self.err(f"{path}.type", f"must be 'modal' or 'home', got {kind!r}")
            return
        if kind == "modal":
            self.text(view.get("title"), f"{path}.title", limit=LIMITS["modal.title"], plain_only=True)
            for key in ("submit", "close"):
                self.text(view.get(key), f"{path}.{key}", limit=LIMITS[f"modal.{key}"], plain_only=True, required=False)
            blocks = view.get("blocks")
            if (
                isinstance(blocks, list)
                and view.get("submit") is None
                and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            ):
                self.err(f"{path}.submit", "is required when the modal has input blocks")
        self.max_len(view.get("private_metadata"), f"{path}.private_metadata", LIMITS["view.private_metadata"])
        self.max_len(view.get("callback_id"), f"{path}.callback_id", LIMITS["view.callback_id"])
        self.max_len(view.get("external_id"), f"{path}.external_id", LIMITS["view.external_id"])
        if view.get("blocks") is None:
            self.err(f"{path}.blocks", "is required")
        else:
            self.blocks(view.get("blocks"), surface=kind, path=f"{path}.blocks")


def check_blocks(blocks: Any, *, surface: str) -> list[str]:
    """Returns Block Kit violations for a blocks array on surface "message" | "modal" | "home"."""
    checker = _Checker()
    checker.blocks(blocks, surface=surface)
    return checker.errors


def check_view(view: Any) -> list[str]:
    """Returns Block Kit violations for a view object (type "modal" or "home")."""
    checker = _Checker()
    checker.view(view)
    return checker.errors


# --------------------------------------------------------------------------------------
# Recorded calls
# --------------------------------------------------------------------------------------


@dataclass
class Call:
    method: str  # "chat.postMessage", "upload:F0000000001", "response_url:cmd", ...
    params: dict  # decoded request arguments (JSON strings for blocks/view/... decoded)
    headers: dict  # request headers, names lower-cased
    at: float  # time.monotonic() when the request arrived
    status: int | None = None  # HTTP status the fake answered with (None while in flight)
    response: Any = None  # decoded body the fake answered with (dict for API methods)


_JSON_PARAMS = ("blocks", "view", "attachments", "files", "metadata")
_DEFAULT_USER_TZ = "Asia/Shanghai"


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    delay: float
    remaining: int


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _tz_offset(tz_name: str) -> int:
    try:
        from zoneinfo import ZoneInfo

        offset = datetime.now(timezone.utc).astimezone(ZoneInfo(tz_name)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0
    except Exception:
        return 0


def _dm_channel_for(user_id: str) -> str:
    return "D" + user_id[1:]


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class FakeSlack:
    """Fake Slack Web API.  See module docstring."""

    TEAM_ID = "T000TEST"
    TEAM_NAME = "Test Team"
    BOT_USER_ID = "UBOT"
    BOT_ID = "BBOT"
    APP_ID = "A000TEST"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.users: dict[str, dict] = {}
        self.uploads: dict[str, bytes] = {}  # file_id -> uploaded bytes
        self.views: dict[str, dict] = {}  # view_id -> last view object returned
        self._lock = threading.RLock()
        self._failures: dict[str, deque[_Failure]] = {}
        self._pending_files: dict[str, dict] = {}
        self._external_ids: dict[str, str] = {}  # external_id -> view_id
        self._seq = 0
        self._ts_seq = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int = 0
        self.url: str = ""

    # ---- lifecycle --------------------------------------------------------------

    def start(self) -> "FakeSlack":
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeSlack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping on a scripted delay
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- test-facing helpers ----------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        """Methods of all recorded calls, in order."""
        with self._lock:
            return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} call(s) to {method!r}; "
                    f"got {len(found)}. Methods seen, in order: {self.methods()}"
                )
            time.sleep(0.01)

    def add_user(
        self,
        user_id: str,
        *,
        tz: str = _DEFAULT_USER_TZ,
        locale: str = "zh-CN",
        name: str = "",
        real_name: str = "",
        email: str = "",
    ) -> None:
        with self._lock:
            self.users[user_id] = {
                "id": user_id,
                "tz": tz,
                "locale": locale,
                "name": name or user_id.lower(),
                "real_name": real_name or name or user_id,
                "email": email,
            }

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Scripts the next `times` calls to `method` (FIFO with earlier scripts).

        * ``retry_after`` given -> HTTP 429 with ``Retry-After: <retry_after>``.
        * ``error`` given -> HTTP 200 ``{"ok": false, "error": error}``.
        * otherwise HTTP ``status`` with ``{"ok": false, "error": ...}``; ``status=200``
          (with no error) means "answer normally", useful with ``delay`` for a slow reply.
        * ``delay`` seconds are slept before answering (interrupted by ``stop()``).
        """
        if retry_after is not None:
            status = 429
        with self._lock:
            self._failures.setdefault(method, deque()).append(
                _Failure(status=status, retry_after=retry_after, error=error, delay=delay, remaining=times)
            )

    def response_url(self, name: str = "cmd") -> str:
        if not self.port:
            raise RuntimeError("FakeSlack.start() must be called before response_url()")
        return f"http://127.0.0.1:{self.port}/response_url/{quote(name, safe='')}"

    def reset(self) -> None:
        """Clears calls, violations and scripted failures (keeps users, views, id counters)."""
        with self._lock:
            self.calls.clear()
            self.violations.clear()
            self._failures.clear()

    # ---- internals --------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _violate(self, method: str, problems: list[str]) -> None:
        if problems:
            with self._lock:
                self.violations.extend(f"{method}: {p}" for p in problems)

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
            return failure

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._seq += 1
            return f"{prefix}{self._seq:010d}"

    def _next_ts(self) -> str:
        with self._lock:
            self._ts_seq += 1
            micros = self._ts_seq * 100
        return f"{1700000000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ---- API dispatch -----------------------------------------------------------

    def _api(self, method: str, p: dict) -> dict:
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": True}
        return handler(p)

    @staticmethod
    def _fail(error: str, **extra: Any) -> dict:
        return {"ok": False, "error": error, **extra}

    def _m_auth_test(self, p: dict) -> dict:
        return {
            "ok": True,
            "url": "https://test-team.slack.com/",
            "team": self.TEAM_NAME,
            "user": "crm-bot",
            "team_id": self.TEAM_ID,
            "user_id": self.BOT_USER_ID,
            "bot_id": self.BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_users_info(self, p: dict) -> dict:
        with self._lock:
            user = self.users.get(str(p.get("user") or ""))
        if user is None:
            return self._fail("user_not_found")
        out = {
            "id": user["id"],
            "team_id": self.TEAM_ID,
            "name": user["name"],
            "real_name": user["real_name"],
            "deleted": False,
            "is_bot": False,
            "tz": user["tz"],
            "tz_label": user["tz"],
            "tz_offset": _tz_offset(user["tz"]),
            "profile": {
                "real_name": user["real_name"],
                "real_name_normalized": user["real_name"],
                "display_name": user["name"],
                "display_name_normalized": user["name"],
                "email": user["email"],
                "team": self.TEAM_ID,
            },
        }
        if _truthy(p.get("include_locale")):
            out["locale"] = user["locale"]
        return {"ok": True, "user": out}

    def _check_message(self, method: str, p: dict, *, require_content: bool = True) -> dict | None:
        """Validates message content; returns an error response or None."""
        text = p.get("text")
        blocks = p.get("blocks")
        has_text = isinstance(text, str) and text != ""
        has_blocks = isinstance(blocks, list) and len(blocks) > 0
        has_attachments = bool(p.get("attachments"))
        if require_content and not (has_text or has_blocks or has_attachments):
            self._violate(method, ["message has neither text nor blocks"])
            return self._fail("no_text")
        if isinstance(text, str) and len(text) > LIMITS["message.text"]:
            self._violate(method, [f"text: {len(text)} chars exceeds max {LIMITS['message.text']}"])
            return self._fail("msg_too_long")
        if "blocks" in p:
            problems = check_blocks(blocks, surface="message")
            if problems:
                self._violate(method, problems)
                return self._fail("invalid_blocks", errors=problems)
        return None

    def _message(self, p: dict, ts: str) -> dict:
        msg: dict[str, Any] = {
            "type": "message",
            "user": self.BOT_USER_ID,
            "bot_id": self.BOT_ID,
            "app_id": self.APP_ID,
            "team": self.TEAM_ID,
            "text": p.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if p.get(key) is not None:
                msg[key] = p[key]
        return msg

    def _channel(self, p: dict, key: str = "channel") -> str | None:
        channel = p.get(key)
        if not channel or not isinstance(channel, str):
            return None
        if channel[0] in "UW":
            return _dm_channel_for(channel)
        return channel

    def _m_chat_postMessage(self, p: dict) -> dict:
        channel = self._channel(p)
        if channel is None:
            return self._fail("channel_not_found")
        problem = self._check_message("chat.postMessage", p)
        if problem:
            return problem
        ts = self._next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": self._message(p, ts)}

    def _m_chat_postEphemeral(self, p: dict) -> dict:
        channel = self._channel(p)
        if channel is None:
            return self._fail("channel_not_found")
        if not p.get("user"):
            return self._fail("user_not_in_channel")
        problem = self._check_message("chat.postEphemeral", p)
        if problem:
            return problem
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, p: dict) -> dict:
        channel = self._channel(p)
        if channel is None:
            return self._fail("channel_not_found")
        if not p.get("ts"):
            return self._fail("message_not_found")
        problem = self._check_message("chat.update", p)
        if problem:
            return problem
        return {
            "ok": True,
            "channel": channel,
            "ts": p["ts"],
            "text": p.get("text") or "",
            "message": self._message(p, p["ts"]),
        }

    def _m_chat_delete(self, p: dict) -> dict:
        channel = self._channel(p)
        if channel is None:
            return self._fail("channel_not_found")
        if not p.get("ts"):
            return self._fail("message_not_found")
        return {"ok": True, "channel": channel, "ts": p["ts"]}

    def _m_conversations_open(self, p: dict) -> dict:
        users = p.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            if p.get("channel"):
                return {"ok": True, "channel": {"id": p["channel"]}}
            return self._fail("users_list_not_supplied")
        ids = [u.strip() for u in str(users).split(",") if u.strip()]
        if len(ids) == 1:
            channel_id = _dm_channel_for(ids[0])
        else:
            channel_id = "G" + hashlib.sha1(",".join(sorted(ids)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": channel_id}}

    def _m_conversations_info(self, p: dict) -> dict:
        channel = p.get("channel")
        if not channel:
            return self._fail("channel_not_found")
        is_im = channel.startswith("D")
        info: dict[str, Any] = {
            "id": channel,
            "name": None if is_im else channel.lower(),
            "is_channel": channel.startswith("C"),
            "is_group": channel.startswith("G"),
            "is_im": is_im,
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "is_member": True,
            "context_team_id": self.TEAM_ID,
        }
        if is_im:
            info["user"] = "U" + channel[1:]
        return {"ok": True, "channel": info}

    # ---- views ------------------------------------------------------------------

    def _view_problems(self, method: str, p: dict, allowed: tuple[str, ...]) -> dict | None:
        view = p.get("view")
        if view is None:
            self._violate(method, ["view: is required"])
            return self._fail("invalid_arguments")
        problems = check_view(view)
        if not problems and view.get("type") not in allowed:
            problems = [f"view.type: {method} needs a {' or '.join(allowed)} view, got {view.get('type')!r}"]
        if problems:
            self._violate(method, problems)
            return self._fail("invalid_arguments", response_metadata={"messages": problems})
        return None

    def _store_view(self, view: dict, *, view_id: str | None = None, root_view_id: str | None = None,
                    previous_view_id: str | None = None) -> dict:
        view_id = view_id or self._next_id("V")
        out = dict(view)
        out.update(
            {
                "id": view_id,
                "team_id": self.TEAM_ID,
                "app_id": self.APP_ID,
                "bot_id": self.BOT_ID,
                "app_installed_team_id": self.TEAM_ID,
                "hash": f"{int(time.time())}.{hashlib.sha1(view_id.encode() + str(time.monotonic_ns()).encode()).hexdigest()[:8]}",
                "state": {"values": {}},
                "root_view_id": root_view_id or view_id,
                "previous_view_id": previous_view_id,
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
            }
        )
        with self._lock:
            self.views[view_id] = out
            if out["external_id"]:
                self._external_ids[out["external_id"]] = view_id
        return out

    def _m_views_open(self, p: dict) -> dict:
        if not p.get("trigger_id"):
            self._violate("views.open", ["trigger_id: is required"])
            return self._fail("invalid_arguments")
        problem = self._view_problems("views.open", p, ("modal",))
        if problem:
            return problem
        return {"ok": True, "view": self._store_view(p["view"])}

    def _m_views_push(self, p: dict) -> dict:
        if not p.get("trigger_id"):
            self._violate("views.push", ["trigger_id: is required"])
            return self._fail("invalid_arguments")
        problem = self._view_problems("views.push", p, ("modal",))
        if problem:
            return problem
        return {"ok": True, "view": self._store_view(p["view"])}

    def _m_views_update(self, p: dict) -> dict:
        view_id = p.get("view_id")
        external_id = p.get("external_id")
        if not view_id and not external_id:
            self._violate("views.update", ["view_id or external_id is required"])
            return self._fail("invalid_arguments")
        with self._lock:
            if not view_id:
                view_id = self._external_ids.get(external_id)
                if view_id is None:
                    return self._fail("not_found")
            current = self.views.get(view_id)
        # An unknown view_id is accepted: tests often build interaction payloads by hand.
        if current is not None and p.get("hash") and p["hash"] != current["hash"]:
            return self._fail("hash_conflict")
        problem = self._view_problems("views.update", p, ("modal", "home"))
        if problem:
            return problem
        root = current["root_view_id"] if current else view_id
        return {"ok": True, "view": self._store_view(p["view"], view_id=view_id, root_view_id=root)}

    def _m_views_publish(self, p: dict) -> dict:
        if not p.get("user_id"):
            self._violate("views.publish", ["user_id: is required"])
            return self._fail("invalid_arguments")
        problem = self._view_problems("views.publish", p, ("home",))
        if problem:
            return problem
        return {"ok": True, "view": self._store_view(p["view"])}

    # ---- files ------------------------------------------------------------------

    def _m_files_getUploadURLExternal(self, p: dict) -> dict:
        filename = p.get("filename")
        length = p.get("length")
        try:
            length = int(length)
        except (TypeError, ValueError):
            length = None
        if not filename or length is None or length < 0:
            return self._fail("invalid_arguments")
        file_id = self._next_id("F")
        with self._lock:
            self._pending_files[file_id] = {"filename": filename, "length": length}
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, p: dict) -> dict:
        files = p.get("files")
        if not isinstance(files, list) or not files:
            return self._fail("invalid_arguments")
        channel = p.get("channel_id")
        out = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            with self._lock:
                meta = self._pending_files.get(file_id or "")
                data = self.uploads.get(file_id or "")
            if meta is None or data is None:
                return self._fail("file_not_found")
            name = meta["filename"]
            out.append(
                {
                    "id": file_id,
                    "name": name,
                    "title": item.get("title") or name,
                    "size": len(data),
                    "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "",
                    "url_private": f"http://127.0.0.1:{self.port}/files/{file_id}/{quote(name)}",
                    "permalink": f"https://test-team.slack.com/files/{self.BOT_USER_ID}/{file_id}",
                    "channels": [channel] if channel else [],
                    "initial_comment": p.get("initial_comment"),
                }
            )
        return {"ok": True, "files": out}

    # ---- non-API endpoints -------------------------------------------------------

    def _upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        with self._lock:
            if file_id not in self._pending_files:
                return 404, "file_not_found"
            self.uploads[file_id] = data
        return 200, f"OK - {len(data)}"

    def _response_url(self, name: str, p: dict) -> tuple[int, str]:
        method = f"response_url:{name}"
        if not p.get("delete_original"):
            problem = self._check_message(method, p)
            if problem:
                return 400, problem["error"]
        return 200, "ok"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)):
            return  # the client gave up (e.g. its timeout fired during a scripted delay)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # ---- request decoding ----------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _decode_params(self, query: str, body: bytes) -> tuple[dict, list[str]]:
        params: dict[str, Any] = {}
        problems: list[str] = []

        def add_pairs(pairs: dict[str, list[str]]) -> None:
            for key, values in pairs.items():
                params[key] = values[0] if len(values) == 1 else values

        if query:
            add_pairs(parse_qs(query, keep_blank_values=True))
        content_type = (self.headers.get("Content-Type") or "").lower()
        if body:
            if "application/json" in content_type or (not content_type and body[:1] == b"{"):
                try:
                    decoded = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    problems.append(f"request body is not valid JSON: {exc}")
                    decoded = {}
                if isinstance(decoded, dict):
                    params.update(decoded)
                else:
                    problems.append("JSON request body must be an object")
            elif "multipart/form-data" in content_type:
                message = BytesParser(policy=_HTTP_POLICY).parsebytes(
                    b"Content-Type: " + self.headers.get("Content-Type", "").encode("latin-1") + b"\r\n\r\n" + body
                )
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if not name:
                        continue
                    payload = part.get_payload(decode=True) or b""
                    if part.get_filename() is not None:
                        params[name] = payload
                    else:
                        params[name] = payload.decode("utf-8", errors="replace")
            else:
                add_pairs(parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True))

        for key in _JSON_PARAMS:
            value = params.get(key)
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value) if value.strip() else None
                except json.JSONDecodeError as exc:
                    problems.append(f"{key}: not valid JSON ({exc})")
        return params, problems

    def _token(self, params: dict) -> str | None:
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer ") and auth[7:].strip():
            return auth[7:].strip()
        if auth.lower().startswith("basic ") and auth[6:].strip():
            return auth
        token = params.get("token")
        return token if isinstance(token, str) and token else None

    # ---- response writing ----------------------------------------------------------

    def _send(self, status: int, body: Any, extra_headers: dict[str, str] | None = None) -> None:
        if isinstance(body, (dict, list)):
            raw = json.dumps(body).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        else:
            raw = str(body).encode("utf-8")
            content_type = "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)
        self.wfile.flush()

    # ---- main ------------------------------------------------------------------------

    def _handle(self) -> None:
        fake = self.server.fake
        arrived = time.monotonic()
        parsed = urlparse(self.path)
        body = self._read_body()
        path = parsed.path
        headers = {k.lower(): v for k, v in self.headers.items()}

        if path.startswith("/api/") and len(path) > 5:
            kind, method = "api", path[5:]
        elif path.startswith("/upload/") and len(path) > 8:
            kind, method = "upload", "upload:" + unquote(path[8:])
        elif path.startswith("/response_url/") and len(path) > 14:
            kind, method = "response_url", "response_url:" + unquote(path[14:])
        else:
            self._send(404, {"ok": False, "error": "unknown_path", "path": path})
            return

        if kind == "upload":
            params: dict[str, Any] = {"file_id": method[7:], "length": len(body)}
            problems: list[str] = []
        else:
            params, problems = self._decode_params(parsed.query, body)

        call = Call(method=method, params=params, headers=headers, at=arrived)
        fake._record(call)

        failure = fake._take_failure(method)
        if failure is not None:
            if failure.delay > 0 and fake._stopping.wait(failure.delay):
                self.close_connection = True
                return  # server stopping: drop the request
            if failure.error is not None:
                call.status, call.response = 200, {"ok": False, "error": failure.error}
                self._send(200, call.response)
                return
            if failure.status != 200:
                error = "ratelimited" if failure.status == 429 else (
                    "internal_error" if failure.status >= 500 else f"http_{failure.status}"
                )
                extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                call.status, call.response = failure.status, {"ok": False, "error": error}
                self._send(failure.status, call.response, extra)
                return

        try:
            if kind == "upload":
                status, answer = fake._upload(params["file_id"], body)
            elif kind == "response_url":
                if problems:
                    fake._violate(method, problems)
                    status, answer = 400, "invalid_payload"
                else:
                    status, answer = fake._response_url(method[len("response_url:"):], params)
            else:
                status = 200
                if self._token(params) is None:
                    answer = {"ok": False, "error": "not_authed"}
                elif problems:
                    fake._violate(method, problems)
                    answer = {"ok": False, "error": "invalid_arguments", "errors": problems}
                else:
                    answer = fake._api(method, params)
        except Exception as exc:  # a bug in the fake must not look like a Slack answer
            fake._violate(method, [f"INTERNAL fake_slack error: {exc!r}"])
            status, answer = 500, {"ok": False, "error": "fake_internal_error", "detail": repr(exc)}

        call.status, call.response = status, answer
        self._send(status, answer)
