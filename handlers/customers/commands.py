"""The customer record in Slack: `/crm new` (modal in customer_forms.py), `/crm show` (the card, drawn in customer_cards.py),
`/crm find`, `/crm mine`, and the card's Log, Edit and History buttons (handlers/lifecycle/commands.py
answers its other buttons)."""
from __future__ import annotations

import logging
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import ids
from handlers.picked import pick_errors
from handlers.blocks import clip, escape, field_errors, fmt_datetime, mention, modal, section, unescape
from handlers.router import Subcommand
from handlers.context import crm_of, fetch_profile, Profile, reply_profile
from handlers.customers.cards import card_blocks, card_text, load_card
from handlers.customers.history import field_label, history_blocks
from handlers.customers.lists import find_blocks, mine_blocks, pick_list
from handlers.customers.forms import Form, check_form, form_blocks, initial_values, read_form
from handlers.i18n import t
from handlers.payload import read_metadata
from handlers.forms import card_customer, clicked_customer as _clicked, open_modal
from store.alert_kinds import ACTION_ASSIGNED
from store.audit import history
from store.contacts import add_contact
from store.customers import create_lead, customers_by_stage, find_customers, find_exact, get_customer
from store.db import transaction
from store.errors import DomainError
from store.grading import set_grade
from store.lifecycle import stage_history
from store.models import Customer
from store.outbox import enqueue
from store.permissions import Viewer, can_edit, can_log, can_read, can_reassign, forbidden, viewer_for
from store.profile import contact_details, reassign, set_contact_details, set_tags, tag_list, update_customer
from store.text import NAME_MAX, clean_line, clip_to

log = logging.getLogger(__name__)
FIND_SHOWN, CLOSE_SHOWN, MINE_PER_STAGE, HISTORY_SHOWN = 20, 5, 5, 100
CLOSE_WORDS = 10  # words of a query closest() tries one by one


def register(app: App) -> None:
    app.view(ids.CUSTOMER_NEW_VIEW)(submit_new)
    app.view(ids.CUSTOMER_EDIT_VIEW)(submit_edit)
    app.action(ids.CARD_LOG)(on_log)
    app.action(ids.CARD_EDIT)(on_edit)
    app.action(ids.CARD_HISTORY)(on_history)


def _viewer(session, context: dict, user_id: str) -> Viewer:
    crm = crm_of(context)
    d = crm.defaults
    return viewer_for(session=session, user_id=user_id, visibility=d.visibility, admins=d.admins)


# -- /crm new --------------------------------------------------------------------------------------

def _new_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    initial = {"name": clip_to(clean_line(unescape(text)), NAME_MAX), "owner": who.user_id}
    meta = {"channel": body.get("channel_id", "")}
    contact = crm.defaults.cipher is not None
    open_modal(client=client, context=context, trigger_id=body["trigger_id"], channel=meta["channel"], respond=respond,
               build=lambda p: modal(callback_id=ids.CUSTOMER_NEW_VIEW, title=t(p.locale, "cust_new_title"), metadata=meta,
                                     submit=t(p.locale, "cust_create"), close=t(p.locale, "cancel"),
                                     blocks=form_blocks(p.locale, initial, new=True, owner=True, contact=contact)))


