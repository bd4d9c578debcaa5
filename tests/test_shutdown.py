"""`python -m bot` as a process: SIGTERM stops it taking requests, lets a post in flight finish
(up to 10 s) or hands its outbox claim back at once; Socket Mode serves health and metrics on PORT."""
from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import waitress
from sqlmodel import select

from bot.shutdown import GRACE, close_listener
from store.db import transaction
from store.interactions import log_interaction
from store.models import Outbox
from tests.bolt_server import SECRET
from tests.conftest import REP
from tests.test_cli import ROOT, run
from tests.test_run import _free_port, _wait_healthy

KEY = "test-encryption-key-0123456789-abcdef"


def env_for(database, fake, port: int, **extra) -> dict[str, str]:
    return {"DATABASE_URL": database.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url, "PORT": str(port),
            "CRM_QUIET_HOURS": "off", "CRM_ENCRYPTION_KEY": KEY,
            "CRM_MONTHLY_SUMMARY": "off",  # on a month's first working day (wall clock) it would add a DM
            **extra}


def start_bot(env: dict[str, str], cwd, *, flags: tuple[str, ...] = (), stderr=subprocess.PIPE) -> subprocess.Popen:
    """`flags`: the interpreter's own (`-X importtime`); `stderr`: a file instead of the pipe, for a lot of it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_", "LOG_"))}
    return subprocess.Popen([sys.executable, *flags, "-m", "bot"], cwd=cwd, env={**clean, **env, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=stderr, text=True)


def an_action_due_a_minute_ago(database) -> None:
    logged = datetime.now(timezone.utc) - timedelta(minutes=2)
    with transaction(database.factory) as s:
        log_interaction(session=s, author_id=REP, customer_id=None, new_customer_name="星河科技", way="visit",
                        occurred_on=logged.date(), summary="拜访", feedback="", participants="", action_title="发送报价",
                        due_at=logged + timedelta(minutes=1), action_owner_id=REP, now=logged)


def the_alert(database) -> Outbox:
    with database.factory() as s:
        return s.exec(select(Outbox).where(Outbox.kind == "action_due")).one()


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def terminate(proc: subprocess.Popen, port: int) -> tuple[float, bool, str]:
    """SIGTERM; (seconds to exit, whether the port refused connections while the process still ran, stderr)."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    closed_while_running = False
    while proc.poll() is None and time.monotonic() - started < 30:
        if not closed_while_running and refuses_connections(port):
            closed_while_running = proc.poll() is None
        time.sleep(0.05)
    _, err = proc.communicate(timeout=30)
    return time.monotonic() - started, closed_while_running, err


def test_sigterm_during_a_held_post_hands_the_claim_back_within_the_bound(empty_database, fake, tmp_path):
    """The grace is shortened to 3 s here: with the default 10 s, the Web client's own 10 s timeout
    could end the held post first (a retry later, not a claim handed back)."""
    port = _free_port()
    env = env_for(empty_database, fake, port, SLACK_SIGNING_SECRET=SECRET, SHUTDOWN_GRACE="3")
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    an_action_due_a_minute_ago(empty_database)
    held = threading.Event()
    fake.fail_next("chat.postMessage", status=200, hold=held)  # Slack takes its time answering
    proc = start_bot(env, tmp_path)
    try:
        _wait_healthy(port, proc)
        fake.wait_for("chat.postMessage", timeout=30)  # the post is in flight, held
        assert the_alert(empty_database).status == "sending"
        seconds, closed, err = terminate(proc, port)
    finally:
        if proc.poll() is None:
            proc.kill()
        held.set()
    assert proc.returncode == 0, err[-3000:]
    assert 3 <= seconds < 3 + 5, seconds
    assert closed, "the port kept taking connections while the process drained"
    assert "tick cut short, 1 outbox claims handed back" in err
    alert = the_alert(empty_database)
    assert (alert.status, alert.lease_until, alert.attempts) == ("pending", None, 0)
    assert alert.posting_at is not None  # whoever takes it first looks in Slack for this post
    # Another replica takes it at once (not after the 2-minute lease). The held post did reach
    # Slack (the fake answered it once released), so it is found there, not posted twice.
    fake.reset()
    again = run(["jobs", "--once"], env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.splitlines()[-1])["sent"] == 1
    assert fake.methods() == ["conversations.open", "conversations.history"]
    assert the_alert(empty_database).status == "sent"


def test_sigterm_lets_a_post_in_flight_finish(empty_database, fake, tmp_path):
    port = _free_port()
    env = env_for(empty_database, fake, port, SLACK_SIGNING_SECRET=SECRET)
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    an_action_due_a_minute_ago(empty_database)
    held = threading.Event()
    fake.fail_next("chat.postMessage", status=200, hold=held)
    proc = start_bot(env, tmp_path)
    try:
        _wait_healthy(port, proc)
        fake.wait_for("chat.postMessage", timeout=30)
        proc.send_signal(signal.SIGTERM)
        held.set()  # Slack answers while the process drains
        _, err = proc.communicate(timeout=GRACE + 5)
    finally:
        if proc.poll() is None:
            proc.kill()
        held.set()
    assert proc.returncode == 0, err[-3000:]
    assert "tick finished, 0 outbox claims handed back" in err
    alert = the_alert(empty_database)
    assert alert.status == "sent" and alert.ts
    assert len(fake.calls_to("chat.postMessage")) == 1


