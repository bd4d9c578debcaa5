"""What `python -m bot` loads once its port answers (bot/cli/run.py): the database (migrated), the
app (auth.test), the scheduler; then the port is handed to the app and served until SIGTERM."""
from __future__ import annotations

import logging

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import create_app, defaults_of
from bot.client import make_client
from bot.database import SERVE_BUSY_MS, open_database
from bot.front import EVENTS_PATH, Front
from bot.health import Readiness, make_ops_wsgi
from bot.keys import load_cipher
from bot.metrics import Metrics
from bot.scheduler import TickWatch, Waker, start_scheduler
from bot.shutdown import DrainingExecutor, serve
from bot.web import make_wsgi
from bot.webhooks import make_nps_webhook
from store.migrate import database_revision

log = logging.getLogger("crm")


def load_and_serve(settings, *, front: Front, web) -> None:
    db = open_database(settings.database_url, busy_ms=SERVE_BUSY_MS)  # first: a SQLite key file is made beside the database, once it is known to open
    defaults = defaults_of(settings, load_cipher(settings))
    metrics = Metrics(db=db)
    with db() as session:
        readiness = Readiness(engine=session.get_bind())
    client = metrics.metered(make_client(settings))
    listeners = DrainingExecutor(max_workers=16, thread_name_prefix="crm-listener")
    wake = Waker()  # listeners wake the scheduler started below
    try:
        app = create_app(settings, db, client=client, defaults=defaults, executor=listeners, metrics=metrics, wake=wake)
    except SlackApiError as e:
        raise SystemExit(f"Slack refused SLACK_BOT_TOKEN ({e.response.get('error')}); check the token and SLACK_API_URL.")
    except BoltError as e:  # Bolt's own wording of a refused auth.test
        raise SystemExit(f"Slack refused SLACK_BOT_TOKEN ({e}); check the token and SLACK_API_URL.")
    except (SlackClientError, OSError) as e:
        raise SystemExit(f"Could not reach Slack at {settings.slack_api_url} ({e}); check the network and SLACK_API_URL.")
    readiness.slack_ok = True  # create_app's auth.test succeeded
    wsgi = web_app(settings=settings, app=app, db=db, defaults=defaults, wake=wake, readiness=readiness, metrics=metrics)
    watch = TickWatch(metrics=metrics, on_tick=readiness.ticked)
    scheduler = wake.scheduler = start_scheduler(client=client, db=db, defaults=defaults, watch=watch)
    socket_handler = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_handler = SocketModeHandler(app, settings.slack_app_token)
    log.info("%s", start_line(settings, db))
    serve(web=web, front=front, wsgi=wsgi, socket_handler=socket_handler, scheduler=scheduler, watch=watch, readiness=readiness,
          listeners=listeners, db=db, grace=settings.shutdown_grace)


def start_line(settings, db) -> str:
    """The one line a start logs: mode, port, database kind, revision."""
    with db() as session:
        engine = session.get_bind()
        revision = database_revision(engine) or "none"
    mode = ("Socket Mode" if settings.socket_mode else f"HTTP mode (Slack requests at POST {EVENTS_PATH})")
    return f"started: {mode}, port {settings.port}, database {engine.dialect.name}, revision {revision}"


def web_app(*, settings, app, db, defaults, wake, readiness=None, metrics=None):
    """What the port serves once the app is loaded: Slack's requests (HTTP mode, signed), the NPS
    webhook, /healthz, /readyz, /metrics."""
    nps = make_nps_webhook(secret=settings.crm_nps_webhook_secret, db=db, defaults=defaults, wake=wake)
    return make_wsgi(app, signing_secret=settings.slack_signing_secret, nps_webhook=nps, ops=make_ops_wsgi(readiness, metrics))
