"""The figures as Slack blocks: `headline_blocks` (the team's headline figures against the last
period, for App Home and digests) and `report_blocks` (the whole report of /crm stats and the
channel digests: headline figures, a line per rep, and the lists — stale customers, deals that
moved, SLA breaches, detractors, customers at risk).

A report opens with the three figures that missed their target or moved most (`glance_block`).
Every list shows its first items and "and K more" (K from the store's total); customers are
named with their code, and beside each list an "Open a customer's card" select of the customers
it names (handlers/customers/links.py). An empty list is not shown: one line names them all
("No SLA breaches, no detractors."). However
large the data, a report stays within `max_blocks` blocks and 3000 characters a section.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers.blocks import clip, context as context_block, escape, fmt_date, mention, section
from handlers.refs import card_select
from handlers.context import Profile
from handlers.blocks import lines_sections, vocab
from handlers.stats.text import Row, figure_rows, highlights, line, number, worth_a_line
from handlers.words import period_label, person
from handlers.i18n import t
from handlers.numbers import money, signed_percent
from store.figures import (Figures, Period, RepLine, Scope, Targets, deals_moved, detractors, figures, per_rep, rep_misses_late,
                           sla_breaches, stale_customers)
from store.customers import codes_of
from store.aov import aov_growth
from store.receivables import receivables, renewals
from store.grading import Cadence
from store.health import RED, YELLOW
from store.health_watch import at_risk
from store.risk import at_risk_count
from store.sla import Calendar
from store.users import all_user_ids

SECTIONS = ("activity", "funnel", "deals", "service")
SHOWN = 10            # items of each list
HEADER_MAX = 150
FALLBACK_MAX = 3000
BAND_ICON = {RED: "🔴", YELLOW: "🟡"}


def headline_blocks(f: Figures, locale: str, *, targets: Targets | None = None) -> list[dict]:
    """At most 5 blocks: one section per group of figures that has any (a figure known neither this
    period nor the last is left out), then the previous period and what misses its target. With
    `targets` each missed figure names its target, else it is only marked."""
    rows = [r for r in figure_rows(f, locale, targets) if r.lines != "csv" and worth_a_line(r)]
    blocks = []
    for name in SECTIONS:
        lines = [line(r, locale) for r in rows if r.section == name]
        if lines:  # a group with no figure this period nor the last says nothing
            blocks.append(section("\n".join([t(locale, f"fig_sec_{name}"), *lines])))
    about = [t(locale, "fig_compared", period=period_label(f.previous_period, locale))]
    if f.misses:
        names = t(locale, "fig_list_sep").join(r.label for r in rows if r.key in f.misses)
        about.append(t(locale, "fig_misses", names=names))
    blocks.append(context_block(" · ".join(about)))
    return blocks


def glance_block(f: Figures, locale: str, *, targets: Targets | None = None) -> dict:
    """The three figures that missed their target or moved most, first in a report."""
    rows = highlights(figure_rows(f, locale, targets))
    if not rows:
        return section(f"{t(locale, 'fig_glance')}\n{t(locale, 'fig_glance_none')}")
    return section("\n".join([t(locale, "fig_glance"), *(line(r, locale) for r in rows)]))


def headline_text(f: Figures, locale: str, *, targets: Targets | None = None) -> str:
    """A few words for notifications: leads, interactions, completion, and what misses its target."""
    rows = {r.key: r for r in figure_rows(f, locale, targets) if worth_a_line(r)}
    words = [line(rows[k], locale).lstrip("• ").replace("*", "") for k in ("new_leads", "interactions", "completion_rate")
             if k in rows]
    if f.misses:
        words.append(t(locale, "fig_misses", names=t(locale, "fig_list_sep").join(rows[k].label for k in f.misses)))
    return "\n".join(words)


# -- the whole report -----------------------------------------------------------------------------

def scope_reps(session: Session, scope: Scope) -> list[str]:
    """Whose lines a report has: the rep, the manager's reports, or every known user."""
    ids = scope.owner_ids(session)
    if ids is None:
        return all_user_ids(session=session)
    return sorted(ids)


