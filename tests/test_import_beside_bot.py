"""An import beside the running bot. SQLite has one writer: the import holds the write lock from the
moment it starts looking the file over (BEGIN IMMEDIATE), so a write of the bot's in the meantime
waits for it instead of making the import fail; the planner statistics after it are refreshed only
when the lock can be had, never by failing. PostgreSQL writes beside it."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from store.customer_import import import_customers
from store.db import make_engine, optimize, transaction
from tests.conftest import REP, REP_EN
from tests.test_customer_import import CIPHER, NOW, users
from tests.test_customer_import_aside import leads

OWNERS = {"王小明": REP, "wang@example.com": REP, "U0LILEI001": "U0LILEI001", "Alice Smith": REP_EN}


def test_a_write_beside_an_import_waits_for_it_instead_of_failing_it(database, db):
    users(db)
    beside: list[str] = []

    def resolve(cell: str) -> str:  # the first owner read: the bot saves a user's new name meanwhile, from its own connection
        if not beside:
            other = make_engine(database.url)
            try:
                with other.connect() as conn:
                    if other.dialect.name == "sqlite":
                        conn.exec_driver_sql("PRAGMA busy_timeout=100")  # a bounded wait, then "database is locked"
                    conn.execute(text("UPDATE slack_user SET name = '王小明（北京）' WHERE id = :u"), {"u": REP})
                    conn.commit()
                beside.append("written")
            except OperationalError as e:
                beside.append("waited: " + str(e.orig))
            finally:
                other.dispose()
        return OWNERS[cell]

    with transaction(db) as s:
        report = import_customers(session=s, data=leads(60).encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW, resolve_owner=resolve)
    assert not report.errors and report.created == 63
    assert beside == (["waited: database is locked"] if database.engine.dialect.name == "sqlite" else ["written"])
    with transaction(db) as s:
        assert s.execute(text("SELECT count(*) FROM customer")).scalar() == 63


def test_statistics_wait_for_the_write_lock_and_give_up_without_failing(database):
    engine = database.engine
    if engine.dialect.name != "sqlite":
        assert optimize(engine, wait_ms=50) is True  # PostgreSQL's autovacuum keeps its own: nothing to do
        return
    holder = make_engine(database.url)
    try:
        with holder.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # another process writing: an import, the bot
            assert optimize(engine, wait_ms=50) is False
            conn.rollback()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar() == 0
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000  # set back on the pooled connection
        assert optimize(engine, wait_ms=50) is True
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar() == 1
    finally:
        holder.dispose()

