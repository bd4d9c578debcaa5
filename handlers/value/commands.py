"""`/crm tier <customer> high|medium|low|auto` (价值分层): a value tier chosen by hand, which the nightly
computation keeps (store/value_tiers.py), or handed back to it."""
from __future__ import annotations

from slack_sdk import WebClient

from handlers.blocks import clip, escape, refusal, unescape, vocab
from handlers.context import crm_of, viewer_of
from handlers.forms import profile_now
from handlers.i18n import t
from handlers.prefill import leading_customer
from handlers.refs import customer_ref
from handlers.router import Subcommand
from store.customers import find_exact
from store.db import transaction
from store.errors import DomainError
from store.text import clean
from store.value_tiers import set_tier

WORDS = {"high": "high", "高": "high", "高价值": "high", "medium": "medium", "中": "medium", "中价值": "medium",
         "low": "low", "低": "low", "低价值": "low", "auto": None, "自动": None}


def parse(session, text: str):
    """(customer, tier or None for auto) from "<customer> <tier word>"; DomainError otherwise."""
    words = clean(unescape(text)).split()
    if len(words) < 2 or words[-1].casefold() not in WORDS:
        raise DomainError("tier_usage")
    name = " ".join(words[:-1])
    customer = find_exact(session=session, text=name)
    if customer is None:
        customer, rest = leading_customer(name, session=session)
        if customer is None or rest.strip():
            raise DomainError("lc_err_customer", customer=escape(clip(name, 60)))
    return customer, WORDS[words[-1].casefold()]


def _tier_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    profile = profile_now(client, context)
    loc = profile.locale
    try:
        with transaction(crm.db) as session:
            customer, tier = parse(session, text)
            before = customer.value_tier
            set_tier(session=session, viewer=viewer_of(session, context), customer_id=customer.id, tier=tier, now=crm.defaults.clock())
    except DomainError as e:
        respond(response_type="ephemeral", text=refusal(loc, e))
        return
    label = lambda code: vocab(loc, "value_tier", code) if code else t(loc, "tier_none")  # noqa: E731
    if tier is None:
        respond(response_type="ephemeral", text=t(loc, "tier_auto", customer=customer_ref(loc, customer), tier=label(customer.value_tier)))
    else:
        respond(response_type="ephemeral", text=t(loc, "tier_set", customer=customer_ref(loc, customer), before=label(before),
                                                  after=label(tier)))


SUBCOMMAND = Subcommand("tier", ("价值", "分层"), _tier_command, "help_tier")
