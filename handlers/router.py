"""`/crm <subcommand>`: one slash command, routed by its first word to the feature modules'
subcommands. Help is built from what is registered, so it never lists what does not exist."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.context import crm_of, reply_profile
from handlers import ids
from handlers.blocks import clip, escape, refusal
from handlers.i18n import t
from store.errors import DomainError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subcommand:
    """`run(body=, client=, context=, respond=, text=)` runs after the ack, `text` being the rest."""

    name: str
    aliases: tuple[str, ...]
    run: Callable[..., None]
    help_key: str


def split(text: str) -> tuple[str, str]:
    head, _, rest = (text or "").strip().partition(" ")
    return head.casefold(), rest.strip()


def help_text(locale: str, subcommands: Sequence[Subcommand]) -> str:
    lines = [t(locale, "help_header"), *(t(locale, s.help_key) for s in subcommands), t(locale, "help_footer")]
    return "\n".join(lines)


def make_router(subcommands: Sequence[Subcommand]):
    routes = {name: s for s in subcommands for name in (s.name, *s.aliases)}

    def handle_crm(ack: Ack, body: dict, client: WebClient, context: dict, respond: Respond) -> None:
        ack()
        sub, rest = split(body.get("text", ""))
        route = routes.get(sub)
        if route is None:
            locale = reply_profile(client=client, context=context).locale
            text = help_text(locale, subcommands)
            if sub and sub not in ("help", "帮助", "?"):
                text = t(locale, "unknown_subcommand", sub=escape(clip(sub, 40))) + "\n\n" + text
            respond(response_type="ephemeral", text=text)
            return
        try:
            route.run(body=body, client=client, context=context, respond=respond, text=rest)
        except DomainError as e:
            respond(response_type="ephemeral", text=refusal(reply_profile(client=client, context=context).locale, e))
        except SlackApiError as e:
            locale = crm_of(context).who.locale
            respond(response_type="ephemeral", text=t(locale, "err_slack", error=e.response.get("error") or "?"))

    return handle_crm


def register(app: App, subcommands: Sequence[Subcommand]) -> list[str]:
    router = make_router(subcommands)
    for command in ids.COMMANDS:
        app.command(command)(router)
    return list(ids.COMMANDS)
