"""(being written)"""
from __future__ import annotations

from slack_bolt import App

SUBCOMMANDS: list = []


def register(app: App) -> None:
    return None