def submit_new(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    """Everything in one transaction, saved before ack(): a refusal stays on the modal, nothing half-saved."""
    crm = crm_of(context)
    who: Profile = crm.who
    d = crm.defaults
    now = crm.defaults.clock()
    form = read_form(view)
    owner = form.owner or who.user_id
    refused = pick_errors(client, locale=who.locale, submitter=who.user_id,
                          picks={ids.CUST_OWNER_BLOCK: owner, ids.CUST_CS_OWNER_BLOCK: form.profile.get("cs_owner_id")})
    if refused:
        ack(response_action="errors", errors=refused)
        return
    try:
        with transaction(crm.db) as session:
            viewer = _viewer(session, context, who.user_id)
            mine = Customer(owner_id=who.user_id)  # the new customer as the caller's: may they hand it on?
            check_form(form, cipher_ready=d.cipher is not None,
                       owner_error=owner != who.user_id and not can_reassign(viewer, mine, owner))
            customer, action = create_lead(session=session, name=form.name, owner_id=owner, created_by=who.user_id, now=now,
                                           calendar=d.calendar, limits=d.limits, cipher=d.cipher, phone=form.phone or None,
                                           email=form.email or None, tags={"free": form.tags}, **form.profile)
            if form.grade:
                set_grade(session=session, viewer=viewer, customer_id=customer.id, grade=form.grade, now=now)
            if form.contact_name:  # the key contact, their title the profile's contact_title
                add_contact(session=session, viewer=viewer, customer_id=customer.id,
                            name=form.contact_name, title=form.profile.get("contact_title") or "", role="contact", now=now)
            handed = action is not None and action.owner_id != who.user_id
            if handed:
                enqueue(session=session, kind=ACTION_ASSIGNED, subject=f"next_action:{action.id}", due_key="assigned",
                        recipient=action.owner_id, now=now)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, who.locale, blocks=ids.CUST_FIELD_BLOCKS, fallback=ids.CUST_NAME_BLOCK))
        return
    ack()
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=d, now=now)
    head = t(profile.locale, "cust_created", customer=escape(customer.name), code=customer.code, owner=mention(customer.owner_id),
             due=fmt_datetime(action.due_at, profile) if action else "—")
    _card_dm(client=client, context=context, customer_id=customer.id, profile=profile, head=head,
             text=t(profile.locale, "cust_created_text", customer=escape(customer.name), code=customer.code), now=now)
    if handed:
        crm.wake()


def _card_dm(*, client: WebClient, context: dict, customer_id: int, profile: Profile, head: str, text: str, now: datetime) -> None:
    crm = crm_of(context)
    with transaction(crm.db) as session:
        customer = get_customer(session=session, customer_id=customer_id)
        data = load_card(session, customer, viewer=_viewer(session, context, profile.user_id), cipher=crm.defaults.cipher,
                         parts=crm.defaults.hooks.card_parts)
    try:
        client.chat_postMessage(channel=profile.user_id, text=text, blocks=[section(head), *card_blocks(data, profile, now, crm.defaults.tags)])
    except SlackApiError as e:  # saved all the same; /crm show finds it
        log.warning("confirmation to %s not sent: %s", profile.user_id, e.response.get("error"))


# -- /crm show, /crm find, /crm mine ----------------------------------------------------------------

def closest(session, query: str, viewer: Viewer) -> list[Customer]:
    """Readable customers near `query`: all its words, then each word, then the longest word
    shortened from its end (a typo at the end, or only the start of a name remembered). At most
    CLOSE_WORDS words and a name's length are tried, so a pasted page costs a bounded number of lookups."""
    words = clean_line(query).split()[:CLOSE_WORDS]
    tries = [query[:NAME_MAX], *(words if len(words) > 1 else [])]
    longest = max(words, key=len, default="")[:NAME_MAX]
    tries += [longest[:n] for n in range(len(longest) - 1, 1, -1)]
    for attempt in tries:
        found = find_customers(session=session, words=attempt, viewer=viewer, limit=CLOSE_SHOWN)
        if found:
            return found
    return []


def _show_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    query = clean_line(unescape(text))
    if not query:
        respond(response_type="ephemeral", text=t(who.locale, "cust_show_usage"))
        return
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults)
    with transaction(crm.db) as session:
        answer = show(session, context, query=query, profile=profile, now=crm.defaults.clock())
    respond(response_type="ephemeral", **answer)


def show(session, context: dict, *, query: str, profile: Profile, now: datetime) -> dict:
    """The card of the customer `query` names (code, whole name, or words only one readable
    customer matches); else the candidates, the closest matches, or why it may not be read."""
    crm = crm_of(context)
    loc, shown = profile.locale, escape(clip(query, 100))
    viewer = _viewer(session, context, profile.user_id)
    customer = find_exact(session=session, text=query)
    if customer is None:
        found = find_customers(session=session, words=query, viewer=viewer, limit=CLOSE_SHOWN)
        if len(found) > 1:
            return {"text": t(loc, "cust_ambiguous", query=shown, list=pick_list(found, loc))}
        customer = found[0] if found else None
    if customer is None:
        near = closest(session, query, viewer)
        if near:
            return {"text": t(loc, "cust_not_found_close", query=shown, list=pick_list(near, loc), code=near[0].code)}
        return {"text": t(loc, "cust_not_found", query=shown)}
    if not can_read(viewer, customer):
        refused = forbidden(viewer, customer, action="read")
        return {"text": t(loc, refused.key, **refused.params)}
    data = load_card(session, customer, viewer=viewer, cipher=crm.defaults.cipher, parts=crm.defaults.hooks.card_parts)
    return {"text": card_text(customer, loc), "blocks": card_blocks(data, profile, now, crm.defaults.tags)}


