"""`python -m bot report --period 2026-10 [--format csv] [--team U… | --rep U…] [--tz ZONE] [--out FILE]`:
the figures of /crm stats as CSV, UTF-8 with a BOM (Excel opens the Chinese correctly).

One row per figure (figure, period value, previous value, unit, target, missed), a blank line,
then one row per rep (interactions that happened in the period, how many of them were logged over
24 h late and whether that share misses CRM_TARGETS' logged_late, overdue now, due, done on time,
done late), a blank line, then the
receivables: per currency for the whole scope, then per rep and currency (due this period and how
many instalments, collected and how many payments, overdue now and how many instalments), a blank
line, then the average order value per value tier (high, medium, low, none) and per rep and currency:
the last 12 months, the 12 before, the growth in percent, the target (high) and whether it is missed. Labels in
CRM_DEFAULT_LOCALE's language (or --lang). Percentages have one decimal, durations are minutes,
amounts per currency. Bad arguments: one line on stderr, exit code 2.
"""
from __future__ import annotations

import csv
import io
import sys
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.app import defaults_of
from bot.cli.args import FIRST_YEAR, LAST_YEAR, BadArgument, in_years, parse_now
from bot.cli.documents import cmd_document
from bot.database import open_database
from handlers.i18n import t
from handlers.stats.cards import scope_reps
from handlers.stats.period_codes import period_code
from handlers.stats.text import figure_rows, target_text
from handlers.texts import EN, ZH
from store.aov import aov_growth
from store.db import transaction
from store.figures import Period, Scope, figures, per_rep, rep_misses_late
from store.models import SlackUser
from store.receivables import receivables

FORMATS = ("csv",)
UNITS = {"count": "fig_unit_count", "pct": "fig_unit_pct", "days": "fig_unit_days", "duration": "fig_unit_minutes",
         "points": "fig_unit_points"}


def add_arguments(parser) -> None:
    parser.add_argument("what", nargs="*", help="a document instead: needs CUSTOMER, visits CUSTOMER, leads, churn 2026-Q4")
    parser.add_argument("--period", help="2026-10 (a month), 2026-W44 (an ISO week) or 2026-11-03 (a day)")
    parser.add_argument("--format", default="csv", help="csv (the only format)")
    parser.add_argument("--team", metavar="MANAGER", help="the team of this manager (Slack user ID)")
    parser.add_argument("--rep", metavar="USER", help="one rep (Slack user ID)")
    parser.add_argument("--tz", help="the zone the period is laid out in (default CRM_DEFAULT_TZ)")
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--lang", help="zh-CN or en (default CRM_DEFAULT_LOCALE)")
    parser.add_argument("--now", help="as of this instant, for 'overdue now' and the SLA clocks (ISO 8601; default now)")


def _refuse(message: str) -> None:
    print(f"report: {message}", file=sys.stderr)
    raise SystemExit(2)


