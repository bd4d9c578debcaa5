"""Block Kit limit checks: :func:`check_blocks` and :func:`check_view` return readable problems.

The fake Slack server (tests/fake_slack.py) runs them on every message and view it receives.

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
  the fake treats it as an error (``msg_too_long``) so tests notice.

Lengths are measured with ``len()`` (characters, not bytes).
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_blocks", "check_view", "LIMITS"]


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

BLOCK_TYPES = frozenset({
    "actions", "call", "context", "context_actions", "divider", "file", "header", "image", "input",
    "markdown", "rich_text", "section", "table", "video",
})

SELECT_TYPES = frozenset({
    "static_select", "external_select", "users_select", "conversations_select", "channels_select",
    "multi_static_select", "multi_external_select", "multi_users_select", "multi_conversations_select",
    "multi_channels_select",
})

# Elements allowed as the `element` of an input block.
INPUT_ELEMENT_TYPES = SELECT_TYPES | frozenset({
    "plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input",
    "checkboxes", "radio_buttons", "datepicker", "timepicker", "datetimepicker", "file_input",
})

ELEMENT_TYPES = INPUT_ELEMENT_TYPES | frozenset(
    {"button", "overflow", "image", "workflow_button", "feedback_buttons", "icon_button"}
)

# Elements that take a `placeholder` text object.
PLACEHOLDER_TYPES = SELECT_TYPES | frozenset({
    "plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input",
    "datepicker", "timepicker",
})


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


class _Checker:
    """Collects readable violation strings while walking a payload.

    A block of type ``t`` is checked by ``block_t`` and an element by ``element_t``, when the
    checker has such a method; every block and element also gets the checks common to all.
    """

    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, path: str, msg: str) -> None:
        self.errors.append(f"{path}: {msg}")

    # ---- primitives -------------------------------------------------------------

    def required(self, value: Any, path: str) -> None:
        if value is None:
            self.err(path, "is required")

    def max_len(self, value: Any, path: str, limit: int) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.err(path, f"must be a string, got {type(value).__name__}")
        elif len(value) > limit:
            self.err(path, f"{len(value)} chars exceeds max {limit}")

    def bounded_int(self, value: Any, path: str, low: int, high: int) -> int | None:
        """Returns `value` if absent or an integer in low..high; otherwise reports it and returns None."""
        if value is None or (isinstance(value, int) and low <= value <= high):
            return value
        self.err(path, f"must be an integer {low}..{high}, got {value!r}")
        return None

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

    def typed(self, obj: Any, path: str, what: str, known: frozenset[str]) -> tuple[str | None, str]:
        """Returns (type, path with the type appended) of a block or element; type None if unusable."""
        if not isinstance(obj, dict):
            self.err(path, f"{what} must be an object, got {type(obj).__name__}")
            return None, path
        kind = obj.get("type")
        path = f"{path}({kind})"
        if kind not in known:
            self.err(path, f"unknown {what} type {kind!r}")
            return None, path
        return kind, path

    def unique_id(self, obj: dict, key: str, path: str, seen: set[str], *, allow_empty: bool, scope: str = "") -> None:
        """Checks a block_id or action_id: its length, and that it is not already in `seen`."""
        if key not in obj:
            return
        value = obj[key]
        path = f"{path}.{key}"
        self.max_len(value, path, LIMITS[key])
        if not isinstance(value, str):
            return
        if value == "" and not allow_empty:
            self.err(path, "must not be empty")
        elif value in seen:
            self.err(path, f"duplicate {key} {value!r}{scope}")
        seen.add(value)

    def image_source(self, obj: dict, path: str) -> None:
        if not obj.get("alt_text"):
            self.err(f"{path}.alt_text", "is required")
        if not obj.get("image_url") and not obj.get("slack_file"):
            self.err(path, "image_url or slack_file is required")

    # ---- composition objects ----------------------------------------------------

    def option(self, opt: Any, path: str, *, plain_only: bool, allow_url: bool = False) -> None:
        if not isinstance(opt, dict):
            self.err(path, "option must be an object")
            return
        self.text(opt.get("text"), f"{path}.text", limit=LIMITS["option.text"], plain_only=plain_only)
        value = opt.get("value")
        self.required(value, f"{path}.value")
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

    def initial_options(self, el: dict, path: str, *, plain_only: bool) -> None:
        if el.get("initial_option") is not None:
            self.option(el["initial_option"], f"{path}.initial_option", plain_only=plain_only)
        for i, opt in enumerate(el.get("initial_options") or []):
            self.option(opt, f"{path}.initial_options[{i}]", plain_only=plain_only)

    def option_groups(self, groups: Any, path: str) -> None:
        if not self.count(groups, path, LIMITS["select.option_groups"], what="option groups"):
            return
        for gi, group in enumerate(groups):
            gpath = f"{path}[{gi}]"
            if not isinstance(group, dict):
                self.err(gpath, "option group must be an object")
                continue
            self.text(group.get("label"), f"{gpath}.label", limit=LIMITS["option_group.label"], plain_only=True)
            self.required(group.get("options"), f"{gpath}.options")
            self.options(group.get("options"), f"{gpath}.options", LIMITS["option_group.options"], plain_only=True)

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
        kind, path = self.typed(el, path, "element", ELEMENT_TYPES)
        if kind is None:
            return
        self.unique_id(el, "action_id", path, action_ids, allow_empty=True, scope=" within the block")
        if kind in PLACEHOLDER_TYPES:
            self.text(
                el.get("placeholder"),
                f"{path}.placeholder",
                limit=LIMITS["placeholder"],
                plain_only=True,
                required=False,
            )
        self.confirm(el.get("confirm"), f"{path}.confirm")
        check = getattr(self, f"element_{kind}", None)
        if check is not None:
            check(el, path)

    def element_button(self, el: dict, path: str) -> None:
        self.text(el.get("text"), f"{path}.text", limit=LIMITS["button.text"], plain_only=True)
        self.max_len(el.get("value"), f"{path}.value", LIMITS["button.value"])
        self.max_len(el.get("url"), f"{path}.url", LIMITS["button.url"])
        style = el.get("style")
        if style is not None and style not in ("primary", "danger"):
            self.err(f"{path}.style", f"must be 'primary' or 'danger', got {style!r}")

    def element_static_select(self, el: dict, path: str) -> None:
        has_opts = "options" in el
        has_groups = "option_groups" in el
        if has_opts and has_groups:
            self.err(path, "give either options or option_groups, not both")
        if not has_opts and not has_groups:
            self.err(path, "options or option_groups is required")
        self.options(el.get("options"), f"{path}.options", LIMITS["select.options"], plain_only=True)
        self.option_groups(el.get("option_groups"), f"{path}.option_groups")
        self.initial_options(el, path, plain_only=True)

    element_multi_static_select = element_static_select

    def element_overflow(self, el: dict, path: str) -> None:
        opts = el.get("options")
        self.required(opts, f"{path}.options")
        # No count limit enforced here (not re-verified); each option is checked.
        if isinstance(opts, list):
            for i, opt in enumerate(opts):
                self.option(opt, f"{path}.options[{i}]", plain_only=True, allow_url=True)

    def element_checkboxes(self, el: dict, path: str) -> None:
        kind = el["type"]
        self.required(el.get("options"), f"{path}.options")
        self.options(el.get("options"), f"{path}.options", LIMITS[f"{kind}.options"], plain_only=False)
        self.initial_options(el, path, plain_only=False)

    element_radio_buttons = element_checkboxes

    def element_plain_text_input(self, el: dict, path: str) -> None:
        limit = LIMITS["plain_text_input.length"]
        max_length = self.bounded_int(el.get("max_length"), f"{path}.max_length", 1, limit)
        min_length = self.bounded_int(el.get("min_length"), f"{path}.min_length", 0, limit)
        if max_length is not None and min_length is not None and min_length > max_length:
            self.err(path, f"min_length {min_length} is greater than max_length {max_length}")
        initial = el.get("initial_value")
        if initial is None:
            return
        if not isinstance(initial, str):
            self.err(f"{path}.initial_value", f"must be a string, got {type(initial).__name__}")
        elif max_length is not None and len(initial) > max_length:
            self.err(f"{path}.initial_value", f"{len(initial)} chars exceeds the element's max_length {max_length}")

    def element_image(self, el: dict, path: str) -> None:
        self.image_source(el, path)

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
        kind, path = self.typed(block, path, "block", BLOCK_TYPES)
        if kind is None:
            return
        self.unique_id(block, "block_id", path, block_ids, allow_empty=False)
        check = getattr(self, f"block_{kind}", None)
        if check is not None:
            check(block, path, set())  # action_ids are unique within a block

    def elements_of(self, block: dict, path: str, limit: int) -> list:
        """The elements of a context or actions block (empty if there are none to check)."""
        elements = block.get("elements")
        if not elements:
            self.err(f"{path}.elements", "at least one element is required")
        if self.count(elements, f"{path}.elements", limit, what="elements"):
            return elements
        return []

    def block_section(self, block: dict, path: str, action_ids: set[str]) -> None:
        fields = block.get("fields")
        if block.get("text") is None and not fields:
            self.err(path, "section needs text or fields")
        self.text(block.get("text"), f"{path}.text", limit=LIMITS["section.text"], required=False)
        if self.count(fields, f"{path}.fields", LIMITS["section.fields"], what="fields"):
            for fi, f in enumerate(fields):
                self.text(f, f"{path}.fields[{fi}]", limit=LIMITS["section.field_text"])
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{path}.accessory", action_ids)

    def block_header(self, block: dict, path: str, action_ids: set[str]) -> None:
        self.text(block.get("text"), f"{path}.text", limit=LIMITS["header.text"], plain_only=True)

    def block_context(self, block: dict, path: str, action_ids: set[str]) -> None:
        for ei, el in enumerate(self.elements_of(block, path, LIMITS["context.elements"])):
            epath = f"{path}.elements[{ei}]"
            if isinstance(el, dict) and el.get("type") == "image":
                self.element(el, epath, action_ids)
            else:
                self.text(el, epath)

    def block_actions(self, block: dict, path: str, action_ids: set[str]) -> None:
        for ei, el in enumerate(self.elements_of(block, path, LIMITS["actions.elements"])):
            self.element(el, f"{path}.elements[{ei}]", action_ids)

    def block_input(self, block: dict, path: str, action_ids: set[str]) -> None:
        self.text(block.get("label"), f"{path}.label", limit=LIMITS["input.label"], plain_only=True)
        self.text(block.get("hint"), f"{path}.hint", limit=LIMITS["input.hint"], plain_only=True, required=False)
        el = block.get("element")
        if el is None:
            self.err(f"{path}.element", "is required")
        elif isinstance(el, dict) and el.get("type") not in INPUT_ELEMENT_TYPES:
            self.err(f"{path}.element", f"element type {el.get('type')!r} is not allowed in an input block")
        else:
            self.element(el, f"{path}.element", action_ids)

    def block_image(self, block: dict, path: str, action_ids: set[str]) -> None:
        self.image_source(block, path)
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
            self.modal_chrome(view, path)
        self.max_len(view.get("private_metadata"), f"{path}.private_metadata", LIMITS["view.private_metadata"])
        self.max_len(view.get("callback_id"), f"{path}.callback_id", LIMITS["view.callback_id"])
        self.max_len(view.get("external_id"), f"{path}.external_id", LIMITS["view.external_id"])
        if view.get("blocks") is None:
            self.err(f"{path}.blocks", "is required")
        else:
            self.blocks(view.get("blocks"), surface=kind, path=f"{path}.blocks")

    def modal_chrome(self, view: dict, path: str) -> None:
        """A modal's title, submit and close buttons."""
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