def _find_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    query = clean_line(unescape(text))
    if not query:
        respond(response_type="ephemeral", text=t(who.locale, "cust_find_usage"))
        return
    with transaction(crm.db) as session:
        found = find_customers(session=session, words=query, viewer=_viewer(session, context, who.user_id), limit=FIND_SHOWN + 1)
    text, blocks = find_blocks(query, found, limit=FIND_SHOWN, loc=who.locale)
    respond(response_type="ephemeral", text=text, blocks=blocks)


def _mine_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    with transaction(crm.db) as session:
        groups = customers_by_stage(session=session, owner_id=who.user_id, per_stage=MINE_PER_STAGE)
    text, blocks = mine_blocks(groups, who.locale)
    respond(response_type="ephemeral", text=text, blocks=blocks)


SUBCOMMANDS = (
    Subcommand("new", ("新建", "新客户"), _new_command, "help_new"),
    Subcommand("show", ("查看",), _show_command, "help_show"),
    Subcommand("find", ("搜索", "查找"), _find_command, "help_find"),
    Subcommand("mine", ("我的",), _mine_command, "help_mine"),
)


# -- the card's buttons ----------------------------------------------------------------------------

def _tell(*, client: WebClient, body: dict, respond, text: str, blocks: list[dict] | None = None) -> None:
    """Ephemeral, where the button was: through its response_url, else chat.postEphemeral."""
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text, **({"blocks": blocks} if blocks else {}))
        return
    _, channel = _clicked(body)
    client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text, **({"blocks": blocks} if blocks else {}))


