"""Churn, win-back and the retention plan."""
from __future__ import annotations

from slack_bolt import App

from handlers.churn import commands, winback

SUBCOMMANDS = (commands.SUBCOMMAND, winback.SUBCOMMAND)


def register(app: App) -> None:
    commands.register(app)
    winback.register(app)
