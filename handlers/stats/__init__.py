"""Figures: `/crm stats`, its cards and text, period codes."""
from __future__ import annotations

from slack_bolt import App

from handlers.stats import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
