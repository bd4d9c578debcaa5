"""Churn, win-back and the retention plan."""
from __future__ import annotations

from slack_bolt import App

from handlers.churn import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
