"""Contacts in Slack: the customer card's Contacts button opens the customer's contacts (phones and
emails masked unless the viewer may see them) with a form to add one or change one; a change of
title or decision role is kept in the contact's history with its reason."""
from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, field_errors, input_block, modal, option, refusal, section, static_select, text_input, vocab, vocab_options
from handlers.context import crm_of, Profile, viewer_of
from handlers.i18n import t
from handlers.refs import customer_ref
from handlers.payload import clicked_value, record_id
from handlers.forms import answer, card_customer, metadata, open_modal, picked, profile_now, redraw, state, typed
from store.contacts import REASON_MAX, TITLE_MAX, add_contact, change_contact, contact_phone_email, contacts_of
from store.db import transaction
from store.errors import DomainError
from store.models import Contact, Customer
from store.permissions import Viewer, can_edit, can_read, forbidden
from store.privacy import EMAIL_MAX
from store.text import NAME_MAX, clean_line

SHOWN = 20
PHONE_MAX = 40


def register(app: App) -> None:
    app.action(ids.CARD_CONTACT)(on_contact_button)
    app.action(ids.CONTACT_PICK)(on_pick)
    app.view(ids.CONTACT_VIEW)(submit_contact)


@dataclass(frozen=True)
class Shown:
    """A contact with its phone and email as this viewer may see them."""

    contact: Contact
    phone: str | None = None
    email: str | None = None


def shown_contacts(session: Session, context: dict, customer: Customer, viewer: Viewer) -> list[Shown]:
    """Index on customer_id; each phone and email through the store's masking rule."""
    crm = crm_of(context)
    cipher = crm.defaults.cipher
    shown = []
    for contact in contacts_of(session=session, customer_id=customer.id)[:SHOWN]:
        details = contact_phone_email(session=session, viewer=viewer, contact_id=contact.id, cipher=cipher) if cipher else None
        shown.append(Shown(contact, details.phone, details.email) if details else Shown(contact))
    return shown


def contact_line(locale: str, item: Shown) -> str:
    c = item.contact
    parts = [f"*{escape(c.name)}*", *([escape(c.title)] if c.title else []), vocab(locale, "decision_role", c.role)]
    if item.phone:
        parts.append(t(locale, "lc_contact_phone", phone=escape(item.phone)))
    if item.email:
        parts.append(t(locale, "lc_contact_email", email=escape(item.email)))
    return " · ".join(parts)


def build_contact_view(profile: Profile, customer: Customer, shown: list[Shown], *, editable: bool, mode: str | None,
                       meta: dict) -> dict:
    """The list; for an editor, the form too: a new contact, or the chosen one's values to change.
    The form's block ids end in its mode, so choosing another contact shows that one's values."""
    loc = profile.locale
    blocks = [section(t(loc, "lc_contacts_header", customer=customer_ref(loc, customer)))]
    blocks.append(section("\n".join(contact_line(loc, s) for s in shown)) if shown else context_block(t(loc, "lc_contacts_none")))
    if not editable:
        return modal(callback_id=ids.CONTACT_VIEW, title=t(loc, "lc_contact_title"), blocks=blocks, metadata=meta, close=t(loc, "lc_close"))
    current = next((s.contact for s in shown if str(s.contact.id) == mode), None)
    mode = str(current.id) if current else ids.CONTACT_NEW
    choices = [option(t(loc, "lc_contact_new_option"), ids.CONTACT_NEW)]
    choices += [option(t(loc, "lc_contact_change_option", name=clip(s.contact.name, 50)), str(s.contact.id)) for s in shown]
    keep = t(loc, "lc_f_keep_hint") if current else None
    blocks += [
        {"type": "divider"},
        input_block(ids.CONTACT_PICK_BLOCK, t(loc, "lc_f_contact_pick"), static_select(ids.CONTACT_PICK, choices, initial=mode), dispatch=True),
        input_block(f"{ids.CONTACT_NAME_BLOCK}.{mode}", t(loc, "lc_f_contact_name"),
            text_input(ids.CONTACT_NAME, limit=NAME_MAX, initial=current.name if current else "")),
        input_block(f"{ids.CONTACT_TITLE_BLOCK}.{mode}", t(loc, "lc_f_contact_title"),
            text_input(ids.CONTACT_TITLE, limit=TITLE_MAX, initial=current.title if current else ""), optional=True),
        input_block(f"{ids.CONTACT_ROLE_BLOCK}.{mode}", t(loc, "lc_f_contact_role"),
            static_select(ids.CONTACT_ROLE, vocab_options(loc, "decision_role"), initial=current.role if current else "contact")),
        input_block(f"{ids.CONTACT_PHONE_BLOCK}.{mode}", t(loc, "lc_f_phone"), text_input(ids.CONTACT_PHONE, limit=PHONE_MAX),
            optional=True, hint=keep),
        input_block(f"{ids.CONTACT_EMAIL_BLOCK}.{mode}", t(loc, "lc_f_email"), text_input(ids.CONTACT_EMAIL, limit=EMAIL_MAX),
            optional=True, hint=keep),
    ]
    if current:
        blocks.append(input_block(f"{ids.CONTACT_REASON_BLOCK}.{mode}", t(loc, "lc_f_contact_reason"),
                          text_input(ids.CONTACT_REASON, limit=REASON_MAX), optional=True, hint=t(loc, "lc_f_contact_reason_hint")))
    return modal(callback_id=ids.CONTACT_VIEW, title=t(loc, "lc_contact_title"), blocks=blocks, metadata=meta, submit=t(loc, "save"), close=t(loc, "cancel"))


