"""The customer record: `/crm new|edit|show|find|mine`, its card, links to it, its contacts."""
from __future__ import annotations

from slack_bolt import App

from handlers.customers import commands, contacts, links

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
    contacts.register(app)
    links.register(app)
