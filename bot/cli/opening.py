"""Before a subcommand opens the database: the URL and the encryption key are checked, each refusal
one sentence naming the variable (SettingsError, exit 2). `new-key` and `manifest` open nothing;
`run` checks once its port is open (bot/cli/run.py)."""
from __future__ import annotations

from bot.database import check_database_url
from bot.keys import check_key


def check(settings) -> None:
    check_database_url(settings.database_url)
    check_key(settings)
