"""The managers' quarterly review (a channel subscription of cadence "quarterly", store/digests.py):
on the 1st of January, April, July and October, the quarter just ended for a team (or everyone):
churn by reason, the recoverable ones and the recovery rate (win-back plans closed in the quarter,
won back among them), the lessons written, and NPS against the quarter before. Figures from
store/winback.py monthly_review (any span) and store/nps.py, SQL aggregates.

Tier movements, receivables and NPS by value tier are built by their features (handlers/value/quarterly.py,
handlers/payments/quarterly.py) and plug in through Defaults.hooks.quarterly_sections: each a callable
(session=, start=, end=, owner_ids=, locale=, tz=) -> list of blocks (none when it has nothing to
show), appended in order; bot/app.py fills the tuple."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.blocks import MESSAGE_BLOCKS, clip, escape, section
from handlers.context import Defaults
from handlers import showdates as show
from handlers.delivery.kind import Rendered
from handlers.i18n import t
from handlers.numbers import percent
from store.customers import codes_of
from store.digest_models import DigestSubscription
from store.figures_base import Period, Scope
from store.models import Outbox, SlackUser
from store.nps import NpsStats, nps_stats
from store.winback import monthly_review

LESSONS_SHOWN, LESSON_CHARS = 5, 300


def quarter_label(start: datetime, tz: str, loc: str) -> str:
    first = start.astimezone(ZoneInfo(tz)).date()
    return show.quarter(first, loc)


def _nps(stats: NpsStats) -> str:
    return "—" if stats.nps is None else f"{stats.nps:+.0f}"


def _reason(loc: str, code: str) -> str:
    key = f"winback_reason_{code}"
    return t(loc, key)


def render_quarterly(session: Session, row: Outbox, sub: DigestSubscription, period: Period, defaults: Defaults,
                     now: datetime) -> Rendered:
    loc = sub.locale
    scope = Scope.team(sub.team_of) if sub.team_of else Scope.everyone()
    owners = scope.owner_ids(session)
    label = quarter_label(period.start, sub.tz, loc)
    if sub.team_of:
        user = session.get(SlackUser, sub.team_of)
        title = t(loc, "quarter_title_team", team=escape((user.name if user and user.name else sub.team_of)), quarter=label)
    else:
        title = t(loc, "quarter_title_all", quarter=label)
    review = monthly_review(session=session, start=period.start, end=period.end, owner_ids=owners)
    reasons = t(loc, "digest_review_sep").join(t(loc, "digest_review_reason", reason=_reason(loc, code), count=n)
                                               for code, n in review.by_reason.items() if n)
    rate = (t(loc, "quarter_rate", pct=percent(review.recovery_rate, loc), won=review.won_back, count=review.plans_closed)
            if review.recovery_rate is not None else t(loc, "quarter_rate_none"))
    blocks = [section(title),
              section("\n".join((t(loc, "quarter_churn_head"),
                                 t(loc, "digest_review_churned", count=review.churned, reasons=reasons or t(loc, "digest_review_no_reason")),
                                 t(loc, "digest_review_recoverable", count=review.recoverable), rate)))]
    if review.lessons:
        shown = review.lessons[-LESSONS_SHOWN:]
        codes = codes_of(session=session, customer_ids={x.customer_id for x in shown})
        lines = [t(loc, "digest_review_lesson", customer=escape(clip(x.customer_name, 60)), code=codes.get(x.customer_id, ""),
                   reason=_reason(loc, x.reason), lessons=escape(clip(" ".join(x.lessons.split()), LESSON_CHARS))) for x in shown]
        more = len(review.lessons) - len(shown)
        blocks.append(section("\n".join([t(loc, "digest_review_lessons"), *lines,
                                         *([t(loc, "digest_review_more", count=more)] if more else [])])))
    manager = sub.team_of or None
    now_stats = nps_stats(session=session, start=period.start, end=period.end, manager_id=manager)
    before_start = _previous_quarter_start(period.start, sub.tz)
    before_stats = nps_stats(session=session, start=before_start, end=period.start, manager_id=manager)
    blocks.append(section("\n".join((t(loc, "quarter_nps_head"),
                                     t(loc, "quarter_nps", nps=_nps(now_stats), count=now_stats.responses,
                                       promoters=now_stats.promoters, passives=now_stats.passives, detractors=now_stats.detractors,
                                       previous=_nps(before_stats))))))
    for extra in defaults.hooks.quarterly_sections:
        blocks += extra(session=session, start=period.start, end=period.end, owner_ids=owners, locale=loc, tz=sub.tz)
    return Rendered(text=escape(title.strip("*")), blocks=blocks[:MESSAGE_BLOCKS])


def _previous_quarter_start(start: datetime, tz: str) -> datetime:
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    index = first.month - 1 - 3
    year, month = first.year + index // 12, index % 12 + 1
    return datetime(year, month, 1, tzinfo=zone).astimezone(ZoneInfo("UTC"))
