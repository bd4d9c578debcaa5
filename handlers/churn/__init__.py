"""Churn, win-back and the retention plan (also opened from a churn-risk ping: HOOKS)."""
from __future__ import annotations

from slack_bolt import App

from handlers.churn import commands, forms, plan, winback

SUBCOMMANDS = (commands.SUBCOMMAND, winback.SUBCOMMAND)
HOOKS = {"open_churn": commands.open_churn, "churn_instead": commands.churn_instead,
         "open_retention_plan": plan.open_retention_plan, "card_parts": (forms.CARD_PART,)}


def register(app: App) -> None:
    commands.register(app)
    winback.register(app)
    plan.register(app)
