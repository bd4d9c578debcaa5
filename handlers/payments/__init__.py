"""Money after signing: a won deal's payment schedule, payments received, the overdue alerts
(messages.py), `/crm pay`."""
from __future__ import annotations

from slack_bolt import App

from handlers.payments import actions, commands

SUBCOMMANDS = (commands.SUBCOMMAND,)


def register(app: App) -> None:
    actions.register(app)