def _name(text: str, limit: int = 60) -> str:
    return escape(clip(text, limit))


Named = list[tuple[int, str, str]]  # (customer id, name, code)


def _list(title_key: str, lines: list[str], total: int, loc: str, named: Named) -> dict | None:
    """The list's section, its customers in a select beside it that opens their cards; None when empty."""
    if not total:
        return None
    block = lines_sections(t(loc, title_key, count=total), lines, loc=loc, total=total)[0]
    picker = card_select(named, loc)
    return {**block, "accessory": picker} if picker else block


def _nothing_block(keys: list[str], loc: str) -> dict | None:
    """One line for every empty list: "No SLA breaches, no detractors." """
    if not keys:
        return None
    words = t(loc, "fig_list_sep_none").join(t(loc, f"fig_none_{k}") for k in keys)
    return context_block(t(loc, "fig_lists_empty", items=words[:1].upper() + words[1:]))


def late_miss(r: RepLine, loc: str, targets: Targets | None) -> str:
    """ ⚠️ target ≤ 10% after a rep's logged-late count when their share misses it."""
    if targets is None or not rep_misses_late(r, targets):
        return ""
    return t(loc, "fig_miss_target", target=f"≤ {number(targets.logged_late_max)}%")


def _rep_section(session, period, scope, now, loc, targets: Targets | None = None) -> dict | None:
    reps = per_rep(session=session, period=period, owner_ids=scope_reps(session, scope), now=now)
    if scope.kind == "everyone":  # every known user: only those with something to show
        reps = [r for r in reps if r.logged or r.overdue_now or r.due]
    if not reps:
        return None
    lines = [t(loc, "fig_rep_line", rep=mention(r.owner_id), logged=r.logged, logged_late=r.logged_late,
               late_miss=late_miss(r, loc, targets), overdue=r.overdue_now, on_time=r.done_on_time, due=r.due, late=r.done_late)
             for r in reps]
    return lines_sections(t(loc, "fig_sec_reps"), lines, loc=loc)[0]


