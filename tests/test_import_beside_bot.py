"""An import beside the running bot. SQLite has one writer: the import holds the write lock from the
moment it starts looking the file over (BEGIN IMMEDIATE), so a write of the bot's in the meantime
waits for it instead of making the import fail; the planner statistics after it are refreshed only
when the lock can be had, never by failing. PostgreSQL writes beside it."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.database import SERVE_BUSY_MS
from bot.scheduler import TickWatch, run_tick
from handlers import ids
from store.customer_import import import_customers
from store.db import make_engine, optimize, session_factory, transaction
from store.customers import create_customer
from store.interactions import log_interaction
from tests.bolt_server import BoltServer
from tests.flows import log_state, view_submission
from tests.conftest import REP, REP_EN, remember_user
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



@pytest.mark.parametrize("user, said", [(REP, "数据库正在写入一次大批量导入，所以什么都没有保存。请一分钟后再试。"),
                                        (REP_EN, "The database is busy writing a large import, so nothing was saved. Try again in a minute.")])
def test_a_form_saved_while_an_import_holds_the_lock_is_refused_in_time_and_saved_once_it_is_free(database, fake, remember, user, said):
    """The serving bot's SQLite writes wait SERVE_BUSY_MS for another process's lock, then the form
    says so on its field, in the user's language, inside Slack's 3 s, with nothing saved; then it saves."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock: a form is saved beside an import")
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    serving = make_engine(database.url, busy_ms=SERVE_BUSY_MS)
    bolt = BoltServer(db=session_factory(serving), fake=fake)
    bolt.now = NOW
    holder = make_engine(database.url)
    state = dict(customer="n:星河科技", day=NOW.date(), summary="拜访张总", action="发送报价", due=NOW + timedelta(days=1), owner=user)
    try:
        with holder.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # `python -m bot import` writing
            submitted = view_submission(user=user, callback_id=ids.LOG_VIEW, values=log_state(**state))
            submitted["view"]["blocks"] = [{"type": "input", "block_id": block, "label": {"type": "plain_text", "text": block}}
                                           for block in log_state(**state)]  # as Slack sends the modal's blocks
            status, body, took = bolt.interact(submitted)
            conn.rollback()
        assert status == 200 and json.loads(body) == {"response_action": "errors", "errors": {ids.LOG_CUSTOMER_BLOCK: said}}
        assert took < 3
        with transaction(session_factory(serving)) as s:
            assert s.execute(text("SELECT count(*) FROM interaction")).scalar() == 0
            assert s.execute(text("SELECT count(*) FROM customer")).scalar() == 0
        status, body, _ = bolt.interact(view_submission(user=user, callback_id=ids.LOG_VIEW, values=log_state(**state)))
        assert status == 200 and not body
        with transaction(session_factory(serving)) as s:
            assert s.execute(text("SELECT count(*) FROM interaction")).scalar() == 1
    finally:
        bolt.stop()
        holder.dispose()
        serving.dispose()


def test_a_tick_while_an_import_holds_the_lock_is_skipped_with_a_warning_and_the_next_delivers(database, fake, caplog):
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock: ticks run beside an import")
    serving = make_engine(database.url, busy_ms=100)
    db = session_factory(serving)
    server = BoltServer(db=db, fake=fake)
    logged = datetime.now(timezone.utc) - timedelta(minutes=2)  # run_tick reads the wall clock, as the scheduler does
    with transaction(db) as s:
        log_interaction(session=s, author_id=REP, customer_id=None, new_customer_name="星河科技", way="visit",
                        occurred_on=logged.date(), summary="拜访", feedback="", participants="", action_title="发送报价",
                        due_at=logged + timedelta(minutes=1), action_owner_id=REP, now=logged)
    holder = make_engine(database.url)
    try:
        with holder.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # `python -m bot import` writing
            with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
                run_tick(client=server.client, db=db, defaults=server.defaults, watch=TickWatch())
            conn.rollback()
        assert [r.getMessage() for r in caplog.records if r.name == "bot.scheduler"] == [
            "tick: the database is locked by another process (an import?); the next tick goes on"]
        assert not fake.calls_to("chat.postMessage")
        run_tick(client=server.client, db=db, defaults=server.defaults, watch=TickWatch())
        assert "发送报价" in fake.wait_for("chat.postMessage")[0].params["text"]
    finally:
        server.stop()
        holder.dispose()
        serving.dispose()


@pytest.mark.parametrize("user, said", [(REP, "星河科技"), (REP_EN, "星河科技")])
def test_what_only_reads_is_answered_while_an_import_holds_the_lock_even_for_a_stale_profile(database, db, fake, user, said):
    """A profile older than 12 h is refreshed from users.info and cached: that write waits for the
    lock, so the read goes on with the cached profile instead of being refused."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock")
    remember_user(db, REP, "Asia/Shanghai", "zh-CN", now=NOW - timedelta(days=3))
    remember_user(db, REP_EN, "America/New_York", "en-US", now=NOW - timedelta(days=3))
    with transaction(db) as s:
        create_customer(session=s, name="星河科技", owner_id=user, created_by=user, now=NOW)
    serving = make_engine(database.url, busy_ms=100)
    bolt = BoltServer(db=session_factory(serving), fake=fake)
    bolt.now = NOW
    holder = make_engine(database.url)
    try:
        with holder.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # `python -m bot import` writing
            status, _, _ = bolt.command("show 星河科技", user=user)
            shown = fake.wait_for("response_url:cmd")[0].params
            conn.rollback()
        assert status == 200 and fake.calls_to("users.info")  # the stale profile was asked for, and not cached
        assert said in json.dumps(shown, ensure_ascii=False) and "busy" not in json.dumps(shown) and "数据库" not in json.dumps(shown, ensure_ascii=False)
    finally:
        bolt.stop()
        holder.dispose()
        serving.dispose()
