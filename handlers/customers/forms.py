"""The customer modals (/crm new and the card's Edit): their fields, what a submission says, and
every field checked at once by the store's own checks before anything is written."""
from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import ids
from handlers.blocks import input_block, option, text_input
from handlers.i18n import t
from handlers.payload import option_of, state_values, text_of, user_of
from store.errors import Checker
from store.models import Customer
from store.profile import LINE_FIELDS, NOTES_MAX, ContactDetails, check_phone_email, check_profile, check_tags
from store.privacy import EMAIL_MAX
from store.text import NAME_MAX, clean_line, whole_number
from store.text import require as require_text
from store.vocab import codes

_TAG_SPLIT = re.compile(r"[,，、;；\n]+")
# (field, block, action, limit) of the text inputs, in the form's order.
TEXTS = (("company", ids.CUST_COMPANY_BLOCK, ids.CUST_COMPANY, LINE_FIELDS["company"]),
         ("contact_title", ids.CUST_TITLE_BLOCK, ids.CUST_TITLE, LINE_FIELDS["contact_title"]),
         ("industry", ids.CUST_INDUSTRY_BLOCK, ids.CUST_INDUSTRY, LINE_FIELDS["industry"]),
         ("staff_count", ids.CUST_STAFF_BLOCK, ids.CUST_STAFF, 12),
         ("annual_revenue", ids.CUST_REVENUE_BLOCK, ids.CUST_REVENUE, 24),
         ("region", ids.CUST_REGION_BLOCK, ids.CUST_REGION, LINE_FIELDS["region"]),
         ("cultural_notes", ids.CUST_NOTES_BLOCK, ids.CUST_NOTES, NOTES_MAX))
CHOICES = (("source", ids.CUST_SOURCE_BLOCK, ids.CUST_SOURCE), ("value_tier", ids.CUST_TIER_BLOCK, ids.CUST_TIER),
           ("need_type", ids.CUST_NEED_TYPE_BLOCK, ids.CUST_NEED_TYPE))



def _field(block_id: str, label: str, element: dict, **kw) -> dict:
    """An input block, optional unless said otherwise (most of a customer's fields are)."""
    return input_block(block_id, label, element, **{"optional": True, **kw})

