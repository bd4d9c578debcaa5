"""`python -m bot tags list|remove|restore CUSTOMER [TAG --by U…]`: behaviour tags from the command line
(bot/cli/value.py says what the arguments take and how a refusal reads)."""
from __future__ import annotations

from bot.cli.value import CliSession, checked, common_arguments, customer_named, refused
from handlers.blocks import fmt_datetime
from handlers.i18n import t
from store.behaviour_tags import RULES, active_codes, label, remove_tag, removed_tags, restore_tag, tag_code, why
from store.db import transaction
from store.errors import DomainError


def add_arguments(parser) -> None:
    common_arguments(parser, by=False, top=True)
    actions = parser.add_subparsers(dest="tags_action", required=True)
    p = actions.add_parser("list", help="a customer's computed tags with their reasons")
    p.add_argument("customer", help="code or whole name")
    common_arguments(p, by=False)
    for name, text in (("remove", "take a computed tag off for good"), ("restore", "put a removed tag back under the rules")):
        p = actions.add_parser(name, help=text)
        p.add_argument("customer", help="code or whole name")
        p.add_argument("tag", help="its code (frequent_contact) or label (高频互动 / frequent contact)")
        common_arguments(p, by=True)


def handle(settings, args) -> None:
    loc, now = checked(settings, args, "tags")
    env = CliSession(settings, loc)
    try:
        with transaction(env.db) as session:
            customer = customer_named(session, args.customer)
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
        refused("tags", loc, e)
    print("\n".join(lines))
