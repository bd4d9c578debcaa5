"""Quiet logs (issue 16): `python -m bot` as a process logs one line of its own at start (mode, port,
database kind, revision) and nothing of alembic's set-up, Bolt's token note or APScheduler's
per-tick lines; LOG_LEVEL=debug shows them all."""
from __future__ import annotations

import json

from store.migrate import current_head
from tests.bolt_server import SECRET
from tests.test_run import _free_port, _wait_healthy
from tests.test_shutdown import env_for, start_bot, terminate

CHATTY = ("alembic", "apscheduler", "As you gave `client` as well")


def _run(database, fake, tmp_path, **extra) -> tuple[int, str]:
    port = _free_port()
    proc = start_bot(env_for(database, fake, port, SLACK_SIGNING_SECRET=SECRET, **extra), tmp_path)
    try:
        _wait_healthy(port, proc)
        fake.wait_for("auth.test")
    finally:
        _, _, err = terminate(proc, port)
    return port, err


def test_a_start_is_one_line_of_ours(empty_database, fake, tmp_path):
    port, err = _run(empty_database, fake, tmp_path)
    lines = err.strip().splitlines()
    kind = "sqlite" if empty_database.backend == "sqlite" else "postgresql"
    assert [line.split(" ", 2)[2] for line in lines] == [
        f"INFO crm: started: HTTP mode (Slack requests at POST /slack/events), port {port}, database {kind}, revision {current_head()}",
        "INFO crm: stopping: no new requests; up to 10.0s for posts in flight",
        "INFO crm: stopped: listeners finished, tick finished, 0 outbox claims handed back"]
    assert not any(word in err for word in CHATTY)


def test_debug_shows_the_libraries_lines_and_json_stays_one_object_a_line(empty_database, fake, tmp_path):
    _, err = _run(empty_database, fake, tmp_path, LOG_LEVEL="debug")
    assert all(word in err for word in CHATTY)
    _, err = _run(empty_database, fake, tmp_path, LOG_FORMAT="json")
    records = [json.loads(line) for line in err.strip().splitlines()]
    assert [(r["level"], r["logger"], r["message"].split(":")[0]) for r in records] == [
        ("INFO", "crm", "started"), ("INFO", "crm", "stopping"), ("INFO", "crm", "stopped")]
