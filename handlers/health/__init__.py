"""Customer health: the churn-risk pings and their buttons, `/crm risk`, how health reads."""
from __future__ import annotations

from slack_bolt import App

from handlers.health import actions, commands, messages, text

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)
HOOKS = {"plan_started": messages.plan_started, "card_parts": (text.CARD_PART,)}


def register(app: App) -> None:
    actions.register(app)
