"""Replicas start together and each migrates at start: store/migrate.py's lock (an advisory lock on
PostgreSQL, a file lock on SQLite) lets one upgrade at a time, as processes (`python -m bot migrate`)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store.db import make_engine, session_factory
from store.migrate import MIGRATIONS, current_head, database_revision, migration_lock, upgrade
from tests.bolt_server import BoltServer
from tests.conftest import REP, REP_EN

ROOT = Path(__file__).resolve().parents[1]
WAITING = "another process is migrating this database: waiting for it"


def start_migrate(url: str, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env |= {"PYTHONPATH": str(ROOT), "DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "bot", "migrate"], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def assert_at_head_with_each_table_once(database) -> None:
    assert database_revision(database.engine) == current_head()
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    names = inspect(database.engine).get_table_names()
    assert sorted(names) == sorted(set(names))
    assert set(names) == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_three_processes_migrating_one_fresh_database_at_once_all_succeed(empty_database, tmp_path):
    processes = [start_migrate(empty_database.url, tmp_path) for _ in range(3)]
    results = [finish(p) for p in processes]
    assert [code for code, _, _ in results] == [0, 0, 0], [err[-2000:] for _, _, err in results]
    assert all(f"database at revision {current_head()}" in out for _, out, _ in results)
    assert_at_head_with_each_table_once(empty_database)


def test_while_one_holds_the_lock_the_others_wait_then_find_the_database_at_head(empty_database, tmp_path):
    """Deterministic: the test holds the lock, each process says it waits (and has changed
    nothing), then all finish once it is released."""
    with migration_lock(empty_database.url):
        processes = [start_migrate(empty_database.url, tmp_path) for _ in range(3)]
        for process in processes:
            seen = []
            for line in process.stderr:  # until the process says it waits (EOF if it never does)
                seen.append(line)
                if WAITING in line:
                    break
            assert WAITING in "".join(seen), "".join(seen)
            assert process.poll() is None
        assert database_revision(empty_database.engine) is None  # nobody migrated under our lock
    results = [finish(p) for p in processes]
    assert [code for code, _, _ in results] == [0, 0, 0], [err[-2000:] for _, _, err in results]
    assert_at_head_with_each_table_once(empty_database)


def test_one_replica_migrates_while_two_serve(empty_database, fake, tmp_path):
    """Two replicas serve a database one revision behind; a third upgrades it meanwhile. Every
    request is answered, in either language, before, during and after; the database ends at head."""
    previous = ScriptDirectory(str(MIGRATIONS)).get_revision(current_head()).down_revision
    upgrade(empty_database.url, previous)
    engine = make_engine(empty_database.url)
    servers = [BoltServer(db=session_factory(engine), fake=fake) for _ in range(2)]
    statuses: list[int] = []
    stop = threading.Event()

    def keep_asking(server: BoltServer, user: str) -> None:
        while not stop.is_set():
            statuses.append(server.command("help", user=user)[0])

    askers = [threading.Thread(target=keep_asking, args=(s, u)) for s, u in zip(servers, (REP, REP_EN))]
    try:
        for asker in askers:
            asker.start()
        fake.wait_for("response_url:cmd", count=2, timeout=30)
        code, out, err = finish(start_migrate(empty_database.url, tmp_path))
        answered_during = len(fake.calls_to("response_url:cmd"))
        stop.set()
        for asker in askers:
            asker.join(timeout=30)
        assert code == 0, err[-2000:]
        assert database_revision(empty_database.engine) == current_head()
        assert statuses and set(statuses) == {200}, statuses
        after = servers[0].command("help", user=REP_EN)
        assert after[0] == 200
        fake.wait_for("response_url:cmd", count=answered_during + 1, timeout=30)
        texts = [str(call.params) for call in fake.calls_to("response_url:cmd")]
        assert any("/crm" in t for t in texts)
    finally:
        stop.set()
        for server in servers:
            server.stop()
        engine.dispose()
