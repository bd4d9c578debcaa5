"""A customer's stage and grade: `/crm stage`, the card's stage and BANT buttons."""
from __future__ import annotations

from slack_bolt import App

from handlers.lifecycle import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
