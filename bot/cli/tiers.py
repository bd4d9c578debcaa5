"""`python -m bot tiers [list | set CUSTOMER high|medium|low|auto --by U… | recompute]`: value tiers from
the command line (bot/cli/value.py says what the arguments take and how a refusal reads)."""
from __future__ import annotations

from bot.cli.args import BadArgument
from bot.cli.value import CliSession, checked, common_arguments, customer_named, refused
from handlers.blocks import vocab
from handlers.i18n import t
from handlers.numbers import money
from store.db import transaction
from store.errors import DomainError
from store.models import Customer
from store.value_tiers import recompute_tiers, set_tier, tier_rows

TIER_WORDS = {"high": "high", "medium": "medium", "low": "low", "auto": None}


def add_arguments(parser) -> None:
    common_arguments(parser, by=False, top=True)
    actions = parser.add_subparsers(dest="tiers_action")
    common_arguments(actions.add_parser("list", help="customers by tier with their yearly won amount"), by=False)
    p = actions.add_parser("set", help="set a customer's tier by hand (auto: computed again)")
    p.add_argument("customer", help="code or whole name")
    p.add_argument("tier", help="high, medium, low or auto")
    common_arguments(p, by=True)
    common_arguments(actions.add_parser("recompute", help="run the nightly computation now"), by=False)


def handle(settings, args) -> None:
    action = args.tiers_action or "list"  # `tiers` alone: the list, as of now
    loc, now = checked(settings, args, "tiers")
    if action == "set" and args.tier.casefold() not in TIER_WORDS:
        raise BadArgument(f"tiers: set: {args.tier!r} is not high, medium, low or auto")
    env = CliSession(settings, loc)
    label = lambda code: vocab(loc, "value_tier", code) if code else t(loc, "tier_none")  # noqa: E731
    lines: list[str] = []
    try:
        with transaction(env.db) as session:
            if action == "set":
                customer = customer_named(session, args.customer)
                tier, before = TIER_WORDS[args.tier.casefold()], customer.value_tier
                set_tier(session=session, viewer=env.viewer(session, args.by), customer_id=customer.id, tier=tier, now=now)
                key = "tiers_cli_auto" if tier is None else "tiers_cli_set"
                lines.append(t(loc, key, code=customer.code, name=customer.name, before=label(before), after=label(customer.value_tier)))
            elif action == "recompute":
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
        refused("tiers", loc, e)
    print("\n".join(lines))
