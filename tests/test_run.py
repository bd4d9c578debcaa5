"""`python -m bot` as a real process in HTTP mode: it migrates, serves signed Slack requests at
POST /slack/events, and its scheduler delivers what is due on its first tick."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from store.db import transaction
from store.interactions import log_interaction
from tests.bolt_server import SECRET, payload, sign
from tests.conftest import REP, REP_EN
from tests.test_cli import ROOT, run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(port: int, proc: subprocess.Popen) -> None:
    """Until the loaded app answers on the port: the port opens first (bot/front.py), with /readyz
    saying `started: false` while the app loads."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the bot exited: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                alive = r.read() == b"ok"
            if alive and "started" not in _readyz(port)[1]["checks"]:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("the bot's app did not answer within 60 s")


def _readyz(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_bot_process_serves_slack_and_runs_its_scheduler(empty_database, fake, tmp_path):
    port = _free_port()
    env = {"DATABASE_URL": empty_database.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.url, "PORT": str(port),
           "CRM_QUIET_HOURS": "off",  # the DM is due now, whatever the hour in Shanghai
           "CRM_MONTHLY_SUMMARY": "off",  # ... and the only one, even on a month's first working day
           "CRM_ENCRYPTION_KEY": "test-encryption-key-0123456789-abcdef"}
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    # logged two minutes ago, due a minute ago: the scheduler's first tick finds it due
    logged = datetime.now(timezone.utc) - timedelta(minutes=2)
    with transaction(empty_database.factory) as s:
        log_interaction(session=s, author_id=REP, customer_id=None, new_customer_name="星河科技", way="visit",
                        occurred_on=logged.date(), summary="拜访", feedback="", participants="", action_title="发送报价",
                        due_at=logged + timedelta(minutes=1), action_owner_id=REP, now=logged)
    proc_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env={**proc_env, **env, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_healthy(port, proc)
        dm = fake.wait_for("chat.postMessage", timeout=20)[0].params
        assert dm["channel"] == REP and "发送报价" in dm["text"]
        fields = payload("slash_command")
        fields.update(text="help", response_url=fake.response_url("run"))
        body = urlencode(fields).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert "/crm log" in fake.wait_for("response_url:run")[0].params["text"]
        assert fake.methods()[0] == "auth.test"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_encryption_key_rules(empty_database, fake, tmp_path):
    """PostgreSQL (replicas) needs CRM_ENCRYPTION_KEY at start-up; a SQLite bot makes one beside its file."""
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://127.0.0.1:9/api/"}
    if empty_database.backend == "postgresql":
        done = run([], env={**env, "DATABASE_URL": empty_database.url}, cwd=tmp_path)
        assert done.returncode == 1 and "CRM_ENCRYPTION_KEY is not set" in done.stderr and "python -m bot new-key" in done.stderr
        assert "Traceback" not in done.stderr
    else:
        done = run([], env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}"}, cwd=tmp_path)
        key = tmp_path / "crm.key"
        assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600" and len(key.read_text()) >= 32
        assert "Could not reach Slack" in done.stderr  # it got past the key and stopped at Slack
    new = run(["new-key"], env={}, cwd=tmp_path)
    assert new.returncode == 0 and len(new.stdout.strip()) >= 32


def test_a_signed_request_sent_while_the_app_loads_is_served_by_it(empty_database, fake, tmp_path):
    """The port answers before the app has loaded (bot/front.py). Held at auth.test (the fake Slack
    answers it only when the test says), the bot answers /healthz, says on /readyz it has not
    started, and keeps two signed `/crm help` requests sent meanwhile (a zh-CN and an en-US rep);
    once auth.test answers, the app itself serves both: 200, each rep's help in their language."""
    release = threading.Event()
    fake.fail_next("auth.test", status=200, hold=release)
    port = _free_port()
    env = {"DATABASE_URL": empty_database.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.url, "PORT": str(port), "CRM_ENCRYPTION_KEY": "test-encryption-key-0123456789-abcdef"}
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    proc_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp_path, env={**proc_env, **env, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sent = []
    try:
        fake.wait_for("auth.test", timeout=60)  # the app is being made, and waits for Slack
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert (r.status, r.read()) == (200, b"ok")
        assert _readyz(port) == (503, {"ready": False, "checks": {"started": {"ok": False, "error": "the app is still loading"}}})
        for user, name in ((REP, "zh"), (REP_EN, "en")):
            fields = payload("slash_command")
            fields.update(text="help", user_id=user, response_url=fake.response_url(name))
            body = urlencode(fields).encode()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/slack/events", body=body, headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)})
            sent.append(conn)
        assert not fake.calls_to("auth.test")[0].answered.is_set()  # both sent before the app could exist
        release.set()
        answers = [(response.status, response.read()) for response in (conn.getresponse() for conn in sent)]
        assert answers == [(200, b""), (200, b"")]
        assert fake.wait_for("response_url:zh")[0].params["text"].startswith("*CRM 助手* 可用的命令：")
        assert fake.wait_for("response_url:en")[0].params["text"].startswith("*CRM assistant* commands:")
        assert "started" not in _readyz(port)[1]["checks"]
    finally:
        release.set()
        for conn in sent:
            conn.close()
        proc.terminate()
        proc.wait(timeout=20)
