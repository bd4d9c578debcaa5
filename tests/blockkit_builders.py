"""Block Kit payload builders shared by the tests of the checker and of the fake Slack server."""

from __future__ import annotations


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **extra) -> dict:
    return {"type": "section", "text": mrkdwn(text), **extra}


def option(text: str, value: str = "v") -> dict:
    return {"text": plain(text), "value": value}


def modal(blocks: list, **extra) -> dict:
    view = {"type": "modal", "title": plain("Log interaction"), "submit": plain("Save"), "close": plain("Cancel"),
            "callback_id": "log_interaction", "blocks": blocks}
    view.update(extra)
    return view


def select_input(options: list, block_id: str = "stage") -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain("Stage"),
        "element": {"type": "static_select", "action_id": "pick", "placeholder": plain("Pick one"),
                    "options": options},
    }


def rich_valid_blocks(n: int) -> list:
    """`n` valid blocks exercising most block/element kinds, all with unique block_ids."""
    kinds = [
        lambda i: {"type": "header", "block_id": f"b{i}", "text": plain("Acme Corp")},
        lambda i: {"type": "section", "block_id": f"b{i}", "text": mrkdwn("x" * 3000),
                   "accessory": {"type": "button", "action_id": "open", "text": plain("b" * 75),
                                 "value": "v" * 2000, "url": "https://e.x/" + "u" * 2980}},
        lambda i: {"type": "section", "block_id": f"b{i}", "fields": [mrkdwn("f" * 2000)] * 10},
        lambda i: {"type": "context", "block_id": f"b{i}", "elements": [mrkdwn("c")] * 10},
        lambda i: {"type": "actions", "block_id": f"b{i}",
                   "elements": [{"type": "button", "action_id": f"a{j}", "text": plain("Go")} for j in range(25)]},
        lambda i: {"type": "divider", "block_id": f"b{i}"},
        lambda i: {"type": "input", "block_id": f"b{i}", "label": plain("L" * 2000), "hint": plain("H" * 2000),
                   "element": {"type": "plain_text_input", "action_id": "note", "max_length": 10,
                               "initial_value": "0123456789", "placeholder": plain("p" * 150)}},
        lambda i: {"type": "input", "block_id": f"b{i}", "label": plain("Stage"),
                   "element": {"type": "static_select", "action_id": "stage",
                               "options": [{"text": plain("o" * 75), "value": "v" * 150,
                                            "description": plain("d" * 75)}] * 100}},
    ]
    return [kinds[i % len(kinds)](i) for i in range(n)]
