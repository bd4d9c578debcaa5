"""Which document the words ask for, built from the store as (title, Markdown): shared by `/crm report`
and `python -m bot report needs|visits|leads|churn` (bot/cli/documents.py)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from handlers.context import Profile
from handlers import showdates as show
from handlers.documents.markdown import churn_md, leads_md, needs_md, visits_md
from store.customers import find_customers, find_exact
from store.documents import churn_data, leads_data, needs_data, quarter_of, visits_data
from store.errors import DomainError
from store.models import Customer, SlackUser
from store.permissions import Viewer, can_read, forbidden

KINDS = {"needs": "needs", "需求": "needs", "visits": "visits", "回访": "visits", "leads": "leads", "线索": "leads",
         "churn": "churn", "流失": "churn"}


def _names(session: Session) -> dict[str, str]:
    return {uid: name for uid, name in session.execute(select(SlackUser.id, SlackUser.name)) if name}


def _customer(session: Session, query: str, viewer: Viewer | None) -> Customer:
    customer = find_exact(session=session, text=query)
    if customer is None and viewer is not None:
        found = find_customers(session=session, words=query, viewer=viewer, limit=2)
        customer = found[0] if len(found) == 1 else None
    if customer is None:
        raise DomainError("doc_err_customer", query=query[:100])
    if viewer is not None and not can_read(viewer, customer):
        raise forbidden(viewer, customer, action="read")
    return customer


def build(session: Session, *, kind: str, rest: str, profile: Profile, viewer: Viewer | None, now: datetime,
          tz: str) -> tuple[str, str]:
    """(title, markdown) of the document; DomainError for what cannot be made (doc_usage, doc_err_*).
    `viewer` None reads everything (the command line)."""
    kind = KINDS.get(kind.casefold(), "")
    if kind in ("needs", "visits"):
        if not rest:
            raise DomainError("doc_usage")
        customer = _customer(session, rest, viewer)
        if kind == "needs":
            return needs_md(needs_data(session=session, customer=customer), profile, now, _names(session))
        return visits_md(customer, visits_data(session=session, customer=customer), profile, now)
    if kind == "leads":
        rows, total = leads_data(session=session, viewer=viewer)
        return leads_md(rows, total, profile, now, _names(session))
    if kind == "churn":
        start, end, _code = quarter_of(rest, tz)
        review, rows = churn_data(session=session, start=start, end=end, viewer=viewer)
        return churn_md(show.quarter(start.date(), profile.locale), review, rows, profile, now, _names(session))
    raise DomainError("doc_usage")
