"""The HTTP front: Slack's requests at POST /slack/events, NPS responses at POST /webhooks/nps
(when given), a health check, nothing else.

A request to /slack/events reaches Bolt only once its Slack signature is verified (bot/trust.py):
anything else is a plain 401, before any of it (response_url, trigger_id, user, channel, team,
even whether the body parses) is read. Without a signing secret (Socket Mode) there is no such route.
"""
from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.front import EVENTS_PATH, NPS_WEBHOOK_PATH
from bot.health import OPS_PATHS
from bot.slack_body import refuse, unreadable
from bot.trust import slack_signature_ok, whole_number

log = logging.getLogger("crm")


def _plain(start_response, status: str, text: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
    return [text]


def make_wsgi(app: App, *, signing_secret: str | None, nps_webhook=None, ops=None, clock: Callable[[], float] = time.time):
    """`nps_webhook`: the WSGI app from bot.webhooks.make_nps_webhook, or None for no such route.
    `ops`: bot.health.make_ops_wsgi's app for /healthz, /readyz and /metrics (None: /healthz alone).
    `clock` is for tests that move time."""
    slack = SlackRequestHandler(app)

    def signed_slack(environ, start_response):
        body = environ["wsgi.input"].read(whole_number(environ.get("CONTENT_LENGTH")) or 0)  # waitress checked the length
        if not slack_signature_ok(signing_secret, body, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                                  environ.get("HTTP_X_SLACK_SIGNATURE"), now=clock()):
            log.warning("refused a request to %s from %s: no valid Slack signature", EVENTS_PATH, environ.get("REMOTE_ADDR"))
            return _plain(start_response, "401 Unauthorized", b"invalid request")
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        reason = unreadable(environ)  # signed, yet not a body Bolt can read: 400, not Bolt's 500
        return slack(environ, start_response) if reason is None else refuse(start_response, reason)

    def wsgi(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == EVENTS_PATH and method == "POST" and signing_secret:
            return signed_slack(environ, start_response)
        if path == NPS_WEBHOOK_PATH and nps_webhook is not None:
            return nps_webhook(environ, start_response)
        if ops is not None and path in OPS_PATHS:
            return ops(environ, start_response)
        if path == "/healthz" and method == "GET":
            return _plain(start_response, "200 OK", b"ok")
        return _plain(start_response, "404 Not Found", b"not found")

    return wsgi
