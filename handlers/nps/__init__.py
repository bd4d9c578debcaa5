"""NPS: `/crm nps`, the low-score and escalation alerts and their buttons."""
from __future__ import annotations

from slack_bolt import App

from handlers.nps import actions, commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
    actions.register(app)