def _list_sections(session, period, scope, now, profile: Profile, calendar: Calendar, cadence: Cadence,
                   owner_ids) -> list[dict]:
    """The lists that have items, each with a select of its customers; then one line naming the empty ones."""
    loc = profile.locale
    stale = stale_customers(session=session, scope=scope, now=now, cadence=cadence, limit=SHOWN)
    moved = deals_moved(session=session, period=period, scope=scope, limit=SHOWN)
    breaches = sla_breaches(session=session, period=period, scope=scope, now=now, calendar=calendar, limit=SHOWN)
    low = detractors(session=session, period=period, scope=scope, limit=SHOWN)
    risky = at_risk(session=session, scope_owner_ids=owner_ids, limit=SHOWN)
    codes = codes_of(session=session, customer_ids={m.customer_id for m in moved.items} | {b.customer_id for b in breaches.items}
                   | {d.customer_id for d in low.items})
    stale_lines = [t(loc, "fig_stale_line", name=_name(c.name), code=c.code,
                     grade=vocab(loc, "grade", c.grade) if c.grade else t(loc, "cust_ungraded"), owner=person(c.owner_id, loc),
                     since=fmt_date(c.untouched_since.astimezone(profile.zone).date(), profile),
                     count=(now - c.untouched_since).days) for c in stale.items]
    moved_lines = [t(loc, "fig_deal_line", title=_name(m.title), customer=_name(m.customer_name), code=codes.get(m.customer_id, ""),
                     change=(f"{vocab(loc, 'deal_stage', m.from_stage)} → " if m.from_stage else t(loc, "fig_deal_new"))
                     + vocab(loc, "deal_stage", m.to_stage),
                     amount=money(m.amount, m.currency, loc), owner=person(m.owner_id, loc)) for m in moved.items]
    breach_lines = [t(loc, "fig_breach_line", ticket=b.code, priority=b.priority, customer=_name(b.customer_name),
                      code=codes.get(b.customer_id, ""),
                      clocks=t(loc, "fig_list_sep").join(t(loc, f"fig_breach_{name}") for name, missed in
                                                         (("response", b.response_missed), ("resolution", b.resolution_missed))
                                                         if missed),
                      assignee=person(b.assignee_id, loc)) for b in breaches.items]
    low_lines = [t(loc, "fig_detractor_line", customer=_name(d.customer_name), code=codes.get(d.customer_id, ""), score=d.score,
                   comment=t(loc, "fig_quote", text=_name(d.comment, 120)) if d.comment else "", owner=person(d.owner_id, loc))
                 for d in low.items]
    risk_lines = [t(loc, "fig_risk_line", band=BAND_ICON.get(r.band, ""), customer=_name(r.name), code=r.code, score=r.score,
                    owner=person(r.owner_id, loc)) for r in risky]
    risk_total = at_risk_count(session=session, owner_ids=owner_ids) if len(risky) >= SHOWN else len(risky)
    lists = [("stale", stale_lines, stale.total, [(c.customer_id, c.name, c.code) for c in stale.items]),
             ("moved", moved_lines, moved.total, [(m.customer_id, m.customer_name, codes.get(m.customer_id, "")) for m in moved.items]),
             ("breaches", breach_lines, breaches.total,
              [(b.customer_id, b.customer_name, codes.get(b.customer_id, "")) for b in breaches.items]),
             ("detractors", low_lines, low.total, [(d.customer_id, d.customer_name, codes.get(d.customer_id, "")) for d in low.items]),
             ("at_risk", risk_lines, risk_total, [(r.customer_id, r.name, r.code) for r in risky])]
    blocks = [_list(f"fig_sec_{key}", lines, total, loc, named) for key, lines, total, named in lists]
    nothing = _nothing_block([key for key, _, total, _ in lists if not total], loc)
    return [b for b in blocks if b is not None] + ([nothing] if nothing else [])


def _receivable_words(r, currency: str, loc: str) -> dict:
    return {"due": money(r.due.amount, currency, loc), "due_count": r.due.count, "collected": money(r.collected.amount, currency, loc),
            "collected_count": r.collected.count, "overdue": money(r.overdue.amount, currency, loc), "overdue_count": r.overdue.count}


def receivables_section(session: Session, period: Period, scope: Scope, now: datetime, loc: str, owner_ids) -> dict | None:
    """Due this period, collected, overdue now, per currency; then per rep for a team or everyone.
    None when nothing was due, collected or overdue (the report leaves out a section with nothing in it)."""
    found = receivables(session=session, period=period, owner_ids=owner_ids, now=now)
    if not found.total:
        return None
    lines = [t(loc, "rcv_line", **_receivable_words(r, c, loc)) for c, r in found.total.items()]
    if scope.kind != "rep":
        lines += [t(loc, "rcv_rep_line", rep=mention(owner), **_receivable_words(r, c, loc))
                  for owner, by_currency in found.per_rep.items() for c, r in by_currency.items()]
    return lines_sections(t(loc, "rcv_sec"), lines, loc=loc)[0]


def renewals_section(session: Session, month: Period, loc: str, tz: str, owner_ids) -> dict | None:
    """The won deals renewing in `month` (the managers' digest); None when none does."""
    profile = Profile(user_id="", tz=tz, locale=loc)
    rows, total = renewals(session=session, period=month, owner_ids=owner_ids, limit=SHOWN)
    if not total:
        return None
    lines = [t(loc, "rcv_renewal_line", customer=_name(r.customer_name), code=r.customer_code, title=_name(r.title),
               amount=money(r.amount, r.currency, loc), day=fmt_date(r.renewal_on, profile), owner=person(r.owner_id, loc))
             for r in rows]
    return _list_titled(t(loc, "rcv_renewals_sec", month=period_label(month, loc), count=total), lines, total, loc)


