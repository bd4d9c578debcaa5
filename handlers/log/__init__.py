"""`/crm log`: the interaction modal, prefilled from free text."""
from __future__ import annotations

from slack_bolt import App

from handlers.log import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)
HOOKS = {"open_log": commands.open_log_modal}


def register(app: App) -> None:
    commands.register(app)
