"""`/crm pay <customer>` (回款): the payment schedule of each of the customer's won deals, with its
buttons; `/crm pay` alone: the caller's open instalments, soonest due first."""
from __future__ import annotations

from slack_sdk import WebClient

from handlers.blocks import MESSAGE_BLOCKS, clip, context as context_block, escape, fmt_date, refusal, unescape
from handlers.context import crm_of, viewer_of
from handlers.forms import profile_now
from handlers.i18n import t
from handlers.payments.actions import today_of
from handlers.numbers import money
from handlers.payments.views import deal_header, schedule_blocks
from handlers.prefill import leading_customer
from handlers.refs import customer_ref
from handlers.router import Subcommand
from store.customers import find_exact
from store.db import transaction
from store.errors import DomainError
from store.payments import open_instalments, schedule_of, won_deals_of
from store.permissions import can_edit, can_read, require
from store.text import clean

MINE_SHOWN = 20


def _customer(session, text: str):
    text = clean(unescape(text))
    customer = find_exact(session=session, text=text)
    if customer is None:
        customer, _ = leading_customer(text, session=session)
    if customer is None:
        raise DomainError("lc_err_customer", customer=escape(clip(text, 60)))
    return customer


def _mine(profile, context, respond) -> None:
    crm = crm_of(context)
    loc, today = profile.locale, today_of(context, profile)
    with transaction(crm.db) as session:
        rows = open_instalments(session=session, owner_id=profile.user_id, limit=MINE_SHOWN)
    lines = [t(loc, "pay_mine_line", customer=customer_ref(loc, c), title=escape(d.title), seq=i.seq,
               outstanding=money(i.amount - i.received, i.currency, loc), day=fmt_date(i.due_on, profile),
               late=t(loc, "pay_mine_late", count=(today - i.due_on).days) if i.due_on < today else "")
             for i, d, c in rows]
    respond(response_type="ephemeral", text="\n".join([t(loc, "pay_mine_header"), *(lines or [t(loc, "pay_mine_none")])]))


def _pay_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    profile = profile_now(client, context)
    loc = profile.locale
    if not clean(text):
        _mine(profile, context, respond)
        return
    today = today_of(context, profile)
    try:
        with transaction(crm.db) as session:
            customer = _customer(session, text)
            viewer = viewer_of(session, context)
            require(can_read(viewer, customer), viewer=viewer, customer=customer, action="read")
            editable = can_edit(viewer, customer)
            deals = [(d, schedule_of(session=session, deal_id=d.id)) for d in won_deals_of(session=session, customer_id=customer.id)]
    except DomainError as e:
        respond(response_type="ephemeral", text=refusal(loc, e))
        return
    if not deals:
        respond(response_type="ephemeral", text=t(loc, "pay_no_won", customer=customer_ref(loc, customer)))
        return
    blocks: list[dict] = []
    shown = 0
    for deal, instalments in deals:
        more = schedule_blocks(profile, deal, customer, instalments, today=today, editable=editable)
        if len(blocks) + len(more) + 2 > MESSAGE_BLOCKS:
            break
        blocks += ([{"type": "divider"}] if blocks else []) + more
        shown += 1
    if shown < len(deals):
        blocks.append(context_block(t(loc, "pay_more_deals", count=len(deals) - shown)))
    respond(response_type="ephemeral", text=deal_header(loc, deals[0][0], customer), blocks=blocks)


SUBCOMMAND = Subcommand("pay", ("payments", "回款", "收款"), _pay_command, "help_pay")
