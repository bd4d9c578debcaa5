"""The reviews the templates schedule: the reps' monthly maintenance summary (a DM with a draft and a
modal; store/reviews.py) and the managers' quarterly review digest."""
from __future__ import annotations

from slack_bolt import App

from handlers.reviews import actions

SUBCOMMANDS: tuple = ()


def register(app: App) -> None:
    actions.register(app)
