"""The monthly maintenance summary's DM (outbox kind "monthly_summary", queued by store/reviews.py):
the draft of the rep's month and a button that opens the modal (handlers/reviews/actions.py)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_datetime, plain, section
from handlers.context import Defaults, Profile
from handlers.delivery.kind import Kind, Rendered
from handlers.i18n import t
from handlers.numbers import money
from handlers.reviews.text import month_label
from store.alert_kinds import MONTHLY_SUMMARY
from store.models import Outbox
from store.reviews import Draft, draft_of, month_period
from store.errors import DomainError
from handlers.words import action_text

LINE_CHARS = 120


def _more(loc: str, shown: int, total: int) -> list[str]:
    return [t(loc, "review_more", count=total - shown)] if total > shown else []


def draft_groups(d: Draft, profile: Profile) -> list[list[str]]:
    """Three groups of lines (touched and wins, open problems, overdue actions), each within one
    section's 3,000 characters: at most SHOWN items of at most about 250 characters each."""
    loc = profile.locale
    sums = t(loc, "review_sep").join(money(v, cur, loc) for cur, v in d.won_sums.items())
    wins = [t(loc, "review_touched", count=d.touched),
            t(loc, "review_wins", count=d.won_count) + (t(loc, "review_wins_sum", sums=clip(sums, 600)) if sums else "")]
    wins += [t(loc, "review_win_line", customer=escape(clip(w.customer, 60)), title=escape(clip(w.title, 80)),
               amount=money(w.amount, w.currency, loc)) for w in d.wins]
    wins += _more(loc, len(d.wins), d.won_count)
    problems = [t(loc, "review_problems", count=d.problem_count)]
    problems += [t(loc, "review_problem_line", code=p.code, customer=escape(clip(p.customer, 60)),
                   description=escape(clip(" ".join(p.description.split()), LINE_CHARS))) for p in d.problems]
    problems += _more(loc, len(d.problems), d.problem_count)
    overdue = [t(loc, "review_overdue", count=d.overdue_count)]
    overdue += [t(loc, "review_overdue_line", customer=escape(clip(o.customer, 60)), title=escape(clip(action_text(o, loc), LINE_CHARS)),
                  due=fmt_datetime(o.due_at, profile)) for o in d.overdue]
    overdue += _more(loc, len(d.overdue), d.overdue_count)
    return [wins, problems, overdue]


def render_summary(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    month = (row.data or {}).get("month")
    try:
        month_period(month if isinstance(month, str) else "", defaults.calendar.tz)
    except DomainError:
        return None
    loc = profile.locale
    d = draft_of(session=session, rep_id=row.recipient, month=month, tz=defaults.calendar.tz, now=now)
    label = month_label(month, loc)
    head = t(loc, "review_dm_head", month=label)
    wins, problems, overdue = draft_groups(d, profile)
    blocks = [section("\n".join((head, *wins))), section("\n".join(problems)), section("\n".join(overdue)),
              context_block(t(loc, "review_dm_done" if d.summary else "review_dm_hint")),
              {"type": "actions", "block_id": f"review_summary:{month}", "elements": [
                  {"type": "button", "action_id": ids.REVIEW_SUMMARY_OPEN, "style": "primary", "value": month,
                   "text": plain(t(loc, "review_btn_edit" if d.summary else "review_btn_write"))}]}]
    return Rendered(text=t(loc, "review_dm_text", month=label), blocks=blocks)


KINDS = {MONTHLY_SUMMARY: Kind(render=render_summary)}
