"""`/crm admin cs`: the team defaults of customer-success owners (CRM_CS_OWNER: one for everyone, or one
per manager's team), and one customer's set or cleared."""
from __future__ import annotations

from handlers.blocks import clip, escape, mention, mentioned_users
from handlers.context import Profile, crm_of, viewer_of
from handlers.i18n import t
from store.cs_owners import CsOwners
from store.customers import find_exact
from store.db import transaction
from store.errors import DomainError
from store.profile import update_customer

CLEAR = ("none", "-", "无", "清除")


def run_cs(*, context: dict, who: Profile, rest: str) -> str:
    """`cs` shows the default; `cs <code or name> @someone` sets a customer's, `cs <code> none` clears it."""
    crm = crm_of(context)
    loc = who.locale
    words = rest.split()
    if not words:
        return _defaults(crm.defaults.cs_owner, loc)
    users = mentioned_users(rest)
    clearing = words[-1].lower() in CLEAR
    if len(users) > 1 or (not users and not clearing) or len(words) < 2:
        raise DomainError("admin_cs_usage")
    query = " ".join(w for w in words[:-1])
    with transaction(crm.db) as session:
        customer = find_exact(session=session, text=query)
        if customer is None:
            raise DomainError("admin_cs_unknown", query=escape(clip(query, 60)))
        update_customer(session=session, viewer=viewer_of(session, context), customer_id=customer.id, now=crm.defaults.clock(),
                        cs_owner_id=None if clearing else users[0])
        name, code = customer.name, customer.code
    if clearing:
        return t(loc, "admin_cs_cleared", customer=escape(name), code=code)
    return t(loc, "admin_cs_set", customer=escape(name), code=code, user=mention(users[0]))


def _defaults(owners: CsOwners, loc: str) -> str:
    if not owners.by_manager:
        return t(loc, "admin_cs_default", user=mention(owners.default)) if owners.default else t(loc, "admin_cs_no_default")
    lines = [t(loc, "admin_cs_teams")]
    lines += [t(loc, "admin_cs_team_line", manager=mention(manager), user=mention(cs)) for manager, cs in owners.by_manager]
    lines.append(t(loc, "admin_cs_rest_line", user=mention(owners.default) if owners.default else t(loc, "admin_cs_rest_nobody")))
    return "\n".join(lines)
