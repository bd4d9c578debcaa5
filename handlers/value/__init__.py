"""Care by customer value: value tiers by hand (`/crm tier`); the nightly computation, the maintenance
cadence by tier and the order value growth are the scheduler's and the figures' (store/value_tiers.py ...)."""
from __future__ import annotations

from slack_bolt import App

from handlers.value import commands

SUBCOMMANDS = (commands.SUBCOMMAND,)


def register(app: App) -> None:
    """No listener of its own: `/crm tier` comes through handlers/router.py."""
    return None
