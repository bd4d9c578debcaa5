"""The documents the lifecycle template names, made from the records on request: `/crm report …`
(handlers/documents/commands.py) and `python -m bot report needs|visits|leads|churn` (bot/cli/documents.py)."""
from __future__ import annotations

from slack_bolt import App

from handlers.documents import commands

SUBCOMMANDS = tuple(commands.SUBCOMMANDS)


def register(app: App) -> None:
    """No listeners beyond the subcommand."""