def _checked(settings, args):
    """((unit, first day, zone), (scope kind, user), locale, now) from the arguments, or one line on
    stderr and exit code 2, before the database is opened."""
    tz = args.tz or settings.crm_default_tz
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        _refuse(f"--tz: unknown time zone {tz!r} (e.g. Asia/Shanghai)")
    if args.format not in FORMATS:
        _refuse(f"--format: only csv is supported, not {args.format!r}")
    if not args.period:
        _refuse("--period is required: 2026-10 (a month), 2026-W44 (an ISO week) or 2026-11-03 (a day)")
    period = period_code(args.period)
    if period is None:
        _refuse(f"--period: {args.period!r} is not 2026-10 (a month), 2026-W44 (an ISO week) or 2026-11-03 (a day)")
    if not in_years(period[1]):
        _refuse(f"--period: {args.period!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    if args.team and args.rep:
        _refuse("give --team or --rep, not both")
    for name, value in (("--team", args.team), ("--rep", args.rep)):
        if value is not None and not (value[:1] in "UW" and value.isalnum() and len(value) > 1):
            _refuse(f"{name}: {value!r} is not a Slack user ID (e.g. U0123ABCD)")
    scope = ("team", args.team) if args.team else ("rep", args.rep) if args.rep else ("everyone", None)
    if args.lang is not None and args.lang not in (ZH, EN):
        _refuse(f"--lang: {args.lang!r} is not zh-CN or en")
    locale = args.lang or settings.crm_default_locale
    try:
        now = parse_now(args.now)
    except BadArgument as e:
        _refuse(str(e))
    return (*period, tz), scope, locale, now


def _cell(row, value) -> str:
    if value is None:
        return ""
    if row.kind == "duration":
        return str((Decimal(value.total_seconds()) / 60).quantize(Decimal("0.1")))
    if row.kind in ("pct", "points", "days"):
        return f"{value:.1f}"
    if row.kind == "amount":
        return f"{value:.2f}"
    return str(value)


def figure_table(f, reps, names: dict[str, str], locale: str, targets) -> list[list[str]]:
    """The CSV's rows: the figures' header and rows, a blank row, the reps' header and rows."""
    rows = [[t(locale, k) for k in ("fig_csv_figure", "fig_csv_value", "fig_csv_previous", "fig_csv_unit", "fig_csv_target",
                                     "fig_csv_missed")]]
    for r in figure_rows(f, locale, targets):
        if r.lines == "slack":
            continue
        unit = r.unit if r.kind == "amount" else t(locale, UNITS[r.kind])
        rows.append([r.label, _cell(r, r.value), _cell(r, r.previous), unit, target_text(r) if r.target else "",
                     (t(locale, "fig_yes") if r.missed else t(locale, "fig_no")) if r.target else ""])
    rows.append([])
    rows.append([t(locale, k) for k in ("fig_csv_rep", "fig_csv_name", "fig_csv_logged", "fig_csv_logged_late",
                                         "fig_csv_logged_late_missed", "fig_csv_overdue", "fig_csv_due", "fig_csv_on_time",
                                         "fig_csv_late")])
    judged = targets is not None and targets.logged_late_max is not None
    rows += [[r.owner_id, names.get(r.owner_id, ""), str(r.logged), str(r.logged_late),
              (t(locale, "fig_yes") if rep_misses_late(r, targets) else t(locale, "fig_no")) if judged else "",
              str(r.overdue_now), str(r.due), str(r.done_on_time), str(r.done_late)] for r in reps]
    return rows


def receivable_table(found, locale: str) -> list[list[str]]:
    """Receivables (store/receivables.py): a header, one row per currency for the whole scope, then one
    per rep and currency."""
    def cells(r) -> list[str]:
        return [f"{r.due.amount:.2f}", str(r.due.count), f"{r.collected.amount:.2f}", str(r.collected.count),
                f"{r.overdue.amount:.2f}", str(r.overdue.count)]

    rows = [[t(locale, k) for k in ("rcv_csv_header_scope", "rcv_csv_currency", "rcv_csv_due", "rcv_csv_due_count",
                                     "rcv_csv_collected", "rcv_csv_collected_count", "rcv_csv_overdue", "rcv_csv_overdue_count")]]
    rows += [[t(locale, "rcv_csv_all"), c, *cells(r)] for c, r in found.total.items()]
    rows += [[owner, c, *cells(r)] for owner, by in found.per_rep.items() for c, r in by.items()]
    return rows


def aov_table(found, locale: str, targets) -> list[list[str]]:
    """Average order value (store/aov.py): a header, one row per tier and currency, then per rep and currency."""
    def cells(a, target) -> list[str]:
        growth = "" if a.growth is None else f"{a.growth:.1f}"
        missed = "" if target is None else (t(locale, "fig_yes") if a.below(target) else t(locale, "fig_no"))
        return [f"{a.value:.2f}" if a.value is not None else "", f"{a.previous:.2f}" if a.previous is not None else "", growth,
                f"≥ {target:g}%" if target is not None else "", missed]

    rows = [[t(locale, k) for k in ("aov_csv_header", "aov_csv_currency", "aov_csv_value", "aov_csv_previous", "aov_csv_growth",
                                     "aov_csv_target", "aov_csv_missed")]]
    minimum = targets.aov_growth_high_min
    rows += [[tier, c, *cells(a, minimum if tier == "high" else None)] for (tier, c), a in found.by_tier.items()]
    rows += [[owner, c, *cells(a, None)] for (owner, c), a in found.by_rep.items()]
    return rows


def handle(settings, args) -> None:
    if args.what:
        return cmd_document(settings, args)
    checked = _checked(settings, args)
    (unit, day, tz), (kind, user_id), locale, now = checked
    period, scope = getattr(Period, unit)(day, tz), Scope(kind, user_id)
    defaults = defaults_of(settings)
    db = open_database(settings.database_url)
    with transaction(db) as session:
        f = figures(session=session, period=period, scope=scope, now=now, targets=defaults.targets, calendar=defaults.calendar)
        reps = per_rep(session=session, period=period, owner_ids=scope_reps(session, scope), now=now)
        names = {user.id: user.name or "" for user in (session.get(SlackUser, r.owner_id) for r in reps) if user is not None}
        money = receivables(session=session, period=period, owner_ids=f.owner_ids, now=now)
        aov = aov_growth(session=session, end=period.end, owner_ids=f.owner_ids)
    table = (figure_table(f, reps, names, locale, defaults.targets) + [[]] + receivable_table(money, locale) + [[]]
             + aov_table(aov, locale, defaults.targets))
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerows(table)
        except OSError as e:
            raise SystemExit(f"report: cannot write {args.out}: {e.strerror or e}")
        print(t(settings.crm_default_locale, "fig_report_done", path=args.out, rows=table.index([]) - 1, count=len(reps)))
        return
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8-sig", newline="", write_through=True)
    try:
        csv.writer(out).writerows(table)
    finally:
        out.detach()
