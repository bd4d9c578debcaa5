"""Behaviour tags that write themselves (the intelligent CRM template's 行为标签): every rule in
this one module, each with its label and its reason; computed from the interaction record in SQL.

    code              label (zh-CN / en)                              carried while
    no_reply_3        未响应近3次跟进 / no reply to the last 3 follow-ups  the customer's latest 3 interactions
                                                                       (by day, then as logged) each have the
                                                                       outcome "no answer" or "no reply"
    online_meeting    参与过线上会议 / joined an online meeting         an interaction by online meeting whose
                                                                       outcome is not "no answer"/"no reply"
    long_cycle        决策周期长 / long decision cycle                 nurturing for more than
                                                                       CRM_LONG_CYCLE_DAYS days (default 90)
    frequent_contact  高频互动 / frequent contact                      at least 4 interactions within the last
                                                                       30 days (about one a week)

An interaction without an outcome (one logged before outcomes existed, or left blank) breaks a run
of no-replies: we do not know it went unanswered. A person may remove a computed tag: its row stays
with `removed_at` set and no rule puts it back (store/tag_models.py). Recomputation runs on the
scheduler (store/tag_jobs.py): nightly for everyone, and on each tick for the customers touched.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, delete, func, or_
from sqlmodel import Session, select

from store import audit
from store.errors import DomainError
from store.models import Customer, Interaction, Stage, Way
from store.permissions import Viewer, can_edit, require
from store.tag_models import ComputedTag
from store.text import normalise_name

OUTCOMES = ("reached", "no_answer", "replied", "no_reply")
SILENT = ("no_answer", "no_reply")   # the outcomes that count as "no reply"
NO_REPLY_RUN = 3
CHUNK = 500                          # customer ids per IN list


@dataclass(frozen=True)
class TagRules:
    """The numbers the rules use; long_cycle_days comes from CRM_LONG_CYCLE_DAYS (bot/settings.py)."""

    long_cycle_days: int = 90        # nurturing longer than this is a long decision cycle
    frequent_count: int = 4          # this many interactions ...
    frequent_days: int = 30          # ... within this many days (today included) is frequent contact


@dataclass(frozen=True)
class Rule:
    code: str
    label: tuple[str, str]           # (zh-CN, en)
    why: tuple[str, str]             # the reason, (zh-CN, en), formatted with TagRules' fields
    reason: str                      # why the template wants it, for the reader of this module
    ids: Callable[..., object]       # (rules, now, today, scope) -> a select of the customer ids carrying it


def _in(stmt, column, scope: list[int] | None):
    return stmt if scope is None else stmt.where(column.in_(scope))


def _no_reply(rules: TagRules, now: datetime, today: date, scope: list[int] | None):
    ranked = _in(select(Interaction.customer_id.label("cid"), Interaction.outcome.label("outcome"),
                        func.row_number().over(partition_by=Interaction.customer_id,
                                               order_by=(Interaction.occurred_on.desc(), Interaction.id.desc())).label("rn")),
                 Interaction.customer_id, scope).subquery()
    silent = func.sum(case((ranked.c.outcome.in_(SILENT), 1), else_=0))
    return (select(ranked.c.cid).where(ranked.c.rn <= NO_REPLY_RUN).group_by(ranked.c.cid)
            .having(func.count() == NO_REPLY_RUN, silent == NO_REPLY_RUN))


def _online(rules: TagRules, now: datetime, today: date, scope: list[int] | None):
    return _in(select(Interaction.customer_id).where(Interaction.way == Way.online_meeting.value,
                                                     or_(Interaction.outcome.is_(None), Interaction.outcome.not_in(SILENT))),
               Interaction.customer_id, scope).distinct()


def _long_cycle(rules: TagRules, now: datetime, today: date, scope: list[int] | None):
    since = func.coalesce(Customer.stage_changed_at, Customer.created_at)
    return _in(select(Customer.id).where(Customer.stage == Stage.nurturing.value, since < now - timedelta(days=rules.long_cycle_days)),
               Customer.id, scope)


def _frequent(rules: TagRules, now: datetime, today: date, scope: list[int] | None):
    first = today - timedelta(days=rules.frequent_days - 1)
    return (_in(select(Interaction.customer_id).where(Interaction.occurred_on >= first, Interaction.occurred_on <= today),
                Interaction.customer_id, scope)
            .group_by(Interaction.customer_id).having(func.count() >= rules.frequent_count))


RULES: tuple[Rule, ...] = (
    Rule("no_reply_3", ("未响应近3次跟进", "no reply to the last 3 follow-ups"),
         ("最近 3 次跟进都是“未接通”或“未回复”", "the latest 3 follow-ups were all “no answer” or “no reply”"),
         "three silent follow-ups in a row: change the channel or the contact before a fourth", _no_reply),
    Rule("online_meeting", ("参与过线上会议", "joined an online meeting"),
         ("有一次线上会议互动，对方参加了", "an online meeting they took part in"),
         "a customer who joins online meetings can be demoed and reviewed remotely", _online),
    Rule("long_cycle", ("决策周期长", "long decision cycle"),
         ("培育期超过 {long_cycle_days} 天", "nurturing for more than {long_cycle_days} days"),
         "a long evaluation needs a mapped decision chain and a paced nurturing plan", _long_cycle),
    Rule("frequent_contact", ("高频互动", "frequent contact"),
         ("近 {frequent_days} 天互动不少于 {frequent_count} 次", "at least {frequent_count} interactions in the last {frequent_days} days"),
         "a customer in frequent contact is engaged: the moment to advance the deal", _frequent),
)
BY_CODE = {r.code: r for r in RULES}


def label(code: str, locale: str) -> str:
    zh, en = BY_CODE[code].label
    return zh if (locale or "").lower().startswith("zh") else en


def why(code: str, locale: str, rules: TagRules) -> str:
    zh, en = BY_CODE[code].why
    text = zh if (locale or "").lower().startswith("zh") else en
    return text.format(**rules.__dict__)


def tag_code(text: str) -> str | None:
    """A tag named by its code or its whole label in either language (case and width aside), else None."""
    key = normalise_name(text)
    return next((r.code for r in RULES if key and (key == r.code or key in (normalise_name(x) for x in r.label))), None)


def codes_matching(word: str) -> list[str]:
    """Tags whose zh-CN or en label holds the (normalised) word: what /crm find matches them by."""
    key = normalise_name(word)
    return [r.code for r in RULES if key and any(key in normalise_name(x) for x in r.label)]


def active_codes(*, session: Session, customer_id: int) -> list[str]:
    """The customer's computed tags a person has not removed, in the rules' order."""
    rows = set(session.exec(select(ComputedTag.code).where(ComputedTag.customer_id == customer_id,
                                                           ComputedTag.removed_at.is_(None))).all())
    return [r.code for r in RULES if r.code in rows]


@dataclass(frozen=True)
class TagReport:
    customers: int = 0   # customers looked at (for everyone: those a rule gives a tag or that had one)
    added: int = 0
    dropped: int = 0


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def recompute(*, session: Session, now: datetime, today: date, rules: TagRules,
              customer_ids: Iterable[int] | None = None) -> TagReport:
    """Bring the computed tags of these customers (None: everyone) in line with the rules: add what a
    rule now gives, drop what none gives any more; rows a person removed are left as they are."""
    scopes: list[list[int] | None] = [None] if customer_ids is None else list(_chunks(sorted(set(customer_ids))))
    added = dropped = looked = 0
    for scope in scopes:
        wanted: set[tuple[int, str]] = set()
        for rule in RULES:
            wanted |= {(cid, rule.code) for cid in session.execute(rule.ids(rules, now, today, scope)).scalars()}
        have_stmt = select(ComputedTag.customer_id, ComputedTag.code, ComputedTag.removed_at)
        if scope is not None:
            have_stmt = have_stmt.where(ComputedTag.customer_id.in_(scope))
        have = {(cid, code): removed for cid, code, removed in session.execute(have_stmt)}
        for cid, code in sorted(wanted - have.keys()):
            session.add(ComputedTag(customer_id=cid, code=code, since=now))
            added += 1
        gone = [key for key, removed in have.items() if removed is None and key not in wanted]
        for cid, code in gone:
            session.execute(delete(ComputedTag).where(ComputedTag.customer_id == cid, ComputedTag.code == code))
        dropped += len(gone)
        looked += len(scope) if scope is not None else len({cid for cid, _ in wanted | have.keys()})
    session.flush()
    return TagReport(customers=looked, added=added, dropped=dropped)


def _person_tag(session: Session, viewer: Viewer, customer_id: int, code: str, *, removed: bool,
                error: str) -> tuple[Customer, ComputedTag]:
    """The customer and its computed tag `code` for a person who may edit it, the tag locked; `error`
    unless the tag is there and removed (`removed`) or carried (not `removed`)."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise DomainError("err_unknown_customer", field="customer")
    require(can_edit(viewer, customer), viewer=viewer, customer=customer, action="edit")
    row = session.exec(select(ComputedTag).where(ComputedTag.customer_id == customer_id, ComputedTag.code == code)
                       .with_for_update()).first()
    if code not in BY_CODE or row is None or (row.removed_at is not None) != removed:
        raise DomainError(error, field="tags")
    return customer, row


