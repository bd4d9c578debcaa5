"""How a customer looks in Slack: its card (/crm show). Its changes in words and the History view
are in history.py, the lists of /crm find and /crm mine in lists.py. Every section is filled line
by line up to a budget and ends "and N more", so however much a customer has, a card stays within
Block Kit's 50 blocks and 3000 characters a section."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_date, fmt_datetime, lines_sections, plain, section, vocab
from handlers.context import Profile
from handlers.customers.history import CHOICES, REASONED, change_line
from handlers.hooks import CardPart
from handlers.i18n import t
from handlers.numbers import money, whole
from handlers.words import action_title, collected_text, person
from store.actions import open_actions_for_customer
from store.audit import history, reasons
from store.behaviour_tags import TagRules, active_codes, label as tag_label, removed_tags, why as tag_why
from store.contacts import contacts_of
from store.crm_models import AuditEntry, Deal, Need
from store.deals import deals_of
from store.models import Contact, Customer, Interaction, NextAction, Ticket
from store.payments import Collected, collected_by_deal
from store.needs import needs_of
from store.nps import recent_interactions
from store.permissions import Viewer, can_edit
from store.privacy import Cipher
from store.profile import contact_details, tag_list
from store.tickets import open_count, open_for_customer

CHANGES_SHOWN, TICKETS_SHOWN, INTERACTIONS_SHOWN = 5, 10, 3
# Buttons of the card, in order: (action_id, text key, needs edit rights).
BUTTONS = ((ids.CARD_LOG, "cust_btn_log", False), (ids.CARD_EDIT, "cust_btn_edit", True),
           (ids.CARD_HISTORY, "cust_btn_history", False), (ids.CARD_STAGE, "cust_btn_stage", True),
           (ids.CARD_GRADE, "cust_btn_grade", True), (ids.CARD_NEED, "cust_btn_need", True),
           (ids.CARD_DEAL, "cust_btn_deal", True), (ids.CARD_CONTACT, "cust_btn_contact", True))

@dataclass(frozen=True)
class CardData:
    customer: Customer
    phone: str | None
    email: str | None
    masked: bool
    tags: list[str]
    contacts: list[Contact]
    needs: list[Need]
    actions: list[NextAction]
    interactions: list[Interaction]
    tickets: list[Ticket]
    ticket_count: int
    deals: list[Deal]
    changes: list[AuditEntry]
    editable: bool
    parts: tuple[tuple[CardPart, Any], ...] = ()  # other features' sections (health, churn: Defaults.hooks), loaded
    reasons: dict[datetime, str] = field(default_factory=dict)  # why, by the instant of a change (store.audit.reasons)
    collected: dict[int, Collected] = field(default_factory=dict)  # won deals' payment schedules (store/payments.py)
    behaviour: list[str] = field(default_factory=list)  # computed behaviour tags' codes (store/behaviour_tags.py)
    removed: list[str] = field(default_factory=list)  # computed tags a person removed: they stay off until restored

def load_card(session: Session, customer: Customer, *, viewer: Viewer, cipher: Cipher | None,
              parts: tuple[CardPart, ...] = ()) -> CardData:
    """Everything the card shows, `parts` (Defaults.hooks.card_parts) included; the caller has checked
    that the viewer may read the customer."""
    phone = email = None
    masked = False
    if cipher is not None:
        details = contact_details(session=session, viewer=viewer, customer_id=customer.id, cipher=cipher)
        phone, email, masked = details.phone, details.email, details.masked
    changes = history(session=session, customer_id=customer.id, limit=CHANGES_SHOWN)
    return CardData(
        customer=customer, phone=phone, email=email, masked=masked,
        tags=[name for _, name in tag_list(session=session, customer_id=customer.id)],
        contacts=contacts_of(session=session, customer_id=customer.id),
        needs=needs_of(session=session, customer_id=customer.id, open_only=True),
        actions=open_actions_for_customer(session=session, customer_id=customer.id),
        interactions=recent_interactions(session=session, customer_id=customer.id, limit=INTERACTIONS_SHOWN),
        tickets=open_for_customer(session=session, customer_id=customer.id, limit=TICKETS_SHOWN, by_priority=True),
        ticket_count=open_count(session=session, customer_id=customer.id),
        deals=(deals := deals_of(session=session, customer_id=customer.id)),
        collected=collected_by_deal(session=session, deal_ids=[x.id for x in deals if x.stage == "won"]),
        changes=changes,
        reasons=reasons(session=session, customer_id=customer.id, since=changes[-1].at) if changes else {},
        editable=can_edit(viewer, customer),
        parts=tuple((part, part.load(session, customer, viewer)) for part in parts),
        behaviour=active_codes(session=session, customer_id=customer.id),
        removed=[r.code for r in removed_tags(session=session, customer_id=customer.id)],
    )

# -- pieces --------------------------------------------------------------------------------------

def _field(loc: str, label_key: str, value: str) -> str:
    return t(loc, "cust_card_field", label=t(loc, label_key), value=value)

def _profile_lines(c: Customer, tags: list[str], loc: str) -> list[str]:
    texts = [("company", c.company), ("contact_title", c.contact_title), ("industry", c.industry), ("region", c.region)]
    lines = [_field(loc, f"cust_f_{name}", escape(clip(value, 200))) for name, value in texts if value]
    if c.staff_count is not None:
        lines.append(_field(loc, "cust_f_staff_count", whole(c.staff_count, loc)))
    if c.annual_revenue is not None:
        lines.append(_field(loc, "cust_card_revenue", money(c.annual_revenue, "CNY", loc)))
    lines += [_field(loc, f"cust_f_{name}", vocab(loc, kind, getattr(c, name)) + (_tier_mark(c, loc) if name == "value_tier" else ""))
              for name, kind in CHOICES.items() if getattr(c, name)]
    if tags:
        lines.append(_field(loc, "cust_f_tags", escape(clip(t(loc, "cust_list_sep").join(tags), 600))))
    if c.cultural_notes:
        lines.append(_field(loc, "cust_f_cultural_notes", escape(clip(c.cultural_notes, 800))))
    return lines

def _tier_mark(c: Customer, loc: str) -> str:
    """Whether the value tier was computed (store/value_tiers.py) or chosen by a person."""
    return t(loc, "tier_mark_auto" if c.value_tier_source == "auto" else "tier_mark_manual")


def _change_lines(d: CardData, profile: Profile) -> list[str]:
    """The latest changes; a change's reason once, on the first of its entries (a stage and a status
    moved together share one)."""
    told: set = set()
    lines = []
    for e in d.changes:
        reason = d.reasons.get(e.at, "") if e.field in REASONED and e.at not in told else ""
        if reason:
            told.add(e.at)
        lines.append(change_line(e, profile, reason))
    return lines

# -- the card ------------------------------------------------------------------------------------

def _head(c: Customer, profile: Profile) -> str:
    loc = profile.locale
    grade = vocab(loc, "grade", c.grade) if c.grade else t(loc, "cust_ungraded")
    since = fmt_date((c.stage_changed_at or c.created_at).astimezone(profile.zone).date(), profile)
    return "\n".join((t(loc, "cust_card_head", customer=escape(c.name), code=c.code),
                      t(loc, "cust_card_stage", stage=vocab(loc, "stage", c.stage), status=vocab(loc, "status", c.status),
                        since=since, grade=grade),
                      t(loc, "cust_card_owners", owner=person(c.owner_id, loc), cs_owner=person(c.cs_owner_id, loc))))

def _item_sections(d: CardData, profile: Profile, now: datetime) -> list[dict]:
    loc = profile.locale
    parts = [
        ("cust_sec_contacts", [t(loc, "cust_contact_line", name=escape(x.name), title=escape(x.title) or t(loc, "cust_nobody"),
                                 role=vocab(loc, "decision_role", x.role)) for x in d.contacts], None),
        ("cust_sec_needs", [t(loc, "cust_need_line", description=escape(clip(n.description, 200)), kind=vocab(loc, "need_kind", n.kind),
                              priority=vocab(loc, "priority", n.priority), status=vocab(loc, "need_status", n.status))
                            for n in d.needs], None),
        ("cust_sec_actions", [t(loc, "cust_action_late" if a.due_at < now else "cust_action_line", title=action_title(a, loc),
                                due=fmt_datetime(a.due_at, profile), owner=person(a.owner_id, loc)) for a in d.actions], None),
        ("cust_sec_interactions", [t(loc, "cust_interaction_line", date=fmt_date(i.occurred_on, profile), way=t(loc, f"way_{i.way}"),
                                     summary=escape(clip(i.summary, 200))) for i in d.interactions], None),
        ("cust_sec_tickets", [t(loc, "cust_ticket_line", code=x.code, priority=x.priority, type=t(loc, f"ticket_type_{x.type}"),
                                status=t(loc, f"ticket_status_{x.status}"), description=escape(clip(x.description, 100)))
                              for x in d.tickets], d.ticket_count),
        ("cust_sec_deals", [t(loc, "cust_deal_line", title=escape(x.title), amount=money(x.amount, x.currency, loc),
                              stage=vocab(loc, "deal_stage", x.stage))
                            + (t(loc, "cust_deal_close", date=fmt_date(x.expected_close_on, profile)) if x.expected_close_on and not x.closed_at else "")
                            + (" · " + collected_text(loc, received=d.collected[x.id].received, scheduled=d.collected[x.id].scheduled,
                                                      currency=x.currency, paid=d.collected[x.id].paid,
                                                      count=d.collected[x.id].instalments) if x.id in d.collected else "")
                            for x in d.deals], None),
        ("cust_sec_changes", _change_lines(d, profile), None),
    ]
    out = []
    for title, lines, total in parts:
        if lines:
            out += lines_sections(t(loc, title), lines, loc=loc, total=total)
    return out


def behaviour_section(d: CardData, loc: str, rules: TagRules) -> dict | None:
    """The computed tags with their reasons and the ones a person removed; for who may edit, a menu to
    remove one (it stays removed) or restore a removed one."""
    if not d.behaviour and not d.removed:
        return None
    lines = [t(loc, "tags_line", label=tag_label(code, loc), why=tag_why(code, loc, rules)) for code in d.behaviour]
    if d.removed:
        lines.append(t(loc, "tags_removed_line", labels=t(loc, "tags_sep").join(tag_label(code, loc) for code in d.removed)))
    block = section("\n".join((t(loc, "tags_sec"), *lines)))
    block["block_id"] = ids.CARD_TAGS_BLOCK
    if d.editable:
        options = [(t(loc, "tags_remove", label=tag_label(code, loc)), f"{d.customer.id}:{code}") for code in d.behaviour]
        options += [(t(loc, "tags_restore", label=tag_label(code, loc)), f"{d.customer.id}:{code}:restore") for code in d.removed]
        block["accessory"] = {"type": "overflow", "action_id": ids.CARD_TAG_REMOVE,
                              "options": [{"text": plain(text, 75), "value": value} for text, value in options]}
    return block


def card_buttons(d: CardData, loc: str) -> dict:
    value = str(d.customer.id)
    elements = [{"type": "button", "action_id": action_id, "text": plain(t(loc, key)), "value": value}
                for action_id, key, edit in BUTTONS if d.editable or not edit]
    elements += [button for part, loaded in d.parts for button in part.buttons(loaded, loc)]
    return {"type": "actions", "block_id": ids.CARD_ACTIONS_BLOCK, "elements": elements}

def _parts(d: CardData, place: str, profile: Profile, now: datetime) -> list[dict]:
    return [block for part, loaded in d.parts if part.place == place for block in part.blocks(loaded, profile, now)]

def card_blocks(d: CardData, profile: Profile, now: datetime, rules: TagRules = TagRules()) -> list[dict]:
    """At most 20 blocks: head, health (and how it is computed), profile, behaviour tags, phone and email
    (+ masked note), 7 item sections, churn, buttons."""
    loc = profile.locale
    blocks = [section(_head(d.customer, profile))]
    blocks += _parts(d, "head", profile, now)
    lines = _profile_lines(d.customer, d.tags, loc)
    if lines:
        blocks += lines_sections("", lines, loc=loc)
    tags = behaviour_section(d, loc, rules)
    if tags is not None:
        blocks.append(tags)
    contact = [_field(loc, f"cust_f_{name}", escape(value)) for name, value in (("phone", d.phone), ("email", d.email)) if value]
    if contact:
        blocks.append(section("　".join(contact) if loc.lower().startswith("zh") else " · ".join(contact)))
        if d.masked:
            blocks.append(context_block(t(loc, "cust_card_masked")))
    blocks += _item_sections(d, profile, now)
    blocks += _parts(d, "items", profile, now)
    blocks.append(card_buttons(d, loc))
    return blocks

def card_text(c: Customer, loc: str) -> str:
    return t(loc, "cust_card_text", customer=escape(c.name), code=c.code, stage=vocab(loc, "stage", c.stage),
             status=vocab(loc, "status", c.status))
