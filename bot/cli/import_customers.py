"""`python -m bot import FILE.csv [--default-owner USER] [--dry-run] [--progress]`: customers from a
CSV file, all rows or none (bot/cli/customers.py says what it takes and prints)."""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from bot.client import make_client
from bot.cli.customers import open_with_cipher, say
from bot.cli.import_reader import few_collections, spawned
from bot.cli.owners import SlackOwners
from store.customer_import import import_customers
from store.customer_rows import people
from store.db import BUSY_MS, locked, optimize, transaction
from store.errors import DomainError
from store.types import utcnow


def add_arguments(parser) -> None:
    parser.add_argument("file", type=Path, help="UTF-8 CSV: the lead template's or the customer table's columns, Chinese or English")
    parser.add_argument("--default-owner", metavar="USER", help="owner of rows that name none (Slack ID, email, real or display name)")
    parser.add_argument("--progress", action="store_true", help="show a progress bar on stderr even when it is not a terminal")
    parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")


class _Bars:
    """store.customer_import's progress callback `(phase, done, total)` as one tqdm bar per phase on
    `stream`: `importing: 100%|██████████| 10000/10000 [00:02<00:00, 4512.40 rows/s]`. tqdm leaves
    the bars out when the stream is not a terminal, unless `always` (--progress)."""

    def __init__(self, locale: str, *, always: bool, stream=None) -> None:
        self.locale, self.stream, self.disable = locale, stream or sys.stderr, False if always else None
        self.bars: dict = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            bar = self.bars[phase] = tqdm(total=total, desc=say(self.locale, "imp_phase_" + phase), unit=say(self.locale, "imp_unit"),
                                          file=self.stream, disable=self.disable, leave=True)
        if bar.total != total:  # the total is a count of lines until the last row is read
            bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _owners(settings, session):
    """The import's owner resolver: Slack when the bot has its token, else the people it knows."""
    client = None
    if settings.slack_bot_token:
        client = make_client(settings)
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))  # users.list is Tier 2

    def fail(sentence: str) -> None:
        raise SystemExit(sentence)

    return SlackOwners(client=client, known=people(session), fail=fail)


def _print_matched(loc: str, owners) -> None:
    for text, (user_id, how, name) in owners.matched.items():
        shown = say(loc, "imp_owner_matched_name", name=name) if name else ""
        print(say(loc, "imp_owner_matched", owner=text, user=user_id, name=shown, how=say(loc, f"imp_how_{how}")))


def handle(settings, args) -> None:
    loc = settings.crm_default_locale
    try:
        data = args.file.read_bytes()
    except OSError as e:
        raise SystemExit(f"import: cannot read {args.file}: {e.strerror or e}")
    db, cipher = open_with_cipher(settings)
    progress = _Bars(loc, always=args.progress)
    try:
        with few_collections(), transaction(db) as session, contextlib.closing(progress):
            owners, owner = _owners(settings, session), None
            if args.default_owner:
                try:
                    owner = owners(args.default_owner)
                except DomainError as e:
                    raise SystemExit(f"--default-owner: {say(loc, e.key, **e.params)}")
            report = import_customers(session=session, data=data, cipher=cipher, tz=settings.crm_default_tz, now=utcnow(),
                                      default_owner=owner, progress=progress, resolve_owner=owners,
                                      read_aside=spawned())  # a large file is read in a process started afresh
            if args.dry_run:
                session.rollback()
    except OperationalError as e:
        if not locked(e):
            raise
        raise SystemExit(say(loc, "imp_db_busy", seconds=BUSY_MS // 1000)) from None
    if args.dry_run:
        _print_matched(loc, owners)
    if report.ignored_columns:
        print(say(loc, "imp_ignored", columns=", ".join(report.ignored_columns)))
    if report.errors:
        for e in report.errors:
            reason = say(loc, e.key, **e.params)
            line = say(loc, "imp_line_column", line=e.line, column=e.column, reason=reason) if e.column else \
                say(loc, "imp_line", line=e.line, reason=reason)
            print(line, file=sys.stderr)
        print(say(loc, "imp_rejected", count=len(report.errors)), file=sys.stderr)
        raise SystemExit(1)
    print(say(loc, "imp_done", count=report.rows, created=report.created, updated=report.updated,
              unchanged=report.unchanged, contacts=report.contacts, actions=report.actions))
    if report.known:
        print(say(loc, "imp_known", count=report.known))
    if report.overdue:
        print(say(loc, "imp_overdue", count=report.overdue))
    if args.dry_run:
        print(say(loc, "imp_dry_run"))
    elif report.created + report.updated >= 1000:
        with db() as session:  # statistics for the rows just added
            if not optimize(session.get_bind()):
                print(say(loc, "imp_stats_later"), file=sys.stderr)
