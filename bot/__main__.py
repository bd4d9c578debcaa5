"""`python -m bot [run|migrate|jobs --once [--now ISO8601]|import-nps|import|export|report|payments|tiers|tags|new-key|rotate-key|manifest]`."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from bot.cli_args import BadArgument, parse_now
from bot.cli_customers import add_customer_commands, cmd_export, cmd_import
from bot.cli_keys import add_key_commands, cmd_new_key, cmd_rotate_key
from bot.cli_nps import add_import_nps, cmd_import_nps
from bot.cli_payments import add_payments, cmd_payments
from bot.cli_report import add_report, cmd_report
from bot.cli_value import add_value_commands, cmd_tags, cmd_tiers
from bot.front import EVENTS_PATH, Front, listen
from bot.manifest_cli import add_manifest, cmd_manifest
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings

log = logging.getLogger("crm")


def _require(settings, *, serving: bool) -> None:
    from bot.settings import MISSING_HELP

    missing = settings.missing(serving=serving)
    if missing:
        print(MISSING_HELP.format(names=", ".join(missing)), file=sys.stderr)
        raise SystemExit(2)


def _database(settings):
    from bot.database import open_database

    return open_database(settings.database_url)


def cmd_migrate(settings, _args) -> None:
    from store.migrate import current_head

    _database(settings)
    print(f"database at revision {current_head()}")


def cmd_jobs(settings, args) -> None:
    from bot.app import defaults_of, make_client
    from bot.keys import check_key
    from handlers.delivery.jobs import tick

    if not args.once:
        raise SystemExit("jobs: only --once is supported here; the running bot schedules them itself")
    _require(settings, serving=False)
    now, defaults = parse_now(args.now), defaults_of(settings, check_key(settings))
    report = tick(client=make_client(settings), db=_database(settings), defaults=defaults, now=now)
    print(json.dumps(report.as_dict()))


def cmd_run(settings, _args) -> None:
    """Listen first (bot/front.py: /healthz answers, /readyz says not ready, Slack's requests wait),
    then load the app, migrate, check Slack, and hand the port to the app."""
    _require(settings, serving=True)
    front = Front()
    try:
        web = listen(front, settings.port)
    except OSError as e:
        raise SettingsError(f"PORT: cannot listen on port {settings.port} ({e.strerror or e}); give a free port "
                            f"from 1 to 65535.") from None
    _check_database_and_key(settings)
    _load_and_serve(settings, front=front, web=web)


def _check_database_and_key(settings) -> None:
    from bot.database import check_database_url
    from bot.keys import check_key

    check_database_url(settings.database_url)
    check_key(settings)


def _load_and_serve(settings, *, front: Front, web) -> None:
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.app import create_app, defaults_of, make_client
    from bot.health import Readiness
    from bot.keys import load_cipher
    from bot.metrics import Metrics
    from bot.scheduler import TickWatch, Waker, start_scheduler
    from bot.shutdown import DrainingExecutor, serve

    db = _database(settings)  # first: a SQLite key file is made beside the database, once it is known to open
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
    wsgi = _web_app(settings=settings, app=app, db=db, defaults=defaults, wake=wake, readiness=readiness, metrics=metrics)
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
    from store.migrate import database_revision

    with db() as session:
        engine = session.get_bind()
        revision = database_revision(engine) or "none"
    mode = ("Socket Mode" if settings.socket_mode else f"HTTP mode (Slack requests at POST {EVENTS_PATH})")
    return f"started: {mode}, port {settings.port}, database {engine.dialect.name}, revision {revision}"


def _web_app(*, settings, app, db, defaults, wake, readiness=None, metrics=None):
    """What the port serves once the app is loaded: Slack's requests (HTTP mode, signed), the NPS
    webhook, /healthz, /readyz, /metrics."""
    from bot.health import make_ops_wsgi
    from bot.web import make_wsgi
    from bot.webhooks import make_nps_webhook

    nps = make_nps_webhook(secret=settings.crm_nps_webhook_secret, db=db, defaults=defaults, wake=wake)
    return make_wsgi(app, signing_secret=settings.slack_signing_secret, nps_webhook=nps, ops=make_ops_wsgi(readiness, metrics))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot", description="CRM assistant for Slack")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot and its scheduler (the default)")
    sub.add_parser("migrate", help="bring the database to the latest revision")
    jobs = sub.add_parser("jobs", help="run the scheduled jobs")
    jobs.add_argument("--once", action="store_true", help="run every job once and exit")
    jobs.add_argument("--now", help="as of this instant (ISO 8601; without an offset it is UTC)")
    add_key_commands(sub)
    add_import_nps(sub)
    add_customer_commands(sub)
    add_report(sub)
    add_payments(sub)
    add_value_commands(sub)
    add_manifest(sub)
    args = parser.parse_args(argv)
    commands = {"migrate": cmd_migrate, "jobs": cmd_jobs, "import-nps": cmd_import_nps, "new-key": cmd_new_key}
    commands |= {"import": cmd_import, "export": cmd_export, "manifest": cmd_manifest}
    commands |= {"report": cmd_report, "rotate-key": cmd_rotate_key, "payments": cmd_payments, "tiers": cmd_tiers, "tags": cmd_tags}
    try:
        settings = load_settings()
        try:
            configure_logging(level=settings.log_level, fmt=settings.log_format)
        except ValueError as e:
            raise SettingsError(str(e)) from None
        if args.command not in ("new-key", "manifest", "run", None):  # every other command opens the database, and may read the key
            _check_database_and_key(settings)  # (`run` checks them once its port is open)
        commands.get(args.command, cmd_run)(settings, args)
    except SettingsError as e:  # one sentence naming the variable and what it takes
        print(f"Settings: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    except BadArgument as e:
        print(e, file=sys.stderr)
        raise SystemExit(2) from None
    except BrokenPipeError:  # `report | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes stdout
        raise SystemExit(0) from None


if __name__ == "__main__":
    main()
