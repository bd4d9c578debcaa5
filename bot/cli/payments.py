"""`python -m bot payments show|schedule|receive`: a won deal's payment schedule from the command line,
with the same rules and words as `/crm pay` (store/payments.py).

    payments show --deal 12
    payments schedule --deal 12 --terms 30/60/10 [--first 2026-12-01] [--every 30] [--dates "2026-12-01 2027-01-15 ..."]
    payments schedule --deal 12 --hand "30000 2026-12-01" --hand "70000 2027-01-15"
    payments receive --instalment 7 --amount 10000 --on 2026-12-03

Each acts as `--by` (a Slack user ID: the same permissions as in Slack); texts in --lang or
CRM_DEFAULT_LOCALE. A refusal is its sentence on stderr and exit code 1; a bad argument exit code 2.
"""
from __future__ import annotations

import sys
from datetime import date

from bot.app import defaults_of
from bot.cli.args import BadArgument, parse_now
from bot.database import open_database
from handlers.blocks import refusal
from handlers.context import Profile
from handlers.i18n import t
from handlers.numbers import money
from handlers.payments.views import collected_line, instalment_line
from handlers.texts import EN, ZH
from store.db import transaction
from store.errors import DomainError
from store.payments import plan_by_hand, plan_from_terms, readable_schedule, record_receipt, set_schedule
from store.permissions import viewer_for


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="payments_action", required=True)
    for name, text in (("show", "print a deal's schedule"), ("schedule", "set a won deal's schedule"),
                       ("receive", "record a payment against an instalment")):
        p = actions.add_parser(name, help=text)
        p.add_argument("--by", required=True, metavar="USER", help="who does it (Slack user ID): their permissions apply")
        p.add_argument("--lang", help="zh-CN or en (default CRM_DEFAULT_LOCALE)")
        p.add_argument("--now", help="as of this instant (ISO 8601; default now)")
        if name in ("show", "schedule"):
            p.add_argument("--deal", type=int, required=True, help="the deal's id")
        if name == "schedule":
            p.add_argument("--terms", help="percent split, e.g. 30/60/10")
            p.add_argument("--first", help="first due date YYYY-MM-DD (default the sign date)")
            p.add_argument("--every", help="days between due dates (default 30)")
            p.add_argument("--dates", default="", help="each due date, YYYY-MM-DD, in order (instead of --first/--every)")
            p.add_argument("--hand", action="append", default=[], help='"AMOUNT YYYY-MM-DD", once per instalment')
        if name == "receive":
            p.add_argument("--instalment", type=int, required=True, help="the instalment's id (`payments show`)")
            p.add_argument("--amount", required=True, help="amount received, e.g. 10000 or 10000.50")
            p.add_argument("--on", required=True, help="day received, YYYY-MM-DD")


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadArgument(f"payments: {name}: {value!r} is not a date YYYY-MM-DD") from None


def handle(settings, args) -> None:
    if args.lang is not None and args.lang not in (ZH, EN):
        raise BadArgument(f"payments: --lang: {args.lang!r} is not zh-CN or en")
    if not (args.by[:1] in "UW" and args.by.isalnum() and len(args.by) > 1):
        raise BadArgument(f"payments: --by: {args.by!r} is not a Slack user ID (e.g. U0123ABCD)")
    now = parse_now(args.now)
    first = _day(getattr(args, "first", None), "--first")
    on = _day(getattr(args, "on", None), "--on")
    defaults = defaults_of(settings)
    loc = args.lang or settings.crm_default_locale
    profile = Profile(user_id=args.by, tz=defaults.calendar.tz, locale=loc)  # the team's zone: its calendar days
    today = now.astimezone(profile.zone).date()
    db = open_database(settings.database_url)
    try:
        with transaction(db) as session:
            viewer = viewer_for(session=session, user_id=args.by, visibility=defaults.visibility, admins=defaults.admins)
            if args.payments_action == "receive":
                done = record_receipt(session=session, viewer=viewer, instalment_id=args.instalment, amount=args.amount,
                                      received_on=on, today=today, now=now)
                deal_id = done.deal_id
            else:
                deal_id = args.deal
            if args.payments_action == "schedule":
                deal, _, _ = readable_schedule(session=session, viewer=viewer, deal_id=deal_id)
                if args.hand:
                    planned = plan_by_hand(total=deal.amount, currency=deal.currency, text="\n".join(args.hand))
                else:
                    planned = plan_from_terms(total=deal.amount, terms=args.terms or "", first=first or deal.signed_on,
                                              every_days=args.every, dates_text=args.dates)
                set_schedule(session=session, viewer=viewer, deal_id=deal.id, planned=planned, now=now)
            deal, customer, instalments = readable_schedule(session=session, viewer=viewer, deal_id=deal_id)
            lines = [f"{deal.title} · {money(deal.amount, deal.currency, loc)} · {customer.name} ({customer.code})"]
            lines += [f"#{i.id}  {instalment_line(profile, i, today)}" for i in instalments]
            lines.append(collected_line(loc, instalments) if instalments else t(loc, "pay_none"))
    except DomainError as e:
        errors = getattr(e, "errors", [e])
        for error in errors:
            print(f"payments: {refusal(loc, error)}", file=sys.stderr)
        raise SystemExit(1) from None
    print("\n".join(lines))
