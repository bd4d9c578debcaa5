"""The port, open from the first moment of a start, and the paths served on it.

`python -m bot` listens before it loads the app: importing SQLAlchemy, the models and every feature,
migrating, auth.test and registering the listeners are most of a start (about a second). Meanwhile:

  GET /healthz   200 "ok" at once: the process is up (a liveness check).
  GET /readyz    503, {"ready": false, "checks": {"started": {"ok": false, ...}}}: not ready until
                 the app is loaded and the database is at head (then bot/health.py answers it).
  anything else  (Slack's requests, the NPS webhook, /metrics) waits for the app, up to WAIT
                 seconds, and is then served by it exactly as if it had arrived a moment later: the
                 same signature check, the same listeners. Slack gives up (and retries) after 3 s,
                 so a start that loads within that loses nothing and answers nothing wrongly.
                 Past WAIT (a start stuck on a migration): 503 with Retry-After, never a guess.

A start that fails (the database or Slack refusing) exits, closing the port, as before.
This module imports nothing but waitress: it must be loaded in a few milliseconds.
"""
from __future__ import annotations

import json
import threading

import waitress

EVENTS_PATH = "/slack/events"
NPS_WEBHOOK_PATH = "/webhooks/nps"
WAIT = 30.0  # seconds a request that arrived early waits for the app
NOT_STARTED = {"ready": False, "checks": {"started": {"ok": False, "error": "the app is still loading"}}}


def _answer(start_response, status: str, body: bytes, content_type: str, extra: tuple = ()) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store"), *extra])
    return [body]


class Front:
    """The WSGI app waitress serves from the start: the rules above until `open(app)`, then `app`."""

    def __init__(self, *, wait: float = WAIT) -> None:
        self._app = None
        self._opened = threading.Event()
        self._wait = wait

    def open(self, app) -> None:
        self._app = app
        self._opened.set()

    @property
    def is_open(self) -> bool:
        return self._opened.is_set()

    def __call__(self, environ, start_response):
        app = self._app
        if app is None:
            path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
            if path == "/healthz" and method in ("GET", "HEAD"):
                return _answer(start_response, "200 OK", b"ok", "text/plain")
            if path == "/readyz" and method in ("GET", "HEAD"):
                return _answer(start_response, "503 Service Unavailable", json.dumps(NOT_STARTED).encode(), "application/json")
            if not self._opened.wait(self._wait):
                return _answer(start_response, "503 Service Unavailable", b"starting", "text/plain", (("Retry-After", "5"),))
            app = self._app
        return app(environ, start_response)


def listen(front: Front, port: int):
    """waitress's server on `port`, serving `front` from a thread of its own at once. OSError when
    the port cannot be taken (the caller says so in one sentence)."""
    # poll(), not select(): SIGTERM closes the listening socket under the loop's thread
    server = waitress.create_server(front, host="0.0.0.0", port=port, threads=8, asyncore_use_poll=True)
    threading.Thread(target=server.run, name="crm-http", daemon=True).start()
    return server