def remove_tag(*, session: Session, viewer: Viewer, customer_id: int, code: str, now: datetime) -> Customer:
    """A person takes a computed tag off; it stays off (the rules skip removed rows). Audited."""
    customer, row = _person_tag(session, viewer, customer_id, code, removed=False, error="err_tag_not_on")
    row.removed_at, row.removed_by = now, viewer.id
    session.add(row)
    audit.record(session, at=now, by=viewer.id, customer_id=customer_id, field="behaviour_tag", old=code, new=None)
    session.flush()
    return customer


def restore_tag(*, session: Session, viewer: Viewer, customer_id: int, code: str, now: datetime) -> Customer:
    """A person puts back a computed tag they (or a colleague) removed: it is carried again at once,
    and the rules keep it current from then on (the next pass drops it if no rule gives it). Audited."""
    customer, row = _person_tag(session, viewer, customer_id, code, removed=True, error="err_tag_not_removed")
    row.removed_at, row.removed_by = None, None
    session.add(row)
    audit.record(session, at=now, by=viewer.id, customer_id=customer_id, field="behaviour_tag", old=None, new=code)
    session.flush()
    return customer


@dataclass(frozen=True)
class RemovedTag:
    code: str
    at: datetime
    by: str | None


def removed_tags(*, session: Session, customer_id: int) -> list[RemovedTag]:
    """The customer's computed tags a person removed (they stay off until restored), in the rules' order."""
    rows = {code: (at, by) for code, at, by in session.exec(
        select(ComputedTag.code, ComputedTag.removed_at, ComputedTag.removed_by)
        .where(ComputedTag.customer_id == customer_id, ComputedTag.removed_at.is_not(None))).all()}
    return [RemovedTag(r.code, *rows[r.code]) for r in RULES if r.code in rows]
