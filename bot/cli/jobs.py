"""`python -m bot jobs --once [--now ISO8601]`: every scheduled job once, as of now or --now; the
tick's report as one JSON object on stdout. The running bot schedules them itself."""
from __future__ import annotations

import json

from bot.app import defaults_of
from bot.client import make_client
from bot.cli.args import parse_now, require_slack
from bot.database import open_database
from bot.keys import check_key
from handlers.delivery.jobs import tick


def add_arguments(parser) -> None:
    parser.add_argument("--once", action="store_true", help="run every job once and exit")
    parser.add_argument("--now", help="as of this instant (ISO 8601; without an offset it is UTC)")


def handle(settings, args) -> None:
    if not args.once:
        raise SystemExit("jobs: only --once is supported here; the running bot schedules them itself")
    require_slack(settings, serving=False)
    now, defaults = parse_now(args.now), defaults_of(settings, check_key(settings))
    report = tick(client=make_client(settings), db=open_database(settings.database_url), defaults=defaults, now=now)
    print(json.dumps(report.as_dict()))
