"""Everything that speaks Slack. `register(app)` wires every listener module into a Bolt app."""
from __future__ import annotations

from slack_bolt import App


def register(app: App) -> list[str]:
    """Register every listener; returns the slash commands registered (checked against manifest.yml)."""
    from handlers import commands, log_flow, nps, people, reminders, tickets

    log_flow.register(app)
    reminders.register(app)
    people.register(app)
    nps.register(app)
    tickets.register(app)
    return commands.register(app, [*log_flow.SUBCOMMANDS, *people.SUBCOMMANDS, *nps.SUBCOMMANDS, *tickets.SUBCOMMANDS])
