"""bot/front.py: what the port answers while the app loads, and that nothing heavy is loaded before
it opens (the process as a whole: tests/test_run.py sends Slack requests during a held start)."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import threading

from bot.front import NOT_STARTED, Front
from tests.test_cli import ROOT


def _call(app, path: str, method: str = "GET") -> tuple[str, dict, bytes]:
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO(b"")}, start_response))
    return seen["status"], seen["headers"], body


def _the_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"app:" + environ["PATH_INFO"].encode()]


def test_before_the_app_opens_health_answers_readiness_refuses_and_a_stuck_start_is_a_503():
    front = Front(wait=0.05)
    assert _call(front, "/healthz")[::2] == ("200 OK", b"ok")
    status, _, body = _call(front, "/readyz")
    assert (status, json.loads(body)) == ("503 Service Unavailable", NOT_STARTED)
    status, headers, body = _call(front, "/slack/events", "POST")  # the app never came within `wait`
    assert (status, headers["Retry-After"], body) == ("503 Service Unavailable", "5", b"starting")


def test_a_request_waiting_for_the_app_is_served_by_it_once_open():
    front = Front(wait=30)
    answered = {}
    waiting = threading.Thread(target=lambda: answered.update(r=_call(front, "/slack/events", "POST")))
    waiting.start()
    front.open(_the_app)
    waiting.join(30)
    assert answered["r"][::2] == ("200 OK", b"app:/slack/events")
    assert _call(front, "/healthz")[::2] == ("200 OK", b"app:/healthz")  # from then on, everything is the app's
    assert front.is_open


def test_the_port_opens_before_sqlalchemy_the_models_or_slack_are_imported():
    """`python -m bot` imports bot.__main__ (settings, the CLI's parsers) and bot.cli.run (bot.front)
    before it listens; bot.cli.opening and bot.cli.serve, which load the rest, come after."""
    code = ("import sys, bot.__main__, bot.cli.run; print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'store.models', 'slack_bolt', "
            "'slack_sdk', 'handlers.context', 'babel') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"
    done = subprocess.run([sys.executable, "-c", "import sys, bot.app; print('sqlalchemy' in sys.modules)"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    assert done.stdout.strip() == "True"  # the check sees them when they are loaded
