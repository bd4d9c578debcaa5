"""The real Bolt app, served over HTTP on 127.0.0.1 by the same WSGI front as production, and a
client that sends it requests signed as Slack signs them (v0 HMAC-SHA256)."""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timezone
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import waitress
from concurrent.futures import ThreadPoolExecutor
from slack_sdk import WebClient

from bot.app import create_app, defaults_of
from store.privacy import Cipher
from bot.settings import Settings
from bot.health import make_ops_wsgi
from bot.web import make_wsgi
from bot.webhooks import make_nps_webhook
from handlers.delivery.send import deliver

SECRET = "test-signing-secret"
TEST_KEY = "test-encryption-key-0123456789-abcdef"
PAYLOADS = Path(__file__).with_name("payloads")


def payload(name: str) -> dict:
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))


def sign(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class BoltServer:
    def __init__(self, *, db, fake, nps_secret: str | None = None, executor: ThreadPoolExecutor | None = None,
                 metrics=None, readiness=None, **settings_kw) -> None:
        """`metrics`, `readiness`: bot.metrics.Metrics and bot.health.Readiness, served at /metrics and /readyz.
        `settings_kw`: more settings, as the environment would give them (crm_cs_owner="U…")."""
        self.db, self.fake, self.metrics, self.readiness = db, fake, metrics, readiness
        self.settings = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                                 slack_api_url=fake.url, database_url="sqlite://", crm_default_tz="Asia/Shanghai",
                                 crm_default_locale="zh-CN", crm_quiet_hours="off",  # tests that want quiet hours set them
                                 crm_nps_webhook_secret=nps_secret,
                                 **{"crm_monthly_summary": "off", **settings_kw})  # ... and the monthly summary DMs (tests/test_reviews.py)
        # the app's clock: the wall clock until a test sets `now` (then every listener reads that instant)
        self.now: datetime | None = None
        self.defaults = replace(defaults_of(self.settings, Cipher(TEST_KEY)), clock=self._clock)
        self.client = WebClient(token="xoxb-test", base_url=fake.url, timeout=5)
        self.executor = executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="test-listener")
        self.app = create_app(self.settings, db, client=self.client, executor=self.executor, defaults=self.defaults,
                              metrics=metrics, wake=self.wake)
        nps = make_nps_webhook(secret=nps_secret, db=db, defaults=self.defaults, wake=self.wake)
        # poll(), not select(): stop() closes the socket under the loop thread, which select() answers with EBADF
        ops = make_ops_wsgi(readiness, metrics) if metrics or readiness else None
        wsgi = make_wsgi(self.app, signing_secret=SECRET, nps_webhook=nps, ops=ops)
        self.server = waitress.create_server(wsgi, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
        self.url = f"http://127.0.0.1:{self.server.effective_port}/slack/events"
        self.nps_url = f"http://127.0.0.1:{self.server.effective_port}/webhooks/nps"
        self.base_url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def wake(self) -> None:
        """The scheduler's wake, made deterministic: the outbox is delivered at once, on the thread that
        queued (a listener's, after its ack), as of the app's clock."""
        deliver(client=self.client, db=self.db, defaults=self.defaults, now=self._clock())

    def _clock(self) -> datetime:
        return self.now or datetime.now(timezone.utc)

    def stop(self) -> None:
        """In order: listeners still working after their ack, request threads, the socket."""
        self.executor.shutdown(wait=True)
        self.server.task_dispatcher.shutdown(timeout=5)
        self.server.close()

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, float]:
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded", **headers})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(), time.perf_counter() - started
        except urllib.error.HTTPError as e:
            return e.code, e.read(), time.perf_counter() - started

    def get(self, path: str) -> tuple[int, bytes, str]:
        """GET a path of the same front: (status, body, content type)."""
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers.get("Content-Type", "")

    def signed(self, fields: dict, **sign_kw) -> tuple[int, bytes, float]:
        body = urlencode(fields).encode()
        return self.post(body, sign(body, **sign_kw))

    def command(self, text: str, *, user: str, channel: str = "C0SALES001") -> tuple[int, bytes, float]:
        fields = payload("slash_command")
        fields.update(text=text, user_id=user, channel_id=channel, response_url=self.fake.response_url("cmd"),
                      trigger_id=f"trigger.{time.time_ns()}")
        return self.signed(fields)

    def interact(self, body: dict) -> tuple[int, bytes, float]:
        return self.signed({"payload": json.dumps(body)})
