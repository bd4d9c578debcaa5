"""Two clicks on the same row at once: the second waits for the first and reads what it wrote, on
SQLite too, where FOR UPDATE is dropped (store.db.get_for_update takes the write lock first).

Deterministic, no sleeps: the first transaction closes the action and holds it uncommitted; the
second starts and is let on only once it reaches its first write (where it waits for the lock: the SQLite write, PostgreSQL's SELECT … FOR UPDATE);
then the first commits. Without the lock the second has already read the action as open, and both
close it (a lost update: two confirmations, the second overwriting who did it)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import event

from store.actions import complete
from store.db import transaction
from store.errors import DomainError
from store.interactions import log_interaction
from store.models import NextAction
from tests.conftest import BOSS, REP

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)


def _action(db) -> int:
    with transaction(db) as s:
        logged = log_interaction(session=s, author_id=BOSS, customer_id=None, new_customer_name="星河科技", way="visit",
                                 occurred_on=NOW.date(), summary="拜访", feedback="", participants="", action_title="发送报价",
                                 due_at=NOW + timedelta(days=1), action_owner_id=REP, now=NOW, tz="Asia/Shanghai")
        return logged.action.id


def test_done_clicked_twice_at_once_closes_the_action_once(database):
    db = database.factory
    action_id = _action(db)
    second_writes = threading.Event()
    second = {}

    def signal(conn, cursor, statement, *args):
        sql = " ".join(statement.upper().split())
        if threading.current_thread().name == "second" and (sql.startswith("UPDATE") or sql.endswith("FOR UPDATE")):
            second_writes.set()

    event.listen(database.engine, "before_cursor_execute", signal)

    def click_again():
        try:
            with transaction(db) as s:
                second["done"] = complete(session=s, action_id=action_id, user_id=BOSS, now=NOW + timedelta(seconds=1)).done_by
        except DomainError as e:
            second["refused"] = e.key

    with transaction(db) as s:
        first = complete(session=s, action_id=action_id, user_id=REP, now=NOW)
        assert first.done_by == REP
        other = threading.Thread(target=click_again, name="second")
        other.start()
        assert second_writes.wait(timeout=20), "the second click never reached a write"
    other.join(timeout=40)
    assert not other.is_alive()
    assert second == {"refused": "err_action_closed"}
    with transaction(db) as s:
        assert s.get(NextAction, action_id).done_by == REP
