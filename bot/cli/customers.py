"""What `python -m bot import` and `python -m bot export` share: customers as CSV.

import (bot/cli/import_customers.py): the lead template, the customer-information table or an
export (store/customer_import.py says what each column does); owners are matched to Slack users by
bot/cli/owners.py, and --dry-run prints how each one was. All rows or none: every refused row is
reported on stderr with its line and column in CRM_DEFAULT_LOCALE's language, and the exit code is
1. A tqdm progress bar (rows read, checked and written) goes to stderr when it is a terminal (or
with --progress).
export (bot/cli/export_customers.py): one row per customer, UTF-8 with a BOM, headers in
CRM_DEFAULT_LOCALE's language (or --lang), to stdout or --out.
"""
from __future__ import annotations

from bot.database import open_database
from bot.keys import load_cipher
from handlers.i18n import t


def say(locale: str | None, key: str, **params: object) -> str:
    return t(locale, key, **params)


def open_with_cipher(settings):
    db = open_database(settings.database_url)  # first: a SQLite key file is made beside the database
    return db, load_cipher(settings)
