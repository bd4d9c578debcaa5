"""`/crm <subcommand>`: one slash command, routed by its first word."""
from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import ids
from handlers.blocks import clip, escape
from handlers.i18n import t
from handlers.log_flow import open_log_modal

log = logging.getLogger(__name__)
SUBCOMMANDS = {"log": "log", "记录": "log", "help": "help", "帮助": "help"}


def register(app: App) -> list[str]:
    for command in ids.COMMANDS:
        app.command(command)(handle_crm)
    return list(ids.COMMANDS)


def split(text: str) -> tuple[str, str]:
    head, _, rest = (text or "").strip().partition(" ")
    return head.casefold(), rest.strip()


def handle_crm(ack: Ack, body: dict, client: WebClient, context: dict, respond: Respond) -> None:
    ack()
    sub, rest = split(body.get("text", ""))
    locale = context["who"].locale
    route = SUBCOMMANDS.get(sub)
    if route == "log":
        try:
            open_log_modal(body=body, client=client, context=context, text=rest)
        except SlackApiError as e:
            respond(response_type="ephemeral", text=t(locale, "err_slack", error=e.response.get("error") or "?"))
        return
    text = t(locale, "help")
    if sub and route != "help":
        text = t(locale, "unknown_subcommand", sub=escape(clip(sub, 40))) + "\n\n" + text
    respond(response_type="ephemeral", text=text)
