"""What `python -m bot tiers` (bot/cli/tiers.py) and `python -m bot tags` (bot/cli/tags.py) share: value
tiers and behaviour tags from the command line, with the same rules, permissions and audit as
`/crm tier` and the card's tag menu.

    tiers [list]                                   customers by tier, their yearly won amount, hand-set or computed
    tiers set CUSTOMER high|medium|low|auto --by U…  a tier chosen by hand (auto: computed again)
    tiers recompute                                the nightly computation, now (CRM_VALUE_TIERS' shares)
    tags list CUSTOMER                             its computed tags with their reasons, and the removed ones
    tags remove CUSTOMER TAG --by U…               takes a computed tag off for good
    tags restore CUSTOMER TAG --by U…              puts a removed one back under the rules

CUSTOMER is a code (C202611001) or a whole name; TAG a code (frequent_contact) or a label in either
language (高频互动 / frequent contact). `--by` is a Slack user ID whose permissions apply; texts in
--lang or CRM_DEFAULT_LOCALE; --now states the instant (ISO 8601). A refusal (an unknown customer or
tag, a permission) is one sentence on stderr and exit code 1; a bad argument exit code 2.
"""
from __future__ import annotations

import argparse
import sys

from bot.app import defaults_of
from bot.cli.args import BadArgument, parse_now
from bot.database import open_database
from handlers.blocks import refusal
from handlers.context import Profile
from handlers.texts import EN, ZH
from store.customers import find_exact
from store.errors import DomainError
from store.permissions import viewer_for


def common_arguments(p: argparse.ArgumentParser, *, by: bool, top: bool = False) -> None:
    """--lang and --now on the command (`top`: `tiers --lang en`) and on each of its actions
    (`tiers list --lang en`); an action's unset ones leave the command's as they were."""
    if by:
        p.add_argument("--by", required=True, metavar="USER", help="who does it (Slack user ID): their permissions apply")
    unset = None if top else argparse.SUPPRESS
    p.add_argument("--lang", default=unset, help="zh-CN or en (default CRM_DEFAULT_LOCALE)")
    p.add_argument("--now", default=unset, help="as of this instant (ISO 8601; default now)")


def checked(settings, args, prog: str):
    """(locale, now) once the arguments are sound, else BadArgument (exit code 2)."""
    lang = getattr(args, "lang", None)
    if lang is not None and lang not in (ZH, EN):
        raise BadArgument(f"{prog}: --lang: {lang!r} is not zh-CN or en")
    by = getattr(args, "by", None)
    if by is not None and not (by[:1] in "UW" and by.isalnum() and len(by) > 1):
        raise BadArgument(f"{prog}: --by: {by!r} is not a Slack user ID (e.g. U0123ABCD)")
    return lang or settings.crm_default_locale, parse_now(getattr(args, "now", None))


class CliSession:
    """What every action needs: the database, the defaults, the reader's profile (the team's zone)."""

    def __init__(self, settings, loc: str) -> None:
        self.defaults = defaults_of(settings)
        self.db = open_database(settings.database_url)
        self.loc = loc
        self.profile = Profile(user_id="", tz=self.defaults.calendar.tz, locale=loc)

    def viewer(self, session, user_id: str):
        return viewer_for(session=session, user_id=user_id, visibility=self.defaults.visibility, admins=self.defaults.admins)


def customer_named(session, text: str):
    customer = find_exact(session=session, text=text)
    if customer is None:
        raise DomainError("lc_err_customer", customer=text[:60])
    return customer


def refused(prog: str, loc: str, error) -> None:
    print(f"{prog}: {refusal(loc, error)}", file=sys.stderr)
    raise SystemExit(1) from None
