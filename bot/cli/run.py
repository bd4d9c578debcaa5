"""`python -m bot` or `python -m bot run`: the bot and its scheduler, serving until SIGTERM."""
from __future__ import annotations

import logging

import waitress
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import create_app, defaults_of, make_client
from bot.cli.args import require_slack
from bot.database import open_database
from bot.health import Readiness, make_ops_wsgi
from bot.keys import load_cipher
from bot.metrics import Metrics
from bot.scheduler import TickWatch, Waker, start_scheduler
from bot.settings import SettingsError
from bot.shutdown import DrainingExecutor, serve
from bot.web import EVENTS_PATH, make_wsgi
from bot.webhooks import make_nps_webhook
from store.migrate import database_revision

log = logging.getLogger("crm")


def handle(settings, _args) -> None:
    require_slack(settings, serving=True)
    db = open_database(settings.database_url)  # first: a SQLite key file is made beside the database, once it is known to open
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
    web = _web_front(settings=settings, app=app, db=db, defaults=defaults, wake=wake, readiness=readiness, metrics=metrics)
    watch = TickWatch(metrics=metrics, on_tick=readiness.ticked)
    scheduler = wake.scheduler = start_scheduler(client=client, db=db, defaults=defaults, watch=watch)
    socket_handler = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_handler = SocketModeHandler(app, settings.slack_app_token)
    log.info("%s", start_line(settings, db))
    serve(web=web, socket_handler=socket_handler, scheduler=scheduler, watch=watch, readiness=readiness,
          listeners=listeners, db=db, grace=settings.shutdown_grace)


def start_line(settings, db) -> str:
    """The one line a start logs: mode, port, database kind, revision."""
    with db() as session:
        engine = session.get_bind()
        revision = database_revision(engine) or "none"
    mode = ("Socket Mode" if settings.socket_mode else f"HTTP mode (Slack requests at POST {EVENTS_PATH})")
    return f"started: {mode}, port {settings.port}, database {engine.dialect.name}, revision {revision}"


def _web_front(*, settings, app, db, defaults, wake, readiness=None, metrics=None):
    """The HTTP server: Slack's requests (HTTP mode, signed), the NPS webhook, /healthz, /readyz, /metrics."""
    nps = make_nps_webhook(secret=settings.crm_nps_webhook_secret, db=db, defaults=defaults, wake=wake)
    wsgi = make_wsgi(app, signing_secret=settings.slack_signing_secret, nps_webhook=nps, ops=make_ops_wsgi(readiness, metrics))
    try:
        # poll(), not select(): SIGTERM closes the listening socket under the loop's thread
        return waitress.create_server(wsgi, host="0.0.0.0", port=settings.port, threads=8, asyncore_use_poll=True)
    except OSError as e:
        raise SettingsError(f"PORT: cannot listen on port {settings.port} ({e.strerror or e}); give a free port "
                            f"from 1 to 65535.") from None
