"""Support tickets: `/crm ticket`, their cards and buttons, the SLA alerts."""
from __future__ import annotations

from slack_bolt import App

from handlers.tickets import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
