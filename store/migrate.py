"""Alembic, configured in code: `upgrade(url)` brings a database to the latest revision.

Replicas start together and each upgrades at start, so the upgrade runs under a lock: on
PostgreSQL a session advisory lock on a fixed key (held by a connection of its own, released
after), on SQLite an exclusive flock on `<db>.migrate.lock` beside the file. The second replica
waits, then finds the database at head and does nothing.

Alembic itself (about 8 MB and a quarter of a second with its DDL implementations, Mako and
Pygments) is loaded only to migrate: the code's head is read from the revision files' own
`revision` / `down_revision` lines (`current_head`), the database's from its `alembic_version`
table (`database_revision`), so a start on a database already at head costs one query
(`upgrade_if_behind`).
"""
from __future__ import annotations

import ast
import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from store.db import make_engine, normalise_url

MIGRATIONS = Path(__file__).with_name("migrations")
ADVISORY_KEY = 0x63726D5F6D6967  # "crm_mig": one fixed key for every replica of this app
log = logging.getLogger(__name__)


VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not rename it


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


def upgrade_if_behind(url: str, engine: Engine) -> None:
    """`upgrade(url)` unless the database is at the code's head already (one query, no Alembic).
    Anything else (behind, empty, ahead of the code, on a branch) goes to Alembic, which migrates
    or refuses as it always has."""
    if database_revision(engine) != current_head():
        upgrade(url)


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Held by one process at a time for the same database (see the module's docstring)."""
    u = make_url(normalise_url(url))
    if u.drivername.startswith("postgresql"):
        with _advisory_lock(url):
            yield
    elif u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        with _file_lock(Path(u.database + ".migrate.lock")):
            yield
    else:
        yield


@contextmanager
def _advisory_lock(url: str) -> Iterator[None]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar():
                log.info("another process is migrating this database: waiting for it")
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
    finally:
        engine.dispose()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another process is migrating this database: waiting for it")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@cache
def current_head() -> str:
    """The code's head revision: the one no other revision file names as its down_revision. Read
    from the files' assignments without running them (tests/test_migrations.py checks that it is
    Alembic's own answer); more than one head, or none, is an error, as it is for Alembic."""
    revisions, parents = set(), set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values = _assignments(path, ("revision", "down_revision"))
        revisions.add(values["revision"])
        down = values.get("down_revision")
        parents.update(down if isinstance(down, tuple) else (down,))
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must have one head, not {heads} ({MIGRATIONS / 'versions'})")
    return heads[0]


def _assignments(path: Path, names: tuple[str, ...]) -> dict[str, object]:
    """The literal values the module at `path` assigns to `names` at its top level."""
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id in names and getattr(node, "value", None) is not None:
            found[target.id] = ast.literal_eval(node.value)
    return found


def database_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration; the revisions joined by
    a comma in the unexpected case of several)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return ",".join(sorted(rows)) or None
