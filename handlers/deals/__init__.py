"""Deals and needs on a customer: `/crm deal`, `/crm need`."""
from __future__ import annotations

from slack_bolt import App

from handlers.deals import commands, needs

SUBCOMMANDS = (needs.SUBCOMMAND, commands.SUBCOMMAND)


def register(app: App) -> None:
    needs.register(app)
    commands.register(app)