def on_contact_button(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    ack()
    crm = crm_of(context)
    found = card_customer(body=body, client=client, context=context, edit=False)
    if found is None:
        return
    customer, viewer, channel = found
    with transaction(crm.db) as session:
        shown = shown_contacts(session, context, customer, viewer)
    meta, editable = {"customer": customer.id, "channel": channel}, can_edit(viewer, customer)
    open_modal(client=client, context=context, trigger_id=body["trigger_id"], channel=channel,
               build=lambda p: build_contact_view(p, customer, shown, editable=editable, mode=None, meta=meta))


def on_pick(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """Another contact (or a new one) chosen: the form redrawn with its values."""
    ack()
    crm = crm_of(context)
    meta = metadata(body.get("view") or {})
    customer_id, mode = meta.id("customer"), clicked_value(body) or None
    with transaction(crm.db) as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return
        viewer = viewer_of(session, context)
        readable = can_read(viewer, customer)
        shown = shown_contacts(session, context, customer, viewer) if readable else []
    if not readable:
        answer(client=client, channel=meta.text("channel"), user=viewer.id,
               text=refusal(crm.who.locale, forbidden(viewer, customer, action="read")))
        return
    view = build_contact_view(crm.who, customer, shown, editable=can_edit(viewer, customer), mode=mode, meta=meta.raw)
    redraw(client=client, body=body, view=view)


def _save(session: Session, context: dict, *, customer_id: int, mode: str, values: dict) -> tuple[Contact, tuple[str, str] | None, str]:
    """Add, or change the chosen contact; returns it, its (title, role) before a change of them, and the reason."""
    crm = crm_of(context)
    viewer, cipher, now = viewer_of(session, context), crm.defaults.cipher, crm.defaults.clock()
    fields = {"name": typed(values, ids.CONTACT_NAME), "title": typed(values, ids.CONTACT_TITLE),
              "role": picked(values, ids.CONTACT_ROLE) or "contact", "phone": typed(values, ids.CONTACT_PHONE) or None,
              "email": typed(values, ids.CONTACT_EMAIL) or None}
    if (fields["phone"] or fields["email"]) and cipher is None:
        raise DomainError("lc_err_no_cipher", field="phone")
    if mode == ids.CONTACT_NEW:
        return add_contact(session=session, viewer=viewer, customer_id=customer_id, now=now, cipher=cipher, **fields), None, ""
    contact_id = record_id(mode)
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    if contact is None or contact.customer_id != customer_id:
        raise DomainError("err_unknown_contact", field="name")
    before, reason = (contact.title, contact.role), clean_line(typed(values, ids.CONTACT_REASON))
    moved = (clean_line(fields["title"]), fields["role"]) != before
    if moved and not reason:
        raise DomainError("lc_err_contact_reason", field="reason")
    contact = change_contact(session=session, viewer=viewer, contact_id=contact.id, now=now, cipher=cipher, reason=reason, **fields)
    return contact, before if moved else None, reason


def submit_contact(ack: Ack, body: dict, view: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    loc, meta, values = crm.who.locale, metadata(view), state(view)
    mode = picked(values, ids.CONTACT_PICK) or ids.CONTACT_NEW
    customer_id, channel = meta.id("customer"), meta.text("channel")
    try:
        with transaction(crm.db) as session:
            contact, before, reason = _save(session, context, customer_id=customer_id, mode=mode, values=values)
            customer = session.get(Customer, customer_id)
    except DomainError as e:
        ack(response_action="errors", errors=field_errors(e, loc, view=view, blocks=ids.CONTACT_FIELD_BLOCKS, fallback=ids.CONTACT_NAME_BLOCK))
        return
    ack()
    profile = profile_now(client, context)
    loc = profile.locale
    key = "lc_contact_added" if mode == ids.CONTACT_NEW else "lc_contact_changed"
    lines = [t(loc, key, customer=customer_ref(loc, customer), contact=contact_line(loc, Shown(contact)))]
    if before is not None:
        lines.append(t(loc, "lc_contact_moved", before=_title_role(loc, *before), after=_title_role(loc, contact.title, contact.role)))
        lines.append(t(loc, "lc_reason", reason=escape(reason)))
    answer(client=client, channel=channel, user=profile.user_id, text="\n".join(lines))


def _title_role(locale: str, title: str, role: str) -> str:
    return " · ".join([*([escape(title)] if title else []), vocab(locale, "decision_role", role)])
