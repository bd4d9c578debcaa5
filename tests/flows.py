"""Building Slack payloads for the flows under test, from the shapes in tests/payloads."""
from __future__ import annotations

import json
from datetime import date, datetime

from handlers import ids
from tests.bolt_server import payload


def log_state(*, customer: str, way: str = "visit", day: date, summary: str, action: str, due: datetime | None,
              owner: str, feedback: str = "", participants: str = "") -> dict:
    def one(block, action_id, value):
        return {block: {action_id: value}}

    values: dict = {}
    values |= one(ids.LOG_CUSTOMER_BLOCK, ids.LOG_CUSTOMER, {"type": "external_select", "selected_option": {"text": {"type": "plain_text", "text": customer}, "value": customer}})
    values |= one(ids.LOG_WAY_BLOCK, ids.LOG_WAY, {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": way}, "value": way}})
    values |= one(ids.LOG_DATE_BLOCK, ids.LOG_DATE, {"type": "datepicker", "selected_date": day.isoformat()})
    values |= one(ids.LOG_PARTICIPANTS_BLOCK, ids.LOG_PARTICIPANTS, {"type": "plain_text_input", "value": participants or None})
    values |= one(ids.LOG_SUMMARY_BLOCK, ids.LOG_SUMMARY, {"type": "plain_text_input", "value": summary})
    values |= one(ids.LOG_FEEDBACK_BLOCK, ids.LOG_FEEDBACK, {"type": "plain_text_input", "value": feedback or None})
    values |= one(ids.LOG_ACTION_BLOCK, ids.LOG_ACTION, {"type": "plain_text_input", "value": action})
    values |= one(ids.LOG_DUE_BLOCK, ids.LOG_DUE, {"type": "datetimepicker", "selected_date_time": int(due.timestamp()) if due else None})
    values |= one(ids.LOG_OWNER_BLOCK, ids.LOG_OWNER, {"type": "users_select", "selected_user": owner})
    return values


def view_submission(*, user: str, callback_id: str, values: dict, private_metadata: dict | None = None) -> dict:
    body = payload("view_submission")
    body["user"]["id"] = body["user"]["username"] = user
    body["view"]["callback_id"] = callback_id
    body["view"]["state"]["values"] = values
    body["view"]["private_metadata"] = json.dumps(private_metadata or {})
    return body


def button(*, user: str, action_id: str, value: str, channel: str, ts: str, message: dict | None = None) -> dict:
    """A click on a button; `message` (the posted chat.postMessage params) supplies the blocks and
    the clicked button's block_id, as Slack's payload does."""
    body = payload("block_actions")
    body["user"]["id"] = user
    block_id = "due_actions"
    if message is not None:
        body["message"]["blocks"] = message["blocks"]
        block_id = next(b["block_id"] for b in message["blocks"] if b["type"] == "actions"
                        and any(e.get("action_id") == action_id and e.get("value") == value for e in b["elements"]))
    body["actions"][0].update(action_id=action_id, value=value, block_id=block_id)
    body["container"].update(channel_id=channel, message_ts=ts)
    body["channel"]["id"] = channel
    body["message"]["ts"] = ts
    return body


def suggestion(*, user: str, value: str) -> dict:
    body = payload("block_suggestion")
    body["user"]["id"] = user
    body["value"] = value
    return body


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)