def get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_socket_mode_serves_health_readiness_and_metrics_on_port_and_stops_on_sigterm(empty_database, fake, tmp_path):
    """Slack's socket is not reachable here: apps.connections.open is held, so the process waits on
    it, as one does while Slack is slow, and its HTTP port must still answer."""
    port = _free_port()
    held = threading.Event()
    fake.fail_next("apps.connections.open", status=200, hold=held)
    proc = start_bot(env_for(empty_database, fake, port, SLACK_APP_TOKEN="xapp-test"), tmp_path)
    try:
        _wait_healthy(port, proc)
        fake.wait_for("apps.connections.open", timeout=30)
        deadline = time.monotonic() + 30
        status, body = get(port, "/readyz")
        while status != 200 and time.monotonic() < deadline:  # until the first tick has finished
            time.sleep(0.1)
            status, body = get(port, "/readyz")
        assert status == 200, body
        assert set(json.loads(body)["checks"]) == {"database", "migrations", "slack", "scheduler", "stopping"}
        status, metrics = get(port, "/metrics")
        assert status == 200
        assert b'crm_outbox_alerts{status="pending"} 0.0' in metrics
        assert b'crm_job_duration_seconds_count{job="tick"}' in metrics
        assert get(port, "/slack/events")[0] == 404  # GET: Slack's path is not served here
        seconds, _, err = terminate(proc, port)
    finally:
        if proc.poll() is None:
            proc.kill()
        held.set()
    assert proc.returncode == 0, err[-3000:]
    assert seconds < GRACE + 5
    assert "Socket Mode" in err



def test_the_listener_closes_in_the_servers_loop_even_when_a_connection_is_being_accepted(caplog):
    """Stop 20's CI: closed from the signal thread, waitress's loop could be between poll() and
    accept() and log `server accept() threw an exception` (EBADF). Here the loop is held inside
    accept() while stop closes the listener: close_listener queues the close for the loop, so the
    accept finishes on an open socket and the close follows; a slow answer still goes out."""
    release = threading.Event()

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            release.wait(10)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    port = _free_port()
    server = waitress.create_server(app, host="127.0.0.1", port=port, threads=2, asyncore_use_poll=True)
    accepting, proceed = threading.Event(), threading.Event()
    real_accept = server.accept

    def held_accept():
        if not proceed.is_set():
            accepting.set()
            proceed.wait(10)
        return real_accept()

    server.accept = held_accept
    threading.Thread(target=server.run, daemon=True).start()
    slow: list[int] = []
    slow_thread = threading.Thread(target=lambda: slow.append(get(port, "/slow")[0]))
    with caplog.at_level(logging.WARNING, logger="waitress"):
        slow_thread.start()
        assert accepting.wait(10)  # the loop saw the connection and is inside accept()
        closer = threading.Thread(target=close_listener, args=(server,), kwargs={"timeout": 10})
        closer.start()
        while closer.is_alive() and not server.trigger.thunks:  # stop has done its part
            time.sleep(0.01)
        proceed.set()
        closer.join(10)
        assert refuses_connections(port)
        release.set()
        slow_thread.join(10)
    assert slow == [200]
    assert not [r for r in caplog.records if "accept()" in r.getMessage()]
    server.close()


def _tgkill(pid: int, tid: int, signum: int) -> None:
    """A signal to one thread of another process (Linux's tgkill), as the kernel may pick any thread
    that does not block it for a signal sent to the process."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(234, pid, tid, signum) != 0:  # SYS_tgkill on x86_64
        raise OSError(ctypes.get_errno(), "tgkill")


def test_sigterm_taken_by_another_thread_than_the_main_one_still_stops_the_bot(empty_database, fake, tmp_path):
    """The kernel hands a process's SIGTERM to any of its threads (15 here: waitress's, the scheduler's,
    Bolt's listeners). Python runs the handler in the main thread, which an untimed wait never wakes:
    the bot served on and was killed after its orchestrator's grace, the drain never run."""
    if os.uname().sysname != "Linux" or os.uname().machine != "x86_64":
        pytest.skip("tgkill's number is x86_64 Linux's")
    port = _free_port()
    env = env_for(empty_database, fake, port, SLACK_SIGNING_SECRET=SECRET)
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    proc = start_bot(env, tmp_path)
    try:
        _wait_healthy(port, proc)
        others = [int(t) for t in os.listdir(f"/proc/{proc.pid}/task") if int(t) != proc.pid]
        assert len(others) >= 3
        _tgkill(proc.pid, others[-1], signal.SIGTERM)
        _, err = proc.communicate(timeout=GRACE + 5)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    assert "stopping: no new requests" in err