def _select(loc: str, kind: str, action_id: str, initial: str | None) -> dict:
    options = [option(t(loc, f"vocab_{kind}_{code}"), code) for code in codes(kind)]
    element = {"type": "static_select", "action_id": action_id, "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def _users(action_id: str, initial: str | None) -> dict:
    return {"type": "users_select", "action_id": action_id, **({"initial_user": initial} if initial else {})}


def form_blocks(loc: str, v: dict, *, new: bool, owner: bool, contact: bool) -> list[dict]:
    """`v`: initial values by field. `owner`: the owner picker; `contact`: phone and email."""
    blocks = [_field(ids.CUST_NAME_BLOCK, t(loc, "cust_f_name"), text_input(ids.CUST_NAME, limit=NAME_MAX, initial=v.get("name")), optional=False)]
    hints = {"staff_count": "cust_f_staff_hint", "annual_revenue": "cust_f_number_hint"}
    for field, block, action, limit in TEXTS:
        if new and field == "contact_title":  # the key contact: their name, then their title; saved as the first contact
            blocks.append(_field(ids.CUST_CONTACT_BLOCK, t(loc, "cust_f_contact_name"), text_input(ids.CUST_CONTACT, limit=NAME_MAX),
                                 hint=t(loc, "cust_f_contact_name_hint")))
        element = text_input(action, limit=limit, initial=v.get(field), multiline=field == "cultural_notes")
        hint = t(loc, hints[field]) if field in hints else None
        blocks.append(_field(block, t(loc, f"cust_f_{field}"), element, hint=hint))
    for field, block, action in CHOICES:
        blocks.append(_field(block, t(loc, f"cust_f_{field}"), _select(loc, field, action, v.get(field)),
                             optional=not (new and field == "source")))
    if contact:
        blocks.append(_field(ids.CUST_PHONE_BLOCK, t(loc, "cust_f_phone"), text_input(ids.CUST_PHONE, limit=40, initial=v.get("phone")),
                             hint=t(loc, "cust_f_phone_hint")))
        blocks.append(_field(ids.CUST_EMAIL_BLOCK, t(loc, "cust_f_email"), text_input(ids.CUST_EMAIL, limit=EMAIL_MAX, initial=v.get("email"))))
    blocks.append(_field(ids.CUST_TAGS_BLOCK, t(loc, "cust_f_tags"), text_input(ids.CUST_TAGS, limit=1000, initial=v.get("tags")),
                         hint=t(loc, "cust_f_tags_hint")))
    if new:
        blocks.append(_field(ids.CUST_GRADE_BLOCK, t(loc, "cust_f_grade"), _select(loc, "grade", ids.CUST_GRADE, None)))
    if owner:
        blocks.append(_field(ids.CUST_OWNER_BLOCK, t(loc, "cust_f_owner"), _users(ids.CUST_OWNER, v.get("owner")), optional=False,
                             hint=t(loc, "cust_f_owner_hint") if new else None))
    blocks.append(_field(ids.CUST_CS_OWNER_BLOCK, t(loc, "cust_f_cs_owner_id"), _users(ids.CUST_CS_OWNER, v.get("cs_owner_id")),
                         hint=t(loc, "cust_f_cs_owner_hint") if new else None))
    return blocks


@dataclass(frozen=True)
class Form:
    """What was submitted; None for a field whose block the modal did not have."""

    name: str
    profile: dict
    tags: list[str]
    phone: str | None
    email: str | None
    grade: str | None
    owner: str | None
    contact_name: str = ""  # the key contact's name (/crm new only)


def read_form(view: dict) -> Form:
    values = state_values(view)

    def got(block: str, action: str) -> dict | None:
        return (values.get(block) or {}).get(action) if block in values else None

    def text(block: str, action: str) -> str | None:
        state = got(block, action)
        return None if state is None else text_of(state)

    profile: dict = {}
    for field, block, action, _ in TEXTS:
        raw = text(block, action)
        if raw is not None:
            profile[field] = raw
    if "staff_count" in profile:  # digits to a number; anything else left for the store to refuse
        staff = re.sub(r"[\s,，]", "", profile["staff_count"])
        profile["staff_count"] = None if not staff else staff if whole_number(staff) is None else whole_number(staff)
    for field, block, action in CHOICES:
        state = got(block, action)
        if state is not None:
            profile[field] = option_of(state)
    cs = got(ids.CUST_CS_OWNER_BLOCK, ids.CUST_CS_OWNER)
    if cs is not None:
        profile["cs_owner_id"] = user_of(cs)
    owner = got(ids.CUST_OWNER_BLOCK, ids.CUST_OWNER)
    grade = got(ids.CUST_GRADE_BLOCK, ids.CUST_GRADE)
    return Form(name=text(ids.CUST_NAME_BLOCK, ids.CUST_NAME) or "", profile=profile,
                tags=[x for x in (clean_line(p) for p in _TAG_SPLIT.split(text(ids.CUST_TAGS_BLOCK, ids.CUST_TAGS) or "")) if x],
                phone=text(ids.CUST_PHONE_BLOCK, ids.CUST_PHONE), email=text(ids.CUST_EMAIL_BLOCK, ids.CUST_EMAIL),
                grade=option_of(grade or {}), owner=user_of(owner or {}),
                contact_name=clean_line(text(ids.CUST_CONTACT_BLOCK, ids.CUST_CONTACT) or ""))


def check_form(form: Form, *, cipher_ready: bool, owner_error: bool = False) -> None:
    """Every field at once, by the store's own checks, before anything is written."""
    c = Checker()
    c.check(require_text, clean_line(form.name), field="customer", limit=NAME_MAX)
    if form.contact_name:
        c.check(require_text, form.contact_name, field="contact_name", limit=NAME_MAX)
    c.check(check_profile, form.profile)
    c.check(check_tags, {"free": form.tags})
    c.check(check_phone_email, form.phone, form.email)
    if not cipher_ready:
        for field in ("phone", "email"):
            if getattr(form, field):
                c.fail("cust_err_no_key", field=field)
    if owner_error:
        c.fail("cust_err_owner", field="owner")
    c.done()


def initial_values(customer: Customer, tags: list[tuple[str, str]], details: ContactDetails | None) -> dict:
    """The edit modal's starting values: the customer as it is (free tags only; the others are kept)."""
    v = {"name": customer.name, **{f: getattr(customer, f) for f, *_ in (*TEXTS, *CHOICES)},
         "owner": customer.owner_id, "cs_owner_id": customer.cs_owner_id,
         "staff_count": None if customer.staff_count is None else str(customer.staff_count),
         "annual_revenue": None if customer.annual_revenue is None else format(customer.annual_revenue, "f"),
         "tags": ", ".join(name for kind, name in tags if kind == "free")}
    if details is not None:
        v.update(phone=details.phone, email=details.email)
    return v
