"""`python -m bot report needs 星河科技 | visits 星河科技 | leads | churn 2026-Q4 [--out FILE.md] [--lang zh-CN|en] [--now …]`:
the documents of `/crm report` as Markdown (UTF-8), on stdout or into a file; everyone's records (the
command line reads as an admin). What cannot be made: one line on stderr, exit code 2."""
from __future__ import annotations

import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.app import defaults_of
from bot.cli.args import BadArgument, parse_now
from bot.database import open_database
from handlers.context import Profile
from handlers.documents.build import KINDS, build
from handlers.i18n import t
from handlers.texts import EN, ZH
from store.db import transaction
from store.documents import quarter_of
from store.errors import DomainError


def _refuse(message: str) -> None:
    print(f"report: {message}", file=sys.stderr)
    raise SystemExit(2)


def _precheck(settings, kind: str, rest: str, locale: str, tz: str | None) -> None:
    """What the words alone can refuse (an unknown document, a missing customer, a bad quarter or zone)."""
    zone = tz or settings.crm_team_tz or settings.crm_default_tz
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        _refuse(f"--tz: unknown time zone {zone!r} (e.g. Asia/Shanghai)")
    what = KINDS.get(kind.casefold())
    if what is None or (what in ("needs", "visits") and not rest):
        _refuse(t(locale, "doc_usage"))
    if what == "churn":
        try:
            quarter_of(rest, zone)
        except DomainError as e:
            _refuse(t(locale, e.key, **e.params))


def cmd_document(settings, args) -> None:
    if args.lang is not None and args.lang not in (ZH, EN):
        _refuse(f"--lang: {args.lang!r} is not zh-CN or en")
    try:
        now = parse_now(args.now)
    except BadArgument as e:
        _refuse(str(e))
    locale = args.lang or settings.crm_default_locale
    kind, rest = args.what[0], " ".join(args.what[1:])
    _precheck(settings, kind, rest, locale, args.tz)  # before the database is opened
    defaults = defaults_of(settings)
    tz = args.tz or defaults.calendar.tz
    profile = Profile(user_id="", tz=tz, locale=locale)
    db = open_database(settings.database_url)
    try:
        with transaction(db) as session:
            title, markdown = build(session, kind=kind, rest=rest, profile=profile, viewer=None, now=now, tz=tz)
    except DomainError as e:
        _refuse(t(locale, e.key, **e.params))
    if args.out:
        try:
            args.out.write_text(markdown, encoding="utf-8")
        except OSError as e:
            raise SystemExit(f"report: cannot write {args.out}: {e.strerror or e}")
        print(f"{title}: {args.out}")
        return
    sys.stdout.buffer.write(markdown.encode("utf-8"))
