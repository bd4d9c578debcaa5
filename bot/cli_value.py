"""`python -m bot tiers` and `python -m bot tags`: value tiers and behaviour tags from the command line,
with the same rules, permissions and audit as `/crm tier` and the card's tag menu.

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

from bot.cli_args import BadArgument, parse_now
from handlers.texts import EN, ZH

TIER_WORDS = {"high": "high", "medium": "medium", "low": "low", "auto": None}


def _common(p: argparse.ArgumentParser, *, by: bool) -> None:
    if by:
        p.add_argument("--by", required=True, metavar="USER", help="who does it (Slack user ID): their permissions apply")
    p.add_argument("--lang", help="zh-CN or en (default CRM_DEFAULT_LOCALE)")
    p.add_argument("--now", help="as of this instant (ISO 8601; default now)")


def add_value_commands(sub: argparse._SubParsersAction) -> None:
    tiers = sub.add_parser("tiers", help="value tiers: list, set by hand, recompute now")
    actions = tiers.add_subparsers(dest="tiers_action")
    _common(actions.add_parser("list", help="customers by tier with their yearly won amount"), by=False)
    p = actions.add_parser("set", help="set a customer's tier by hand (auto: computed again)")
    p.add_argument("customer", help="code or whole name")
    p.add_argument("tier", help="high, medium, low or auto")
    _common(p, by=True)
    _common(actions.add_parser("recompute", help="run the nightly computation now"), by=False)
    tags = sub.add_parser("tags", help="a customer's behaviour tags: list, remove, restore")
    actions = tags.add_subparsers(dest="tags_action", required=True)
    p = actions.add_parser("list", help="a customer's computed tags with their reasons")
    p.add_argument("customer", help="code or whole name")
    _common(p, by=False)
    for name, text in (("remove", "take a computed tag off for good"), ("restore", "put a removed tag back under the rules")):
        p = actions.add_parser(name, help=text)
        p.add_argument("customer", help="code or whole name")
        p.add_argument("tag", help="its code (frequent_contact) or label (高频互动 / frequent contact)")
        _common(p, by=True)


def _checked(settings, args, prog: str):
    """(locale, now) once the arguments are sound, else BadArgument (exit code 2)."""
    lang = getattr(args, "lang", None)
    if lang is not None and lang not in (ZH, EN):
        raise BadArgument(f"{prog}: --lang: {lang!r} is not zh-CN or en")
    by = getattr(args, "by", None)
    if by is not None and not (by[:1] in "UW" and by.isalnum() and len(by) > 1):
        raise BadArgument(f"{prog}: --by: {by!r} is not a Slack user ID (e.g. U0123ABCD)")
    return lang or settings.crm_default_locale, parse_now(getattr(args, "now", None))


class _Session:
    """What every action needs: the database, the defaults, the reader's profile (the team's zone)."""

    def __init__(self, settings, loc: str) -> None:
        from bot.app import defaults_of
        from bot.database import open_database
        from handlers.context import Profile

        self.defaults = defaults_of(settings)
        self.db = open_database(settings.database_url)
        self.loc = loc
        self.profile = Profile(user_id="", tz=self.defaults.calendar.tz, locale=loc)

    def viewer(self, session, user_id: str):
        from store.permissions import viewer_for

        return viewer_for(session=session, user_id=user_id, visibility=self.defaults.visibility, admins=self.defaults.admins)


def _customer(session, text: str):
    from store.customers import find_exact
    from store.errors import DomainError

    customer = find_exact(session=session, text=text)
    if customer is None:
        raise DomainError("lc_err_customer", customer=text[:60])
    return customer


def _refused(prog: str, loc: str, error) -> None:
    from handlers.blocks import refusal

    print(f"{prog}: {refusal(loc, error)}", file=sys.stderr)
    raise SystemExit(1) from None


def cmd_tiers(settings, args) -> None:
    action = args.tiers_action or "list"  # `tiers` alone: the list, as of now
    loc, now = _checked(settings, args, "tiers")
    if action == "set" and args.tier.casefold() not in TIER_WORDS:
        raise BadArgument(f"tiers: set: {args.tier!r} is not high, medium, low or auto")
    from handlers.blocks import vocab
    from handlers.i18n import t
    from handlers.numbers import money
    from store.db import transaction
    from store.errors import DomainError
    from store.value_tiers import recompute_tiers, set_tier, tier_rows

    env = _Session(settings, loc)
    label = lambda code: vocab(loc, "value_tier", code) if code else t(loc, "tier_none")  # noqa: E731
    lines: list[str] = []
    try:
        with transaction(env.db) as session:
            if action == "set":
                customer = _customer(session, args.customer)
                tier, before = TIER_WORDS[args.tier.casefold()], customer.value_tier
                set_tier(session=session, viewer=env.viewer(session, args.by), customer_id=customer.id, tier=tier, now=now)
                key = "tiers_cli_auto" if tier is None else "tiers_cli_set"
                lines.append(t(loc, key, code=customer.code, name=customer.name, before=label(before), after=label(customer.value_tier)))
            elif action == "recompute":
                from store.models import Customer

                changed = recompute_tiers(session=session, now=now, shares=env.defaults.tiers)
                lines.append(t(loc, "tiers_cli_recomputed", count=len(changed)))
                for customer_id, old, new in changed:
                    c = session.get(Customer, customer_id)
                    lines.append(t(loc, "tiers_cli_change", code=c.code, name=c.name, before=label(old), after=label(new)))
            else:
                rows = tier_rows(session=session, now=now)
                for tier in ("high", "medium", "low"):
                    mine = [r for r in rows if r.customer.value_tier == tier]
                    lines.append(t(loc, "tiers_cli_head", tier=label(tier), count=len(mine)))
                    lines += [t(loc, "tiers_cli_line", code=r.customer.code, name=r.customer.name,
                                won=t(loc, "tiers_cli_sep").join(money(v, k, loc) for k, v in r.won.items()) or t(loc, "tiers_cli_nothing"),
                                source=t(loc, "tiers_cli_computed" if r.customer.value_tier_source == "auto" else "tiers_cli_by_hand"))
                              for r in mine]
    except DomainError as e:
        _refused("tiers", loc, e)
    print("\n".join(lines))


def cmd_tags(settings, args) -> None:
    loc, now = _checked(settings, args, "tags")
    from handlers.blocks import fmt_datetime
    from handlers.i18n import t
    from store.behaviour_tags import RULES, active_codes, label, remove_tag, removed_tags, restore_tag, tag_code, why
    from store.db import transaction
    from store.errors import DomainError

    env = _Session(settings, loc)
    try:
        with transaction(env.db) as session:
            customer = _customer(session, args.customer)
            if args.tags_action != "list":
                code = tag_code(args.tag)
                if code is None:
                    raise DomainError("err_tag_unknown", tag=args.tag[:60], tags=", ".join(r.code for r in RULES))
                change = remove_tag if args.tags_action == "remove" else restore_tag
                change(session=session, viewer=env.viewer(session, args.by), customer_id=customer.id, code=code, now=now)
                key = "tags_cli_removed_done" if args.tags_action == "remove" else "tags_cli_restored_done"
                print(t(loc, key, code=customer.code, name=customer.name, label=label(code, loc)))
                return
            lines = [t(loc, "tags_cli_head", code=customer.code, name=customer.name)]
            active = active_codes(session=session, customer_id=customer.id)
            lines += [t(loc, "tags_cli_line", label=label(c, loc), tag=c, why=why(c, loc, env.defaults.tags)) for c in active]
            removed = removed_tags(session=session, customer_id=customer.id)
            lines += [t(loc, "tags_cli_removed", label=label(r.code, loc), tag=r.code, by=r.by or "—",
                        at=fmt_datetime(r.at, env.profile)) for r in removed]
            if not active and not removed:
                lines.append(t(loc, "tags_cli_none"))
    except DomainError as e:
        _refused("tags", loc, e)
    print("\n".join(lines))
