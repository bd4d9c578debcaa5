"""Deals and needs on a customer: `/crm deal`, `/crm need`."""
from __future__ import annotations

from slack_bolt import App

from handlers.deals import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
