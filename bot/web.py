"""The HTTP front: Slack's requests at POST /slack/events, NPS responses at POST /webhooks/nps
(when given), a health check, nothing else."""
from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.health import OPS_PATHS

EVENTS_PATH = "/slack/events"
NPS_WEBHOOK_PATH = "/webhooks/nps"


def make_wsgi(app: App, *, nps_webhook=None, ops=None):
    """`nps_webhook`: the WSGI app from bot.webhooks.make_nps_webhook, or None for no such route.
    `ops`: bot.health.make_ops_wsgi's app for /healthz, /readyz and /metrics (None: /healthz alone)."""
    slack = SlackRequestHandler(app)

    def wsgi(environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == EVENTS_PATH and method == "POST":
            return slack(environ, start_response)
        if path == NPS_WEBHOOK_PATH and nps_webhook is not None:
            return nps_webhook(environ, start_response)
        if ops is not None and path in OPS_PATHS:
            return ops(environ, start_response)
        if path == "/healthz" and method == "GET":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return wsgi
