"""Digests: `/crm digest` subscriptions, what is sent and its charts."""
from __future__ import annotations

from slack_bolt import App

from handlers.digests import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    commands.register(app)
