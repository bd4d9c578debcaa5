"""Everything that speaks Slack. `register(app)` wires every listener module into a Bolt app."""
from __future__ import annotations

from slack_bolt import App


def register(app: App) -> list[str]:
    """Register every listener; returns the slash commands registered (checked against manifest.yml)."""
    from handlers import commands, customers, log_flow, nps, people, reminders, tickets
    from handlers import churn_ui, contacts_ui, customer_links, deals_ui, digest_ui, home, lifecycle_ui, risk_ui, stats

    log_flow.register(app)
    reminders.register(app)
    people.register(app)
    nps.register(app)
    tickets.register(app)
    customers.register(app)
    for module in (lifecycle_ui, deals_ui, contacts_ui, customer_links, home, stats, digest_ui, risk_ui, churn_ui):
        module.register(app)
    return commands.register(app, subcommands())


def subcommands() -> list:
    """Every `/crm` subcommand, in the order help lists them: the daily work first, settings and admin last."""
    from handlers import churn_ui, customers, deals_ui, digest_ui, lifecycle_ui, log_flow, nps, people, risk_ui, stats, tickets

    return [*log_flow.SUBCOMMANDS, *customers.SUBCOMMANDS, *lifecycle_ui.SUBCOMMANDS, *deals_ui.SUBCOMMANDS,
            *tickets.SUBCOMMANDS, *nps.SUBCOMMANDS, *risk_ui.SUBCOMMANDS, *churn_ui.SUBCOMMANDS, *stats.SUBCOMMANDS,
            *digest_ui.SUBCOMMANDS, *people.SUBCOMMANDS]
