"""How a customer looks in Slack: its card (/crm show), its history, and the lists of /crm find and
/crm mine. Every section is filled line by line up to a budget and ends "and N more", so however
much a customer has, a card stays within Block Kit's 50 blocks and 3000 characters a section."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_date, fmt_datetime, lines_sections, plain, section, vocab
from handlers.context import Profile
from handlers.hooks import CardPart
from handlers.i18n import CATALOG, t
from handlers.numbers import money, whole
from handlers.words import action_title, person
from store.actions import open_actions_for_customer
from store.audit import history
from store.contacts import contacts_of
from store.crm_models import AuditEntry, Deal, Need, StageChange
from store.customers import StageGroup
from store.deals import deals_of
from store.models import Contact, Customer, Interaction, NextAction, Ticket
from store.needs import needs_of
from store.nps import recent_interactions
from store.permissions import Viewer, can_edit
from store.privacy import Cipher
from store.profile import contact_details, tag_list
from store.tickets import open_count, open_for_customer

CHANGES_SHOWN, TICKETS_SHOWN, INTERACTIONS_SHOWN = 5, 10, 3
HISTORY_SECTIONS = 6   # per part of the history (stage changes, audit log)
CHOICES = {"source": "source", "value_tier": "value_tier", "need_type": "need_type"}
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


def load_card(session: Session, customer: Customer, *, viewer: Viewer, cipher: Cipher | None,
              parts: tuple[CardPart, ...] = ()) -> CardData:
    """Everything the card shows, `parts` (Defaults.hooks.card_parts) included; the caller has checked
    that the viewer may read the customer."""
    phone = email = None
    masked = False
    if cipher is not None:
        details = contact_details(session=session, viewer=viewer, customer_id=customer.id, cipher=cipher)
        phone, email, masked = details.phone, details.email, details.masked
    return CardData(
        customer=customer, phone=phone, email=email, masked=masked,
        tags=[name for _, name in tag_list(session=session, customer_id=customer.id)],
        contacts=contacts_of(session=session, customer_id=customer.id),
        needs=needs_of(session=session, customer_id=customer.id, open_only=True),
        actions=open_actions_for_customer(session=session, customer_id=customer.id),
        interactions=recent_interactions(session=session, customer_id=customer.id, limit=INTERACTIONS_SHOWN),
        tickets=open_for_customer(session=session, customer_id=customer.id, limit=TICKETS_SHOWN, by_priority=True),
        ticket_count=open_count(session=session, customer_id=customer.id),
        deals=deals_of(session=session, customer_id=customer.id),
        changes=history(session=session, customer_id=customer.id, limit=CHANGES_SHOWN),
        editable=can_edit(viewer, customer),
        parts=tuple((part, part.load(session, customer, viewer)) for part in parts),
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
    lines += [_field(loc, f"cust_f_{name}", vocab(loc, kind, getattr(c, name))) for name, kind in CHOICES.items() if getattr(c, name)]
    if tags:
        lines.append(_field(loc, "cust_f_tags", escape(clip(t(loc, "cust_list_sep").join(tags), 600))))
    if c.cultural_notes:
        lines.append(_field(loc, "cust_f_cultural_notes", escape(clip(c.cultural_notes, 800))))
    return lines


def field_label(field: str, loc: str) -> str:
    """An audited field's name: the form's label, or the catalog's, or the field itself."""
    key = next((k for k in (f"cust_field_{field}", f"cust_f_{field}") if k in CATALOG), None)
    return t(loc, key) if key else escape(field)


# Audited values shown through a vocabulary: (entity, field) -> kind.
VALUE_VOCAB = {("customer", "stage"): "stage", ("customer", "status"): "status", ("customer", "grade"): "grade",
               **{("customer", f): k for f, k in CHOICES.items()}, ("deal", "stage"): "deal_stage",
               ("need", "status"): "need_status", ("need", "priority"): "priority", ("need", "kind"): "need_kind",
               ("contact", "role"): "decision_role"}


def change_text(entry: AuditEntry, loc: str) -> str:
    """One audit entry: "stage: Lead → Nurturing", "deal · amount: 100.00 → 120.00"."""
    entity_key = f"cust_entity_{entry.entity}"
    entity = t(loc, entity_key) if entry.entity != "customer" and entity_key in CATALOG else ""

    def value(v: str | None) -> str:
        if v is None or v == "":
            return t(loc, "cust_nobody")
        if (entry.entity, entry.field) in VALUE_VOCAB:
            return vocab(loc, VALUE_VOCAB[entry.entity, entry.field], v)
        if entry.field in ("owner_id", "cs_owner_id"):
            return person(v, loc)
        return escape(clip(v, 120))

    if entry.field == "created":
        return t(loc, "cust_audit_created", new=" ".join(x for x in (entity, value(entry.new)) if x))
    name = field_label(entry.field, loc)
    return t(loc, "cust_audit_change", field=f"{entity} · {name}" if entity else name, old=value(entry.old), new=value(entry.new))


