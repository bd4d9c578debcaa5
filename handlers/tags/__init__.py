"""Behaviour tags on the customer card: removing one a person disagrees with (the rules live in
store/behaviour_tags.py, the scheduler keeps them current through store/tag_jobs.py)."""
from __future__ import annotations

from slack_bolt import App

from handlers.tags import actions

SUBCOMMANDS: tuple = ()


def register(app: App) -> None:
    actions.register(app)