def on_log(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    """The /crm log modal with this customer chosen, for whoever may log on it (a primary-key lookup
    before views.open)."""
    ack()
    found = card_customer(body=body, client=client, context=context, edit=True, may=can_log)
    if found is None:
        return
    customer, _, channel = found
    crm_of(context).defaults.hooks.open_log(client=client, context=context, trigger_id=body["trigger_id"], channel=channel, customer=customer)


def on_edit(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    ack()
    crm = crm_of(context)
    who: Profile = crm.who
    customer_id, channel = _clicked(body)
    cipher = crm.defaults.cipher
    refusal = None
    with transaction(crm.db) as session:  # indexed lookups and two decryptions before views.open
        customer = get_customer(session=session, customer_id=customer_id) if customer_id else None
        viewer = _viewer(session, context, who.user_id)
        if customer is None or not can_edit(viewer, customer):
            refusal = DomainError("err_unknown_customer") if customer is None else forbidden(viewer, customer, action="edit")
        else:
            details = contact_details(session=session, viewer=viewer, customer_id=customer.id, cipher=cipher) if cipher else None
            initial = initial_values(customer, tag_list(session=session, customer_id=customer.id), details)
            owner = can_reassign(viewer, customer)
    if refusal:
        _tell(client=client, body=body, respond=respond, text=t(reply_profile(client=client, context=context).locale, refusal.key,
                                                               **refusal.params))
        return
    meta = {"customer_id": customer.id, "channel": channel}
    open_modal(client=client, context=context, trigger_id=body["trigger_id"], channel=channel,
               build=lambda p: modal(callback_id=ids.CUSTOMER_EDIT_VIEW, title=t(p.locale, "cust_edit_title"), metadata=meta,
                                     submit=t(p.locale, "save"), close=t(p.locale, "cancel"),
                                     blocks=form_blocks(p.locale, initial, new=False, owner=owner, contact=cipher is not None)))


def save_edit(session, context: dict, *, viewer: Viewer, customer_id: int, form: Form, now: datetime) -> Customer:
    """Only what changed is written (and so audited); the owner last, as it needs reassign rights."""
    crm = crm_of(context)
    cipher = crm.defaults.cipher
    customer = update_customer(session=session, viewer=viewer, customer_id=customer_id, now=now, name=form.name, **form.profile)
    tags = tag_list(session=session, customer_id=customer_id)
    if [name for kind, name in tags if kind == "free"] != form.tags:
        kept: dict[str, list[str]] = {}
        for kind, name in tags:
            if kind != "free":
                kept.setdefault(kind, []).append(name)
        set_tags(session=session, viewer=viewer, customer_id=customer_id, tags={"free": form.tags, **kept}, now=now)
    if cipher is not None and (form.phone is not None or form.email is not None):
        now_details = contact_details(session=session, viewer=viewer, customer_id=customer_id, cipher=cipher)
        phone = form.phone if form.phone is not None and clean_line(form.phone) != (now_details.phone or "") else None
        email = form.email if form.email is not None and clean_line(form.email) != (now_details.email or "") else None
        if phone is not None or email is not None:
            set_contact_details(session=session, viewer=viewer, customer_id=customer_id, cipher=cipher, now=now,
                                phone=phone, email=email)
    if form.owner and form.owner != customer.owner_id:
        try:
            reassign(session=session, viewer=viewer, customer_id=customer_id, new_owner_id=form.owner, now=now)
        except DomainError:
            raise DomainError("cust_err_owner", field="owner") from None
    return customer


def submit_edit(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    now = crm.defaults.clock()
    customer_id, form = read_metadata(view).id("customer_id"), read_form(view)
    with transaction(crm.db) as session:  # a person already there is not asked about again
        current = session.get(Customer, customer_id)
        kept = (current.owner_id, current.cs_owner_id) if current is not None else (None, None)
    picks = {ids.CUST_OWNER_BLOCK: form.owner if form.owner != kept[0] else None,
             ids.CUST_CS_OWNER_BLOCK: form.profile.get("cs_owner_id") if form.profile.get("cs_owner_id") != kept[1] else None}
    refused = pick_errors(client, locale=who.locale, submitter=who.user_id, picks=picks)
    if refused:
        ack(response_action="errors", errors=refused)
        return
    try:
        with transaction(crm.db) as session:
            check_form(form, cipher_ready=True)
            customer = save_edit(session, context, viewer=_viewer(session, context, who.user_id),
                                 customer_id=customer_id, form=form, now=now)
            changed = [e for e in history(session=session, customer_id=customer.id, limit=HISTORY_SHOWN)
                       if e.at == now and e.by == who.user_id]
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, who.locale, blocks=ids.CUST_FIELD_BLOCKS, fallback=ids.CUST_NAME_BLOCK))
        return
    ack()
    loc = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults, now=now).locale
    names = list(dict.fromkeys(field_label(entry.field, loc) for entry in reversed(changed)))
    text = (t(loc, "cust_saved", customer=escape(customer.name), code=customer.code, fields=t(loc, "cust_list_sep").join(names))
            if names else t(loc, "cust_saved_nothing", customer=escape(customer.name), code=customer.code))
    try:
        client.chat_postMessage(channel=who.user_id, text=text)
    except SlackApiError as e:
        log.warning("edit confirmation to %s not sent: %s", who.user_id, e.response.get("error"))


def on_history(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    ack()
    crm = crm_of(context)
    who: Profile = crm.who
    customer_id, _ = _clicked(body)
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults)
    with transaction(crm.db) as session:
        customer = get_customer(session=session, customer_id=customer_id) if customer_id else None
        viewer = _viewer(session, context, who.user_id)
        readable = customer is not None and can_read(viewer, customer)
        if readable:
            stages = stage_history(session=session, customer_id=customer.id)
            entries = history(session=session, customer_id=customer.id, limit=HISTORY_SHOWN)
    if not readable:
        error = DomainError("err_unknown_customer") if customer is None else forbidden(viewer, customer, action="read")
        _tell(client=client, body=body, respond=respond, text=t(profile.locale, error.key, **error.params))
        return
    blocks = history_blocks(customer, stages, entries, profile)
    _tell(client=client, body=body, respond=respond, text=blocks[0]["text"]["text"], blocks=blocks)
