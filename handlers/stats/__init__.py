"""Figures: `/crm stats`, its cards and text, period codes."""
from __future__ import annotations

from slack_bolt import App

from handlers.stats import cards, commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)
HOOKS = {"headline_blocks": cards.headline_blocks, "report_blocks": cards.report_blocks}


def register(app: App) -> None:
    commands.register(app)
