"""The App Home tab."""
from __future__ import annotations

from slack_bolt import App

from handlers.home import views

SUBCOMMANDS = tuple(views.SUBCOMMANDS)
HOOKS = {"publish_home": views.publish}


def register(app: App) -> None:
    views.register(app)