def _change_line(entry: AuditEntry, profile: Profile) -> str:
    return t(profile.locale, "cust_change_line", time=fmt_datetime(entry.at, profile), user=person(entry.by, profile.locale),
             what=change_text(entry, profile.locale))


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
                            for x in d.deals], None),
        ("cust_sec_changes", [_change_line(e, profile) for e in d.changes], None),
    ]
    out = []
    for title, lines, total in parts:
        if lines:
            out += lines_sections(t(loc, title), lines, loc=loc, total=total)
    return out


def card_buttons(d: CardData, loc: str) -> dict:
    value = str(d.customer.id)
    elements = [{"type": "button", "action_id": action_id, "text": plain(t(loc, key)), "value": value}
                for action_id, key, edit in BUTTONS if d.editable or not edit]
    elements += [button for part, loaded in d.parts for button in part.buttons(loaded, loc)]
    return {"type": "actions", "block_id": ids.CARD_ACTIONS_BLOCK, "elements": elements}


def _parts(d: CardData, place: str, profile: Profile, now: datetime) -> list[dict]:
    return [block for part, loaded in d.parts if part.place == place for block in part.blocks(loaded, profile, now)]


def card_blocks(d: CardData, profile: Profile, now: datetime) -> list[dict]:
    """At most 18 blocks: head, health, profile, phone and email (+ masked note), 7 item sections, churn, buttons."""
    loc = profile.locale
    blocks = [section(_head(d.customer, profile))]
    blocks += _parts(d, "head", profile, now)
    lines = _profile_lines(d.customer, d.tags, loc)
    if lines:
        blocks += lines_sections("", lines, loc=loc)
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


# -- history -------------------------------------------------------------------------------------

def _reason(change: StageChange, loc: str) -> str:
    """Why the stage changed; the creation's marker ("created") in the reader's words."""
    if not change.reason:
        return ""
    words = t(loc, "cust_reason_created") if change.reason == "created" and not change.from_stage else escape(clip(change.reason, 200))
    return t(loc, "cust_reason", reason=words)


def history_blocks(c: Customer, stages: list[StageChange], entries: list[AuditEntry], profile: Profile) -> list[dict]:
    """The stage history and the audit log, newest first, each in at most HISTORY_SECTIONS sections."""
    loc = profile.locale
    blocks = [section(t(loc, "cust_history_head", customer=escape(c.name), code=c.code))]
    if not stages and not entries:
        return blocks + [section(t(loc, "cust_history_none"))]
    stage_lines = [t(loc, "cust_stage_line", time=fmt_datetime(s.at, profile), user=person(s.by, loc),
                     change=(f"{vocab(loc, 'stage', s.from_stage)} · {vocab(loc, 'status', s.from_status)} → " if s.from_stage else "")
                     + f"{vocab(loc, 'stage', s.to_stage)} · {vocab(loc, 'status', s.to_status)}",
                     reason=_reason(s, loc)) for s in stages]
    if stage_lines:
        blocks += lines_sections(t(loc, "cust_sec_stages"), stage_lines, loc=loc, sections=HISTORY_SECTIONS)
    if entries:
        blocks += lines_sections(t(loc, "cust_sec_audit"), [_change_line(e, profile) for e in entries], loc=loc,
                                 sections=HISTORY_SECTIONS)
    return blocks


# -- lists ---------------------------------------------------------------------------------------

def pick_list(customers: list[Customer], loc: str) -> str:
    return "\n".join(t(loc, "cust_pick_line", code=c.code, name=escape(clip(c.name, 80))) for c in customers)


def find_blocks(query: str, found: list[Customer], *, limit: int, loc: str) -> tuple[str, list[dict]]:
    """At most `limit` of `found`; a note to refine the words when there are more."""
    if not found:
        text = t(loc, "cust_find_none", query=escape(clip(query, 100)))
        return text, [section(text)]
    shown = found[:limit]
    head = t(loc, "cust_find_head", query=escape(clip(query, 100)), count=f"{limit}+" if len(found) > limit else len(found))
    lines = [t(loc, "cust_list_line", code=c.code, name=escape(clip(c.name, 60)), stage=vocab(loc, "stage", c.stage),
               owner=person(c.owner_id, loc)) for c in shown]
    blocks = lines_sections(head, lines, loc=loc, sections=3)
    if len(found) > limit:
        blocks.append(context_block(t(loc, "cust_find_more", limit=limit)))
    return head.strip("*"), blocks


def mine_blocks(groups: list[StageGroup], loc: str) -> tuple[str, list[dict]]:
    """One section per stage (five at most): the count and the first customers of each."""
    if not groups:
        text = t(loc, "cust_mine_none")
        return text, [section(text)]
    head = t(loc, "cust_mine_head", count=sum(g.count for g in groups))
    blocks = [section(head)]
    for g in groups:
        title = t(loc, "cust_mine_stage", stage=vocab(loc, "stage", g.stage), count=g.count)
        lines = [t(loc, "cust_mine_line", code=c.code, name=escape(clip(c.name, 60)), status=vocab(loc, "status", c.status))
                 for c in g.customers]
        blocks += lines_sections(title, lines, loc=loc, total=g.count)
    return head.strip("*"), blocks
