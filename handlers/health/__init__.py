"""Customer health: the churn-risk pings and their buttons, `/crm risk`, how health reads."""
from __future__ import annotations

from slack_bolt import App

from handlers.health import actions, commands, plan

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    actions.register(app)
    plan.register(app)