def _growth(value, loc: str) -> str:
    return "—" if value is None else signed_percent(value, loc)


def aov_section(session: Session, period: Period, scope: Scope, loc: str, owner_ids, targets: Targets) -> dict | None:
    """Average order value, this year against the year before, and its growth: per tier (high ones
    against CRM_TARGETS' aov_growth_high), then per rep for a team or everyone."""
    found = aov_growth(session=session, end=period.end, owner_ids=owner_ids)
    minimum = targets.aov_growth_high_min

    def line(who: str, currency: str, a, target: float | None) -> str:
        miss = t(loc, "aov_miss", target=f"{target:g}") if target is not None and a.below(target) else ""
        if a.previous is None and a.value is not None:  # a first year: no comparison to draw, so no dashes
            return t(loc, "aov_line_first", who=who, value=money(a.value, currency, loc))
        return t(loc, "aov_line", who=who, value=money(a.value, currency, loc) if a.value is not None else "—",
                 previous=money(a.previous, currency, loc) if a.previous is not None else "—", growth=_growth(a.growth, loc), miss=miss)

    lines = [line(vocab(loc, "value_tier", tier) if tier != "none" else t(loc, "aov_tier_none"), currency, a,
                  minimum if tier == "high" else None) for (tier, currency), a in found.by_tier.items()]
    if scope.kind != "rep":
        lines += [line(mention(owner), currency, a, None) for (owner, currency), a in found.by_rep.items()]
    return lines_sections(t(loc, "aov_sec"), lines, loc=loc)[0] if lines else None


def _list_titled(title: str, lines: list[str], total: int, loc: str) -> dict:
    if not total:
        return section(f"{title}\n{t(loc, 'fig_list_none')}")
    return lines_sections(title, lines, loc=loc, total=total)[0]


def report_blocks(*, session: Session, period: Period, scope: Scope, now: datetime, locale: str, tz: str, targets: Targets,
                  calendar: Calendar, title: str, max_blocks: int = 50, cadence: Cadence = Cadence(),
                  renewals_month: Period | None = None) -> tuple[str, list[dict]]:
    """The whole report as (plain-text fallback of at most 3000 characters, at most `max_blocks` blocks);
    with `renewals_month` (the managers' digest) the won deals renewing in that month too."""
    profile = Profile(user_id="", tz=tz, locale=locale)
    f = figures(session=session, period=period, scope=scope, now=now, targets=targets, calendar=calendar)
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": clip(title, HEADER_MAX) or " ", "emoji": True}},
              context_block(t(locale, "fig_period", period=period_label(period, locale)))]
    blocks.append(glance_block(f, locale, targets=targets))
    blocks += headline_blocks(f, locale, targets=targets)
    reps = _rep_section(session, period, scope, now, locale, targets)
    if reps is not None:
        blocks.append(reps)
    blocks += _list_sections(session, period, scope, now, profile, calendar, cadence, f.owner_ids)
    money = [receivables_section(session, period, scope, now, locale, f.owner_ids),
             aov_section(session, period, scope, locale, f.owner_ids, targets),
             renewals_section(session, renewals_month, locale, tz, f.owner_ids) if renewals_month is not None else None]
    blocks += [b for b in money if b is not None]  # a section with nothing in it is left out
    if len(blocks) > max_blocks:
        blocks = blocks[:max(max_blocks - 1, 0)] + [context_block(t(locale, "fig_truncated"))]
    blocks = blocks[:max_blocks]
    fallback = clip(f"{title}\n{headline_text(f, locale, targets=targets)}", FALLBACK_MAX)
    return fallback, blocks


__all__ = ["Row", "headline_blocks", "headline_text", "report_blocks", "scope_reps"]
