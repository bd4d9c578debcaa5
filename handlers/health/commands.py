"""`/crm risk [team|all|@rep]`: the yellow and red customers, lowest score first, each with its band,
score, RFM cell and segment and the three reasons that cost it most; the first LISTED and "and K
more". Default scope: a rep's own customers (owned or success-managed), a manager's team, an
admin's everyone; `team`, `@rep` and (admins) `all` choose another. The churn-risk ping's buttons
are in handlers/health/actions.py."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from handlers.blocks import clip, context as context_block, escape, mention, section
from handlers.router import Subcommand
from handlers.context import crm_of, fetch_profile, Profile, viewer_of
from handlers.refs import card_picker
from handlers.health.text import band_text, not_at_risk_line, reasons_text, scored_on, segment_text
from handlers.i18n import t
from store.db import transaction
from store.errors import DomainError
from store.models import Role
from store.permissions import Viewer
from store.risk import RiskList, risk_list

LISTED = 20
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
TEAM, ALL = ("team", "团队", "我的团队"), ("all", "全部", "所有")


@dataclass(frozen=True)
class Scope:
    head: str                     # text key of the list's head
    people: frozenset[str] | None  # whose customers (owned or success-managed); None: everyone's
    user: str = ""


def scope_of(viewer: Viewer, text: str) -> Scope:
    """What `/crm risk <text>` lists for this viewer, or a DomainError saying why not."""
    word = text.strip().casefold()
    me = frozenset({viewer.id})
    admin, manager = viewer.role == Role.admin.value, viewer.role == Role.manager.value
    if not word:
        if admin:
            return Scope("risk_head_all", None)
        return Scope("risk_head_team", me | viewer.reports) if manager else Scope("risk_head_mine", me)
    if word in TEAM:
        if admin or manager:
            return Scope("risk_head_team", me | viewer.reports)
        if viewer.visibility == "own":
            raise DomainError("risk_err_team")
        return Scope("risk_head_team", me | viewer.teammates)
    if word in ALL:
        if not admin:
            raise DomainError("risk_err_all")
        return Scope("risk_head_all", None)
    found = _MENTION.fullmatch(text.strip())
    if found is None:
        raise DomainError("risk_usage")
    user = found.group(1)
    if user == viewer.id:
        return Scope("risk_head_mine", me)
    allowed = (admin or (manager and user in viewer.reports) or viewer.visibility == "all"
               or (viewer.visibility == "team" and user in viewer.teammates))
    if not allowed:
        raise DomainError("risk_err_user", user=mention(user))
    return Scope("risk_head_user", frozenset({user}), user)


def _line(item, profile: Profile, now: datetime, fine=None) -> str:
    """One customer: band, score and the day it was computed, RFM, the reasons stored with that score
    (dates in the reader's zone), and the "not at risk" answer that still holds."""
    loc = profile.locale
    rfm = t(loc, "risk_rfm", cell=item.rfm_cell, segment=segment_text(loc, item.segment)) if item.rfm_cell else "—"
    reasons = reasons_text(loc, item.reasons, profile=profile, sep=t(loc, "risk_sep")) if item.reasons else t(loc, "risk_why_none")
    text = t(loc, "risk_list_line", band=band_text(loc, item.band), score=item.score, rfm=rfm, reasons=reasons,
             on=scored_on(item.at, profile), customer=t(loc, "lc_customer_ref", name=escape(clip(item.name, 80)), code=item.code))
    answered = not_at_risk_line(fine, profile)
    return f"{text}\n{answered}" if answered else text


def list_blocks(found: RiskList, scope: Scope, profile: Profile, now: datetime) -> tuple[str, list[dict]]:
    """At most LISTED + 3 blocks: the head, one section a customer, "and K more", and the select that
    opens a listed customer's card (handlers/customers/links.py)."""
    loc = profile.locale
    head = t(loc, scope.head, count=found.total, **({"user": mention(scope.user)} if scope.user else {}))
    if not found.total:
        text = f"{head}\n{t(loc, 'risk_list_none')}"
        return text, [section(text)]
    blocks = [section(head), *(section(_line(item, profile, now, found.not_at_risk.get(item.customer_id)))
                               for item in found.items)]
    if found.total > len(found.items):
        blocks.append(context_block(t(loc, "risk_list_more", count=found.total - len(found.items))))
    blocks.append(card_picker([(item.customer_id, item.name, item.code) for item in found.items], loc))
    return head, blocks


def run_risk(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    now = crm.defaults.clock()
    profile = fetch_profile(client=client, db=crm.db, user_id=crm.who.user_id, defaults=crm.defaults, now=now)
    try:
        with transaction(crm.db) as session:
            scope = scope_of(viewer_of(session, context), text)
            found = risk_list(session=session, people=scope.people, limit=LISTED)
    except DomainError as e:
        respond(response_type="ephemeral", text=t(profile.locale, e.key, **e.params))
        return
    summary, blocks = list_blocks(found, scope, profile, now)
    respond(response_type="ephemeral", text=summary, blocks=blocks)


SUBCOMMANDS = (Subcommand("risk", ("风险",), run_risk, "help_risk"),)
