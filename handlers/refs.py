"""How any feature names a customer, offers customers in a type-ahead select (the log, ticket and NPS
modals), and links a list of customers to their cards (the select handlers/customers/links.py answers)."""
from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import Ack

from handlers import ids
from handlers.blocks import clip, escape, option, plain
from handlers.context import Profile, crm_of, viewer_of
from handlers.i18n import t
from store.customers import search_customers
from store.db import transaction
from store.models import Customer
from store.text import NAME_MAX, clean_line, normalise_name

MAX_OPTIONS = 100
OPTIONS_SHOWN = 20  # a type-ahead's answers


def customer_ref(locale: str, customer: Customer) -> str:
    return t(locale, "lc_customer_ref", name=escape(customer.name), code=customer.code)


def card_select(customers: Sequence[tuple[int, str, str]], locale: str) -> dict | None:
    """A select of these (id, name, code) customers, first 100, each once, that opens the chosen
    one's card; None when there are none. A section's accessory, or an actions block's element."""
    seen, options = set(), []
    for customer_id, name, code in customers:
        if customer_id in seen:
            continue
        seen.add(customer_id)
        label = f"{clip(name, 60 - len(code))} ({code})" if code else clip(name, 70)
        options.append(option(label, str(customer_id)))
        if len(options) == MAX_OPTIONS:
            break
    if not options:
        return None
    return {"type": "static_select", "action_id": ids.CARD_PICKER, "placeholder": plain(t(locale, "card_picker_placeholder")),
            "options": options}


def card_picker(customers: Sequence[tuple[int, str, str]], locale: str, *, block_id: str = ids.CARD_PICKER_BLOCK) -> dict | None:
    """An actions block with the `card_select` of these customers; None when there are none."""
    select = card_select(customers, locale)
    return None if select is None else {"type": "actions", "block_id": block_id, "elements": [select]}


def customer_option(customer, profile: Profile) -> dict:
    return option(f"{clip(customer.name, 60)} · {customer.code}", f"{ids.CUSTOMER_EXISTING}{customer.id}")


def load_customer_options(ack: Ack, body: dict, context: dict) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    query = clean_line(body.get("value", ""))[:NAME_MAX]
    with transaction(crm.db) as session:
        found = search_customers(session=session, query=query, limit=OPTIONS_SHOWN, viewer=viewer_of(session, context))
    options = [customer_option(c, who) for c in found]
    if query and not any(c.name_norm == normalise_name(query) for c in found):
        options.append(option(t(who.locale, "new_customer_option", name=clip(query, 50)), f"{ids.CUSTOMER_NEW}{query}"))
    ack(options=options)
