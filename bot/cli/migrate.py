"""`python -m bot migrate`: the database brought to the latest revision (bot/database.py opens it so)."""
from __future__ import annotations

from bot.database import open_database
from store.migrate import current_head


def handle(settings, _args) -> None:
    open_database(settings.database_url)
    print(f"database at revision {current_head()}")
