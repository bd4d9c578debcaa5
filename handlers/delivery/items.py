"""Messages that carry several alerts: each item's blocks are tagged `<outbox id>.<block>` so one
item can be redrawn after a click without touching the others."""
from __future__ import annotations

import copy
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import MESSAGE_BLOCKS, SECTION_MAX, clip
from store.text import whole_number

log = logging.getLogger(__name__)


def tag_blocks(blocks: list[dict], item: int | str) -> list[dict]:
    """A copy of `blocks` whose block_ids all start with `<item>.`."""
    tagged = []
    for n, block in enumerate(copy.deepcopy(blocks)):
        block["block_id"] = f"{item}.{block.get('block_id') or f'b{n}'}"[:255]
        tagged.append(block)
    return tagged


def item_of(block_id: str | None) -> str | None:
    head, dot, _ = (block_id if isinstance(block_id, str) else "").partition(".")
    return head if dot and whole_number(head) is not None else None


def replace_item(blocks: list[dict], item: str | None, new_blocks: list[dict]) -> list[dict]:
    """`blocks` with the run tagged `item` swapped for `new_blocks` (tagged the same); without an
    item, or if it is not there, `new_blocks` alone."""
    if item is None:
        return new_blocks
    positions = [n for n, b in enumerate(blocks) if item_of(b.get("block_id")) == item]
    if not positions:
        return tag_blocks(new_blocks, item)
    return blocks[: positions[0]] + tag_blocks(new_blocks, item) + blocks[positions[-1] + 1:]


def _texts(block: dict) -> list[str]:
    if block.get("type") == "section":
        return [block.get("text", {}).get("text", "")]
    if block.get("type") == "context":
        return [e.get("text", "") for e in block.get("elements", []) if e.get("type") in ("mrkdwn", "plain_text")]
    return []


def squeeze(blocks: list[dict]) -> list[dict]:
    """An item's blocks as one section (their texts, buttons left out): how a redrawn item fits a
    message that was already full of one-line items."""
    text = "\n".join(part for block in blocks for part in _texts(block) if part)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": clip(text or " ", SECTION_MAX)}}]


def current_blocks(client: WebClient, channel: str, ts: str) -> list[dict] | None:
    """The blocks of a message as Slack has them now (for redraws that come from a modal)."""
    try:
        found = client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)["messages"]
    except SlackApiError as e:
        log.info("could not read message %s/%s: %s", channel, ts, e.response.get("error"))
        return None
    return found[0].get("blocks") if found and found[0].get("ts") == ts else None


def update_item(*, client: WebClient, channel: str, ts: str, item: str | None, new_blocks: list[dict], text: str,
                message_blocks: list[dict] | None = None) -> None:
    """Redraw one item of a message. The change behind it is already saved: a refusal here only
    leaves the old drawing, so it is logged, not raised."""
    if not (channel and ts):
        return
    if item is not None and message_blocks is None:
        message_blocks = current_blocks(client, channel, ts)
    blocks = replace_item(message_blocks or [], item, new_blocks) if message_blocks else (tag_blocks(new_blocks, item) if item else new_blocks)
    if message_blocks and len(blocks) > MESSAGE_BLOCKS:
        blocks = replace_item(message_blocks, item, squeeze(new_blocks))
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    except SlackApiError as e:
        log.warning("could not update message %s/%s: %s", channel, ts, e.response.get("error"))
