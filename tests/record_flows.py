"""Payloads for the lifecycle modals (stage, grade, needs, deals, contacts): card clicks, clicks
and picks inside a modal, and submissions carrying the blocks of the view that was opened, as
Slack's do."""
from __future__ import annotations

from datetime import datetime, date

from store.customers import create_customer
from store.db import transaction
from store.lifecycle import change_stage
from store.models import Customer
from store.permissions import Viewer
from store.types import utcnow
from tests.bolt_server import payload
from tests.flows import button, view_submission

SALES = "C0SALES001"


def customer(db, name: str, *, owner: str, stage: str | None = None, status: str | None = None,
             now: datetime | None = None) -> Customer:
    """A customer of `owner`, moved by its owner to `stage`/`status` when given (at `now`, default the wall clock)."""
    now = now or utcnow()
    with transaction(db) as s:
        made = create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=now)
        if stage:
            change_stage(session=s, viewer=Viewer(id=owner), customer_id=made.id, stage=stage, status=status, now=now)
        return made


def click_card(bolt, *, user: str, action_id: str, customer_id: int, channel: str = SALES):
    return bolt.interact(button(user=user, action_id=action_id, value=str(customer_id), channel=channel, ts="1700000000.000100"))


def chosen(value: str | None, kind: str = "static_select") -> dict:
    picked = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": kind, "selected_option": picked}


def typed(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def day(value: date | None) -> dict:
    return {"type": "datepicker", "selected_date": value.isoformat() if value else None}


def submit(bolt, *, user: str, view: dict, values: dict):
    """The view as Slack last showed it (callback id, blocks, metadata) with these values."""
    body = view_submission(user=user, callback_id=view["callback_id"], values=values)
    body["view"].update(id=view.get("id", body["view"]["id"]), blocks=view["blocks"],
                        private_metadata=view.get("private_metadata", ""))
    return bolt.interact(body)


def in_view(bolt, *, user: str, view: dict, action_id: str, block_id: str, value: str | None = None,
            selected: str | None = None):
    """A button clicked (`value`) or a select picked (`selected`) inside an open modal."""
    body = payload("block_actions")
    body["user"]["id"] = user
    body.pop("message", None)
    body.pop("channel", None)
    body["container"] = {"type": "view", "view_id": view["id"]}
    body["view"] = view
    action = {"action_id": action_id, "block_id": block_id, "action_ts": "1700000100.000200"}
    if selected is None:
        action.update(type="button", value=value, text={"type": "plain_text", "text": "x"})
    else:
        action.update(type="static_select", selected_option={"text": {"type": "plain_text", "text": selected}, "value": selected})
    body["actions"] = [action]
    return bolt.interact(body)


def blocks_of(view: dict) -> list[str]:
    return [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]


def texts(view: dict) -> list[str]:
    """The text of the view's sections and contexts, in order."""
    out = []
    for b in view["blocks"]:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.extend(e["text"] for e in b["elements"])
    return out


def options(element: dict) -> list[tuple[str, str]]:
    return [(o["value"], o["text"]["text"]) for o in element["options"]]


def input_block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)

