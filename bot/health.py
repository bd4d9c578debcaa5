"""GET /healthz (the process answers), GET /readyz (it can do its work) and GET /metrics.

/readyz answers 200 or 503 with a JSON body naming each check:
  database    a query answers
  migrations  the database is at the code's Alembic head
  slack       auth.test succeeded at start
  scheduler   a tick finished within the last 2 minutes
  (stopping   false until SIGTERM; then 503 so a load balancer stops sending requests)
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.metrics import Metrics
from store.migrate import current_head, database_revision

TICK_STALE_AFTER = 120.0  # seconds
OPS_PATHS = ("/healthz", "/readyz", "/metrics")


@dataclass
class Readiness:
    engine: Engine
    clock: Callable[[], float] = time.monotonic
    slack_ok: bool = False
    stopping: bool = False
    last_tick: float | None = None
    head: str = field(default_factory=current_head)  # the code's migration head, read once
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def ticked(self) -> None:
        with self._lock:
            self.last_tick = self.clock()

    def checks(self) -> dict[str, dict]:
        return {"database": self._database(), "migrations": self._migrations(), "slack": self._slack(),
                "scheduler": self._scheduler(), "stopping": {"ok": not self.stopping}}

    def _database(self) -> dict:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as e:
            return {"ok": False, "error": type(e).__name__}
        return {"ok": True}

    def _migrations(self) -> dict:
        head = self.head
        try:
            at = database_revision(self.engine)
        except SQLAlchemyError as e:
            return {"ok": False, "head": head, "error": type(e).__name__}
        return {"ok": at == head, "at": at, "head": head}

    def _slack(self) -> dict:
        return {"ok": self.slack_ok} if self.slack_ok else {"ok": False, "error": "auth.test has not succeeded"}

    def _scheduler(self) -> dict:
        with self._lock:
            last = self.last_tick
        if last is None:
            return {"ok": False, "error": "no tick has finished yet"}
        ago = self.clock() - last
        return {"ok": ago <= TICK_STALE_AFTER, "seconds_since_tick": round(ago, 1)}


def make_ops_wsgi(readiness: Readiness | None, metrics: Metrics | None):
    """The three paths above as one WSGI app; bot/web.py sends them here."""

    def ops(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", b"GET only", "text/plain")
        if path == "/healthz":
            return _answer(start_response, "200 OK", b"ok", "text/plain")
        if path == "/readyz" and readiness is not None:
            checks = readiness.checks()
            ready = all(c["ok"] for c in checks.values())
            body = json.dumps({"ready": ready, "checks": checks}).encode()
            return _answer(start_response, "200 OK" if ready else "503 Service Unavailable", body, "application/json")
        if path == "/metrics" and metrics is not None:
            from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

            return _answer(start_response, "200 OK", metrics.exposition(), CONTENT_TYPE_PLAIN_0_0_4)
        return _answer(start_response, "404 Not Found", b"not found", "text/plain")

    return ops


def _answer(start_response, status: str, body: bytes, content_type: str) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")])
    return [body]
