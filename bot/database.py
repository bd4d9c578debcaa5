"""The database a command works on: DATABASE_URL checked, migrated and opened, or one sentence.

Accepted: SQLite (`sqlite:///crm.db`, a file in a folder that exists) and PostgreSQL
(`postgresql://user:password@host:5432/name`, psycopg 3). A URL that does not parse, another
database, a driver that is not installed or a folder that does not exist is a SettingsError
(exit code 2); a SQLite file that cannot be opened too; a PostgreSQL server that does not answer
is DatabaseUnreachable (exit code 1), like Slack not answering.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from bot.settings import SettingsError
from store.db import BUSY_MS, SessionFactory, make_engine, normalise_url, optimize, session_factory
from store.migrate import upgrade_if_behind

log = logging.getLogger("crm")
START_WAIT_MS = 1_000  # how long a start waits for SQLite's write lock to refresh the planner statistics
# How long the serving bot's SQLite writes wait for another process's write lock (an import holds it
# until it commits: 30 s at 100,000 rows). Its own writes take milliseconds; a form saved before its
# ack must be answered within Slack's 3 s, so after this it is refused with err_busy (bot/app.py)
# instead of Slack's timeout and a save that lands later. Jobs try again at their next tick.
SERVE_BUSY_MS = 1_500

ACCEPTED = "sqlite:///crm.db (a file) or postgresql://user:password@host:5432/name"


class DatabaseUnreachable(SystemExit):
    pass


def check_database_url(url: str) -> URL:
    """The parsed URL, or SettingsError; nothing is opened or created."""
    try:
        parsed = make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        raise SettingsError(f"DATABASE_URL: {url!r} is not a database URL; use {ACCEPTED}.") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SettingsError(f"DATABASE_URL: {backend} is not supported; use {ACCEPTED}.")
    try:
        parsed.get_dialect().import_dbapi()
    except (ImportError, NoSuchModuleError):
        raise SettingsError(f"DATABASE_URL: the driver {parsed.drivername} is not installed; use {ACCEPTED}.") from None
    folder = sqlite_file(parsed)
    if folder is not None and not folder.parent.is_dir():
        raise SettingsError(f"DATABASE_URL: the folder {folder.parent} does not exist; create it, or give a file in a "
                            f"folder that exists, e.g. sqlite:///crm.db.")
    return parsed


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (None for another database or an in-memory one)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def open_database(url: str, *, busy_ms: int = BUSY_MS) -> SessionFactory:
    """Migrated to the latest revision and opened. `busy_ms`: how long a SQLite write waits for
    another process's (SERVE_BUSY_MS for the serving bot)."""
    parsed = check_database_url(url)
    engine = make_engine(url, busy_ms=busy_ms)
    try:
        upgrade_if_behind(url, engine)  # one query when at head; Alembic (and its logs) only to migrate
    except (OperationalError, OSError) as e:  # OSError: the SQLite file's migration lock beside it
        if isinstance(e, OperationalError):
            reason = str(e.orig).strip().splitlines()[0] if e.orig is not None else str(e)
        else:  # the same words as SQLite's own, whichever of the two files failed first
            reason = "unable to open database file" if sqlite_file(parsed) is not None else (e.strerror or str(e))
        file = sqlite_file(parsed)
        if file is not None:
            raise SettingsError(f"DATABASE_URL: cannot open the SQLite file {file} ({reason}); give a file in a folder "
                                f"you can write to, e.g. sqlite:///crm.db.") from None
        raise DatabaseUnreachable(f"Could not open the database at {parsed.render_as_string(hide_password=True)} "
                                  f"({reason}); check DATABASE_URL and that the server is running.") from None
    # SQLite: planner statistics, so the scheduler's sweeps use their indexes; a start beside a
    # large import does not wait for it (the import refreshes them when it commits)
    if not optimize(engine, wait_ms=START_WAIT_MS):
        log.warning("database: another process is writing (the bot, or an import): the planner statistics were not refreshed "
                    "now; an import of 1,000 rows or more refreshes them when it commits, and the bot's next start does")
    return session_factory(engine)
