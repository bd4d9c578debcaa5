"""A customer's changes in words: an audit entry ("stage: Lead → Nurturing"), a stored reason, and
the History view (stage changes and the audit log, newest first). The card's latest changes
(cards.py) use the same lines."""
from __future__ import annotations

import re

from handlers.blocks import clip, escape, fmt_datetime, lines_sections, section, vocab
from handlers.context import Profile
from handlers.i18n import CATALOG, t
from handlers.words import person
from store.crm_models import AuditEntry, StageChange
from store.models import Customer
from store.vocab import codes

HISTORY_SECTIONS = 6   # per part of the history (stage changes, audit log)
CHOICES = {"source": "source", "value_tier": "value_tier", "need_type": "need_type"}

# Audited fields of the other entities, by the label their form gives them.
ENTITY_LABELS = {
    "deal": {"title": "lc_f_deal_title", "amount": "lc_f_deal_amount", "currency": "lc_f_deal_currency", "stage": "lc_f_deal_stage",
             "expected_close_on": "lc_f_deal_close", "contract_no": "lc_f_contract", "signed_on": "lc_f_signed_on",
             "payment_terms": "lc_f_payment_terms", "service_start": "lc_f_service_start", "service_end": "lc_f_service_end",
             "renewal_on": "lc_f_renewal", "lost_reason": "lc_f_lost_reason"},
    "need": {"kind": "lc_f_need_kind", "description": "lc_f_need_description", "priority": "lc_f_priority", "status": "lc_f_need_status"},
    "contact": {"name": "lc_f_contact_name", "title": "lc_f_contact_title", "role": "lc_f_contact_role", "phone": "lc_f_phone",
                "email": "lc_f_email"},
    "customer": {f"bant_{part}": f"lc_bant_{part}" for part in ("budget", "authority", "need", "timeline")},
}

def field_label(field: str, loc: str, entity: str = "customer") -> str:
    """An audited field's name: its entity's form label, the customer form's, or the catalog's."""
    received = _INSTALMENT_RECEIVED.fullmatch(field)
    if received:  # store/payments.record_receipt: instalment_<seq>_received
        return t(loc, "cust_field_instalment_received", seq=int(received[1]))
    keys = (ENTITY_LABELS.get(entity, {}).get(field), f"cust_field_{field}", f"cust_f_{field}")
    key = next((k for k in keys if k and k in CATALOG), None)
    return t(loc, key) if key else escape(field)


_INSTALMENT_RECEIVED = re.compile(r"instalment_(\d+)_received")

# Audited values shown through a vocabulary: (entity, field) -> kind.
VALUE_VOCAB = {("customer", "stage"): "stage", ("customer", "status"): "status", ("customer", "grade"): "grade",
               ("customer", "grade_source"): "grade_source",
               **{("customer", f"bant_{part}"): "bant_level" for part in ("budget", "authority", "need", "timeline")},
               **{("customer", f): k for f, k in CHOICES.items()}, ("deal", "stage"): "deal_stage",
               ("need", "status"): "need_status", ("need", "priority"): "priority", ("need", "kind"): "need_kind",
               ("contact", "role"): "decision_role"}
# Fields whose change has a reason kept beside it (stage_change, contact_change).
REASONED = frozenset({"stage", "status", "title", "role"})
# What a "created" entry's text ends with, for entities whose text ends with a code: the kind.
CREATED_TAIL = {"deal": "deal_stage", "contact": "decision_role"}

def _tags_text(stored: str, loc: str) -> str:
    """The log's "kind:name, kind:name" (store/profile.py) as names, a kind other than free beside its name."""
    out = []
    for piece in stored.split(", "):
        kind, sep, name = piece.partition(":")
        if not sep or kind not in codes("tag_kind"):
            out.append(escape(clip(piece, 60)))
        elif kind == "free":
            out.append(escape(clip(name, 60)))
        else:
            out.append(t(loc, "cust_tag_with_kind", name=escape(clip(name, 60)), kind=vocab(loc, "tag_kind", kind)))
    return t(loc, "cust_list_sep").join(out)

def _created_text(entry: AuditEntry, loc: str) -> str:
    """The created entry's words, its last word (a deal's stage, a contact's role) through the vocabulary."""
    words = entry.new or ""
    kind = CREATED_TAIL.get(entry.entity)
    head, _, tail = words.rpartition(" ")
    if kind and tail in codes(kind):
        return f"{escape(clip(head, 120))} {vocab(loc, kind, tail)}".strip()
    return escape(clip(words, 120))

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
        if (entry.entity, entry.field) == ("customer", "tags"):
            return _tags_text(v, loc)
        return escape(clip(v, 120))

    if entry.field == "created":
        return t(loc, "cust_audit_created", new=" ".join(x for x in (entity, _created_text(entry, loc)) if x))
    name = field_label(entry.field, loc, entry.entity)
    return t(loc, "cust_audit_change", field=f"{entity} · {name}" if entity else name, old=value(entry.old), new=value(entry.new))

def change_line(entry: AuditEntry, profile: Profile, reason: str = "") -> str:
    what = change_text(entry, profile.locale)
    if reason:
        what += t(profile.locale, "cust_reason", reason=reason_words(reason, profile.locale))
    return t(profile.locale, "cust_change_line", time=fmt_datetime(entry.at, profile), user=person(entry.by, profile.locale),
             what=what)


# -- the History view ---------------------------------------------------------------------------------

DEAL_WON = "deal won: "  # store/deals.py's reason for the move a won deal makes

def reason_words(reason: str, loc: str) -> str:
    """A stored reason for a reader: the rules' markers ("created", "imported", "winback", "deal won: …")
    in their words, what a person typed as typed (escaped)."""
    if f"cust_reason_{reason}" in CATALOG:
        return t(loc, f"cust_reason_{reason}")
    if reason.startswith(DEAL_WON):
        return t(loc, "cust_reason_deal_won", deal=escape(clip(reason[len(DEAL_WON):], 200)))
    return escape(clip(reason, 200))

def _reason(change: StageChange, loc: str) -> str:
    """Why the stage changed, in the reader's words."""
    if not change.reason:
        return ""
    if change.to_stage == "churned" and f"winback_reason_{change.reason}" in CATALOG:  # a churn's reason code
        words = t(loc, f"winback_reason_{change.reason}")
    else:
        words = reason_words(change.reason, loc)
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
        blocks += lines_sections(t(loc, "cust_sec_audit"), [change_line(e, profile) for e in entries], loc=loc,
                                 sections=HISTORY_SECTIONS)
    return blocks
