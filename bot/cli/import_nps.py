"""`python -m bot import-nps FILE.csv`: NPS scores from a CSV file, all or nothing.

Every refused row is reported with its line; if any is refused nothing is imported and the exit
code is 1. Low scores raise the same alerts and close-the-loop actions as in Slack; they are sent
right away when SLACK_BOT_TOKEN is set, else by the running bot's scheduler.
"""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from bot.app import defaults_of
from bot.client import make_client
from bot.database import open_database
from handlers.delivery.send import deliver
from handlers.i18n import t
from handlers.nps.commands import record_and_alert
from store.db import transaction
from store.nps_import import import_nps
from store.types import utcnow


def add_arguments(parser) -> None:
    parser.add_argument("file", type=Path, help="UTF-8 CSV; columns 客户/customer, 评分/score, 评论/comment, 时间/responded_at, 编号/id")


def handle(settings, args, *, now: datetime | None = None) -> None:
    """`now`: the wall clock unless a test states its instant."""
    try:
        data = args.file.read_bytes()
    except OSError as e:
        raise SystemExit(f"import-nps: cannot read {args.file}: {e.strerror or e}")
    db = open_database(settings.database_url)
    defaults, loc, now = defaults_of(settings), settings.crm_default_locale, now or utcnow()
    alerts = 0

    def record(**fields):
        nonlocal alerts
        recorded = record_and_alert(defaults=defaults, **fields)
        alerts += recorded.action is not None
        return recorded.response, recorded.created

    with transaction(db) as session:
        report = import_nps(session=session, data=data, tz=defaults.tz, now=now, record=record)
    if report.ignored_columns:
        print(t(loc, "nps_import_ignored", columns=", ".join(report.ignored_columns)))
    if report.errors:
        for e in report.errors:
            print(t(loc, "nps_import_line", line=e.line, reason=t(loc, e.key, **e.params)), file=sys.stderr)
        print(t(loc, "nps_import_rejected", count=len(report.errors)), file=sys.stderr)
        raise SystemExit(1)
    print(t(loc, "nps_import_done", count=report.rows, created=report.created, duplicates=report.duplicates))
    if not alerts:
        return
    if not settings.slack_bot_token:
        print(t(loc, "nps_import_no_token", count=alerts))
        return
    sent = deliver(client=make_client(settings), db=db, defaults=defaults, now=now)
    print(t(loc, "nps_import_alerts", sent=sent.sent, pending=sent.retried + sent.deferred))
