"""How any feature names a customer and links a list of customers to their cards (the select
that handlers/customers/links.py answers)."""
from __future__ import annotations

from collections.abc import Sequence

from handlers import ids
from handlers.blocks import clip, escape, option, plain
from handlers.i18n import t
from store.models import Customer

MAX_OPTIONS = 100


def customer_ref(locale: str, customer: Customer) -> str:
    return t(locale, "lc_customer_ref", name=escape(customer.name), code=customer.code)


def card_picker(customers: Sequence[tuple[int, str, str]], locale: str, *, block_id: str = ids.CARD_PICKER_BLOCK) -> dict | None:
    """An actions block with one select of these (id, name, code) customers, first 100, each once;
    None when there are none."""
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
    return {"type": "actions", "block_id": block_id, "elements": [
        {"type": "static_select", "action_id": ids.CARD_PICKER, "placeholder": plain(t(locale, "card_picker_placeholder")),
         "options": options}]}
