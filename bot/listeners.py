"""Which features the app has: every listener package registered into a Bolt app, and the `/crm`
subcommands they bring, in the order help lists them (the daily work first, settings and admin last)."""
from __future__ import annotations

from slack_bolt import App

from handlers import (churn, customers, deals, digests, documents, health, home, lifecycle, log, nps, payments, people, reminders, reviews,
                      router, stats, tags, tickets, value)
from handlers.router import Subcommand

FEATURES = (log, reminders, people, nps, tickets, customers, lifecycle, deals, payments, value, home, stats, digests, health, churn, tags,
            reviews, documents)
HELP_ORDER = (log, customers, lifecycle, deals, payments, value, tickets, nps, health, churn, stats, documents, digests, people)


def subcommands() -> list[Subcommand]:
    return [s for feature in HELP_ORDER for s in feature.SUBCOMMANDS]


def register(app: App) -> list[str]:
    """Register every listener; returns the slash commands registered (checked against manifest.yml)."""
    for feature in FEATURES:
        feature.register(app)
    return router.register(app, subcommands())
