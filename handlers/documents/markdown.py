"""The four documents as Markdown (a Slack canvas takes it as is; the CLI writes it to a file), in the
reader's language. A cell's text is kept on one line and Markdown's punctuation in it escaped (pipes, brackets,
emphasis, backticks, angle brackets), so a table stays a table and a typed "[x](url)" stays text."""
from __future__ import annotations

import re
from datetime import datetime

from handlers.blocks import fmt_date, fmt_datetime, vocab
from handlers.context import Profile
from handlers.i18n import t
from handlers.numbers import money, percent
from handlers.words import action_text
from store.documents import ChurnRow, LeadRow, NeedsData
from store.models import Customer, Interaction
from store.winback import WinbackReview

CELL_MAX = 300
_MARKUP = re.compile(r"[\\|\[\]*_`<>~]")


def cell(text: object) -> str:
    value = " ".join(str(text if text is not None else "").split())
    if len(value) > CELL_MAX:   # clipped before escaping, so no escape is cut in half
        value = value[:CELL_MAX - 1] + "…"
    return _MARKUP.sub(lambda m: "\\" + m.group(0), value) or "—"   # typed text stays text: no links, emphasis, HTML or pipes


def table(loc: str, columns: list[str], rows: list[list[object]]) -> list[str]:
    if not rows:
        return [t(loc, "doc_none")]
    head = "| " + " | ".join(t(loc, f"doc_col_{c}") for c in columns) + " |"
    return [head, "|" + "---|" * len(columns), *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)]


def _head(title: str, profile: Profile, now: datetime) -> list[str]:
    return [f"# {cell(title)}", "", f"> {t(profile.locale, 'doc_generated', time=fmt_datetime(now, profile))}", ""]


def _name(names: dict[str, str], user_id: str | None) -> str:
    return names.get(user_id or "", user_id or "—")


def _outcome(loc: str, code: str | None) -> str:
    return t(loc, f"outcome_{code}") if code else "—"


def _interactions(loc: str, rows: list[Interaction], profile: Profile) -> list[str]:
    return table(loc, ["date", "way", "outcome", "summary", "feedback"],
                 [[fmt_date(i.occurred_on, profile), t(loc, f"way_{i.way}"), _outcome(loc, i.outcome), i.summary, i.feedback]
                  for i in rows])


def needs_md(d: NeedsData, profile: Profile, now: datetime, names: dict[str, str]) -> tuple[str, str]:
    loc, c = profile.locale, d.customer
    title = t(loc, "doc_title_needs", customer=c.name)
    profile_rows = [["code", c.code], ["company", c.company], ["stage", f"{vocab(loc, 'stage', c.stage)} · {vocab(loc, 'status', c.status)}"],
                    ["grade", vocab(loc, "grade", c.grade) if c.grade else "—"], ["owner", _name(names, c.owner_id)],
                    ["source", vocab(loc, "source", c.source) if c.source else "—"]]
    lines = _head(title, profile, now) + [f"## {t(loc, 'doc_sec_profile')}", "",
                                          *table(loc, ["item", "value"], [[t(loc, f"doc_col_{k}"), v] for k, v in profile_rows]), ""]
    lines += [f"## {t(loc, 'doc_sec_needs')}", "", *table(loc, ["need", "kind", "priority", "status"], [
        [n.description, vocab(loc, "need_kind", n.kind), vocab(loc, "priority", n.priority), vocab(loc, "need_status", n.status)]
        for n in d.needs]), ""]
    lines += [f"## {t(loc, 'doc_sec_contacts')}", "", *table(loc, ["name", "title", "role"], [
        [x.name, x.title, vocab(loc, "decision_role", x.role)] for x in d.contacts]), ""]
    lines += [f"## {t(loc, 'doc_sec_deals')}", "", *table(loc, ["deal", "amount", "stage"], [
        [x.title, money(x.amount, x.currency, loc), vocab(loc, "deal_stage", x.stage)] for x in d.deals]), ""]
    lines += [f"## {t(loc, 'doc_sec_interactions')}", "", *_interactions(loc, d.interactions, profile)]
    return title, "\n".join(lines) + "\n"


def visits_md(customer: Customer, rows: list[Interaction], profile: Profile, now: datetime) -> tuple[str, str]:
    loc = profile.locale
    title = t(loc, "doc_title_visits", customer=customer.name)
    return title, "\n".join(_head(title, profile, now) + _interactions(loc, rows, profile)) + "\n"


def leads_md(rows: list[LeadRow], total: int, profile: Profile, now: datetime, names: dict[str, str]) -> tuple[str, str]:
    loc = profile.locale
    title = t(loc, "doc_title_leads")
    body = table(loc, ["code", "customer", "company", "source", "stage", "grade", "owner", "created", "next"], [
        [r.customer.code, r.customer.name, r.customer.company, vocab(loc, "source", r.customer.source) if r.customer.source else "—",
         f"{vocab(loc, 'stage', r.customer.stage)} · {vocab(loc, 'status', r.customer.status)}",
         r.customer.grade or "—", _name(names, r.customer.owner_id), fmt_date(r.customer.created_at.astimezone(profile.zone).date(), profile),
         f"{action_text(r.next, loc)} ({fmt_datetime(r.next.due_at, profile)})" if r.next else "—"] for r in rows])
    lines = _head(title, profile, now) + [t(loc, "doc_leads_total", count=total), "", *body]
    if total > len(rows):
        lines += ["", t(loc, "doc_more", total=total, shown=len(rows))]
    return title, "\n".join(lines) + "\n"


def churn_md(quarter: str, review: WinbackReview, rows: list[ChurnRow], profile: Profile, now: datetime,
             names: dict[str, str]) -> tuple[str, str]:
    loc = profile.locale
    title = t(loc, "doc_title_churn", quarter=quarter)
    reasons = [[t(loc, f"winback_reason_{code}"), n] for code, n in review.by_reason.items() if n]
    rate = (t(loc, "doc_churn_rate", count=review.plans_closed, won=review.won_back, pct=percent(review.recovery_rate, loc))
            if review.recovery_rate is not None else t(loc, "doc_churn_rate_none"))
    lines = _head(title, profile, now) + [f"## {t(loc, 'doc_sec_summary')}", "",
                                          t(loc, "doc_churn_total", count=review.churned, recoverable=review.recoverable), "", rate, "",
                                          *table(loc, ["reason", "count"], reasons), ""]
    lines += [f"## {t(loc, 'doc_sec_cases')}", "", *table(loc, ["date", "code", "customer", "owner", "reason", "recoverable", "lessons", "winback"], [
        [fmt_date(r.case.at.astimezone(profile.zone).date(), profile), r.customer.code, r.customer.name, _name(names, r.customer.owner_id),
         t(loc, f"winback_reason_{r.case.reason}"), t(loc, "doc_yes" if r.case.recoverable else "doc_no"), r.case.lessons,
         (vocab(loc, "status", r.plan.outcome) if r.plan.outcome else t(loc, "doc_open_plan")) if r.plan else "—"] for r in rows])]
    return title, "\n".join(lines) + "\n"
