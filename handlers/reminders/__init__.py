"""Next actions: the due and assigned DMs and their done/snooze/reschedule buttons."""
from __future__ import annotations

from slack_bolt import App

from handlers.reminders import actions

SUBCOMMANDS: tuple = ()


def register(app: App) -> None:
    actions.register(app)
