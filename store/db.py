"""Engines and sessions. The URL is handed in by bot/; nothing here reads the environment."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

SessionFactory = Callable[[], Session]
BUSY_MS = 30_000  # how long a SQLite connection waits for another's write lock (busy_timeout)


def locked(error: BaseException) -> bool:
    """SQLite's write lock held by another process (an import, the bot) past the connection's wait:
    "database is locked" (SQLITE_BUSY). The transaction is rolled back; nothing was written."""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig or error)


def normalise_url(url: str) -> str:
    """`postgres://` and `postgresql://` mean psycopg 3 here."""
    u = make_url(url)
    if u.drivername in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, *, busy_ms: int = BUSY_MS, **kw) -> Engine:
    """`busy_ms`: how long a SQLite connection waits for another's write lock before "database is
    locked" (the serving bot waits less than Slack's 3 s: bot/database.py)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000}, **kw)
        event.listen(engine, "connect", lambda dbapi_conn, _record: _sqlite_pragmas(dbapi_conn, busy_ms))
        return engine
    kw.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kw)
    event.listen(engine, "connect", _postgresql_utc)
    return engine


def _sqlite_pragmas(dbapi_conn, busy_ms: int) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={int(busy_ms):d}")
    cur.close()


def _postgresql_utc(dbapi_conn, _record) -> None:
    """Sessions answer in UTC, so psycopg hands back datetimes already in `timezone.utc` and
    reading them costs no conversion (store/types.py). Only speed depends on it: a value in
    another zone is still converted. Nothing in SQL reads the session's zone."""
    with dbapi_conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.commit()


def session_factory(engine: Engine) -> SessionFactory:
    def make() -> Session:
        return Session(engine, expire_on_commit=False)

    return make


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_for_update(session: Session, model, ident):
    """`session.get(model, ident, with_for_update=True)` that locks on SQLite too. SQLite has no row
    locks (FOR UPDATE is dropped): the transaction first writes the row unchanged, which takes the
    database's write lock, so a second transaction doing the same waits (busy_timeout) until this
    one commits and then reads what it wrote, instead of both reading the old row and the last
    writer silently winning."""
    if session.get_bind().dialect.name == "sqlite":
        table = model.__table__
        keys = list(table.primary_key.columns)
        values = ident if isinstance(ident, tuple) else (ident,)
        same = {c.name: c for c in table.c if c.primary_key or c.onupdate is not None}  # onupdate columns kept too
        session.execute(update(table).where(*(c == v for c, v in zip(keys, values, strict=True))).values(same))
    return session.get(model, ident, with_for_update=True)


def optimize(engine: Engine, *, wait_ms: int = BUSY_MS) -> bool:
    """SQLite's planner statistics: without them it may sort every pending action to find the few
    due (300 ms a sweep at 300,000 open actions instead of 1.5 ms). ANALYZE (bounded by
    analysis_limit) when a file has never been analysed, PRAGMA optimize after; run at start and
    after a large import. PostgreSQL's autovacuum keeps its own.

    The write lock is taken first (BEGIN IMMEDIATE, waiting up to `wait_ms`): ANALYZE reads, then
    writes its statistics, and SQLite refuses that write at once when another process (the bot
    beside an import, an import beside the bot) wrote in between. False when the lock was not had
    in time: nothing changed, the statistics are left for the next start or import."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        before = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms):d}")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as e:
            if not locked(e):
                raise
            conn.rollback()
            return False
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(before):d}")
        analysed = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is not None
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")
        conn.exec_driver_sql("PRAGMA optimize" if analysed else "ANALYZE")
        conn.commit()
    return True
