"""People: `/crm admin`, quiet hours, roles, managers."""
from __future__ import annotations

from slack_bolt import App

from handlers.people import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
