"""Sending the channel digests the scheduler queued (store/digests.py): the outbox kinds "digest"
(the figures report, and once a month the churn review) and "digest_chart" (the funnel and the
weekly trend as two PNGs in one files_upload_v2 call).

Both go through the outbox's rules (handlers/delivery/post.py): claimed before sending, marked `posting_at` first,
retried with a back-off on 429/5xx, failed for good on a permanent refusal. A digest carries its
outbox id as message metadata, like any alert; the charts carry it in their file names
(crm-digest-<id>-funnel.png), so after a crash the channel's history tells whether they arrived.
The charts wait for their digest: they follow it once it is posted, and are dropped with it.
Digests are for channels: no quiet hours, no users.info; zone and language are the subscription's.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlmodel import Session

from handlers.blocks import clip, escape, mention, MESSAGE_BLOCKS, section
from handlers.context import Defaults, Profile, name_of
from handlers.digests.quarterly import render_quarterly
from handlers.delivery.post import BASE_DELAY, Pacer, Report, not_sent, post_chunk, reconcile
from handlers.words import period_label
from handlers.i18n import CATALOG, t
from handlers.numbers import percent
from handlers.delivery.kind import Kind, Rendered
from store import outbox
from store.db import SessionFactory, transaction
from store.digest_models import DigestSubscription
from store.alert_kinds import DIGEST, DIGEST_CHART
from store.customers import codes_of
from store.digests import QUARTERLY, digest_of, sent_since
from store.figures import figures
from store.figures_base import Period, Scope
from store.figures_trend import weekly_trend
from store.models import Outbox, SlackUser
from store.reviews import month_key, summary_status
from store.winback import WinbackReview, monthly_review

log = logging.getLogger(__name__)

TREND_WEEKS = 8
LESSONS_SHOWN, LESSON_CHARS = 5, 300
CHART_NAME = re.compile(r"^crm-digest-(\d+)-")


# -- what a row is about --------------------------------------------------------------------------

def subscription_of(session: Session, row: Outbox) -> DigestSubscription | None:
    """The row's subscription, or None when it was unsubscribed since (or moved to another channel)."""
    sub_id = (row.data or {}).get("subscription")
    sub = session.get(DigestSubscription, sub_id) if isinstance(sub_id, int) else None
    return sub if sub is not None and sub.channel_id == row.recipient else None


def period_of_row(row: Outbox, sub: DigestSubscription) -> Period:
    data = row.data or {}
    return Period(datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"]), data.get("unit"),
                  data.get("tz"))


def scope_of(sub: DigestSubscription) -> Scope:
    return Scope.team(sub.team_of) if sub.team_of else Scope.everyone()


def _team_name(session: Session, sub: DigestSubscription) -> str:
    user = session.get(SlackUser, sub.team_of)
    return user.name if user is not None and user.name else sub.team_of


def title_of(session: Session, sub: DigestSubscription, period: Period) -> str:
    loc = sub.locale
    label = period_label(period, loc)
    cadence = t(loc, f"digest_cadence_{sub.cadence}")
    if sub.team_of:
        return t(loc, "digest_title_team", team=_team_name(session, sub), cadence=cadence, period=label)
    return t(loc, "digest_title_all", cadence=cadence, period=label)


# -- the churn review -----------------------------------------------------------------------------

def review_month(session: Session, row: Outbox, sub: DigestSubscription, period: Period) -> Period | None:
    """Last month, when this digest carries its churn review: a monthly digest always; a daily or
    weekly one when it is the first of this subscription sent in the month it is sent in (the month
    of its period's end), the subscription being older than that month."""
    this_month = Period.month(period.end, period.tz or sub.tz)
    if sub.cadence == "monthly":
        return this_month.previous()
    if sub.created_at >= this_month.start:
        return None
    earlier = sent_since(session=session, row=row, since=this_month.start)
    return None if earlier else this_month.previous()


def reason_label(loc: str, code: str) -> str:
    key = f"winback_reason_{code}"
    return t(loc, key) if key in CATALOG else code


def review_blocks(session: Session, review: WinbackReview, month: Period, loc: str) -> list[dict]:
    """At most 3 blocks: a divider, the counts and the recovery rate, the lessons written."""
    counts = t(loc, "digest_review_sep").join(t(loc, "digest_review_reason", reason=reason_label(loc, code), count=n)
                                              for code, n in review.by_reason.items() if n)
    rate = (t(loc, "digest_review_rate", pct=percent(review.recovery_rate, loc), won=review.won_back, count=review.plans_closed)
            if review.recovery_rate is not None else t(loc, "digest_review_rate_none"))
    head = [t(loc, "digest_review_header", month=period_label(month, loc)),
            t(loc, "digest_review_churned", count=review.churned, reasons=counts or t(loc, "digest_review_no_reason")),
            t(loc, "digest_review_recoverable", count=review.recoverable), rate]
    blocks = [{"type": "divider"}, section("\n".join(head))]
    if review.lessons:
        shown = review.lessons[-LESSONS_SHOWN:]  # the latest
        codes = codes_of(session=session, customer_ids={x.customer_id for x in shown})
        lines = [t(loc, "digest_review_lesson", customer=escape(clip(x.customer_name, 60)), code=codes.get(x.customer_id, ""),
                   reason=reason_label(loc, x.reason), lessons=escape(clip(" ".join(x.lessons.split()), LESSON_CHARS)))
                 for x in shown]
        more = len(review.lessons) - len(shown)
        tail = [t(loc, "digest_review_more", count=more)] if more else []
        blocks.append(section("\n".join([t(loc, "digest_review_lessons"), *lines, *tail])))
    return blocks


# -- the reps' monthly maintenance summaries (store/reviews.py) -------------------------------------

SUMMARIES_SHOWN, SUMMARY_CHARS = 10, 120


def summaries_blocks(session: Session, sub: DigestSubscription, period: Period, owners) -> list[dict]:
    """A monthly digest's list of the summaries asked for during its month (so of the month before
    it), who submitted them and who has not; nothing when nobody was asked."""
    if sub.cadence != "monthly":
        return []
    loc = sub.locale
    asked_for = period.previous()
    month = month_key(asked_for.start.astimezone(ZoneInfo(asked_for.tz)).date())
    status = summary_status(session=session, month=month, rep_ids=owners)
    asked = len(status.submitted) + len(status.missing)
    if not asked:
        return []

    def short(text: str) -> str:
        return escape(clip(" ".join(text.split()), SUMMARY_CHARS)) if text.strip() else t(loc, "review_digest_nothing")

    lines = [t(loc, "review_digest_head", month=period_label(asked_for, loc), done=len(status.submitted), asked=asked)]
    lines += [t(loc, "review_digest_line", rep=mention(x.rep_id), case=short(x.success_case), problems=short(x.problems))
              for x in status.submitted[:SUMMARIES_SHOWN]]
    if len(status.submitted) > SUMMARIES_SHOWN:
        lines.append(t(loc, "review_more", count=len(status.submitted) - SUMMARIES_SHOWN))
    if status.missing:
        lines.append(t(loc, "review_digest_missing", reps=t(loc, "review_sep").join(mention(r) for r in status.missing[:40])))
    return [{"type": "divider"}, section(clip("\n".join(lines), 2900))]


# -- the digest -----------------------------------------------------------------------------------

def render_digest(session: Session, row: Outbox, sub: DigestSubscription, defaults: Defaults, now: datetime) -> Rendered:
    """The figures report of the row's period, with last month's churn review when it is due; within 50 blocks."""
    period = period_of_row(row, sub)
    if sub.cadence == QUARTERLY:
        return render_quarterly(session, row, sub, period, defaults, now)
    scope = scope_of(sub)
    extra: list[dict] = []
    month = review_month(session, row, sub, period)
    if month is not None:
        owners = scope.owner_ids(session)
        review = monthly_review(session=session, start=month.start, end=month.end, owner_ids=owners)
        extra = review_blocks(session, review, month, sub.locale)
    extra += summaries_blocks(session, sub, period, scope.owner_ids(session))
    text, blocks = defaults.hooks.report_blocks(session=session, period=period, scope=scope, now=now, locale=sub.locale, tz=sub.tz,
                                 targets=defaults.targets, calendar=defaults.calendar, title=title_of(session, sub, period),
                                 max_blocks=MESSAGE_BLOCKS - len(extra), cadence=defaults.cadence,
                                 renewals_month=Period.month(now, sub.tz))
    return Rendered(text=escape(text), blocks=blocks + extra)


def _skip(db: SessionFactory, row: Outbox, report: Report, reason: str) -> None:
    with transaction(db) as session:
        outbox.mark_skipped(session=session, outbox_id=row.id, reason=reason, token=row.claim_token)
    report.skipped += 1


def send_digest(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, row: Outbox, report: Report,
                pacer: Pacer) -> None:
    if not reconcile(client=client, db=db, now=now, recipient=row.recipient, rows=[row], report=report):
        return  # found in the channel (sent), or the check must wait (retry)
    with transaction(db) as session:
        sub = subscription_of(session, row)
        team_of = sub.team_of if sub is not None else ""
    if team_of:  # the header names the manager as Slack does: users.info, cached, before the render reads it
        name_of(client=client, db=db, user_id=team_of, defaults=defaults, now=now)
    with transaction(db) as session:
        sub = subscription_of(session, row)
        rendered = render_digest(session, row, sub, defaults, now) if sub is not None else None
        profile = Profile(user_id=row.recipient, tz=sub.tz, locale=sub.locale) if sub is not None else None
    if rendered is None:
        _skip(db, row, report, "unsubscribed")
        return
    pacer.wait(row.recipient)
    try:
        post_chunk(client=client, db=db, now=now, recipient=row.recipient, chunk=[(row, rendered)], profile=profile, report=report)
    finally:
        pacer.done(row.recipient)


# -- the charts -----------------------------------------------------------------------------------

def chart_names(row: Outbox) -> tuple[str, str]:
    return f"crm-digest-{row.id}-funnel.png", f"crm-digest-{row.id}-trend.png"


def uploaded_charts(messages: list[dict]) -> dict[int, str]:
    """{outbox id: message ts} of the chart uploads among a channel's messages (by file name)."""
    found = {}
    for message in messages:
        for file in message.get("files") or ():
            m = CHART_NAME.match(str(file.get("name") or ""))
            if m:
                found[int(m.group(1))] = message.get("ts", "")
    return found


def chart_files(session: Session, row: Outbox, sub: DigestSubscription, defaults: Defaults, now: datetime) -> list[dict]:
    period = period_of_row(row, sub)
    scope = scope_of(sub)
    f = figures(session=session, period=period, scope=scope, now=now, targets=defaults.targets, calendar=defaults.calendar)
    trend = weekly_trend(session=session, scope=scope, weeks=TREND_WEEKS, end=period, tz=sub.tz)
    funnel, weekly = chart_names(row)
    loc = sub.locale
    from handlers.digests.charts import funnel_png, trend_png  # matplotlib (+60 MB) loads with the first chart drawn

    return [{"content": funnel_png(f, loc), "filename": funnel, "title": t(loc, "digest_chart_funnel")},
            {"content": trend_png(trend, loc), "filename": weekly, "title": t(loc, "digest_chart_trend", weeks=TREND_WEEKS)}]


def _chart_state(db: SessionFactory, row: Outbox, report: Report, now: datetime) -> DigestSubscription | None:
    """The subscription when the charts may go now; otherwise the row is skipped or waits for its digest."""
    with transaction(db) as session:
        sub = subscription_of(session, row)
        digest = digest_of(session=session, chart_row=row)
        if sub is None or digest is None or digest.status in ("failed", "skipped"):
            outbox.mark_skipped(session=session, outbox_id=row.id, reason="no digest to follow", token=row.claim_token)
            report.skipped += 1
            return None
        if digest.status != "sent":
            outbox.defer(session=session, outbox_id=row.id, until=max(digest.next_attempt_at, now + BASE_DELAY),
                         token=row.claim_token)
            report.deferred += 1
            return None
        return sub


def send_charts(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, row: Outbox, report: Report,
                pacer: Pacer) -> None:
    if _chart_state(db, row, report, now) is None:
        return
    if not reconcile(client=client, db=db, now=now, recipient=row.recipient, rows=[row], report=report,
                      found_in=uploaded_charts):
        return
    with transaction(db) as session:
        sub = subscription_of(session, row)
        files = chart_files(session, row, sub, defaults, now)
        comment = t(sub.locale, "digest_charts_comment", title=escape(title_of(session, sub, period_of_row(row, sub))))
        held = outbox.mark_posting(session=session, outbox_ids=[row.id], now=now, token=row.claim_token)
    if not held:
        return  # taken over by another run (our lease ran out): theirs to send
    pacer.wait(row.recipient)
    try:
        done = client.files_upload_v2(channel=row.recipient, file_uploads=files, initial_comment=comment)
    except (SlackApiError, SlackClientError, OSError) as error:
        not_sent(db=db, now=now, rows=[row], error=error, report=report)
        return
    finally:
        pacer.done(row.recipient)
    first = (done.get("files") or [{}])[0]
    with transaction(db) as session:
        outbox.mark_sent(session=session, outbox_id=row.id, channel=row.recipient, ts=str(first.get("id", ""))[:32], now=now,
                         token=row.claim_token)
    report.sent += 1


KINDS = {DIGEST: Kind(None, send=send_digest), DIGEST_CHART: Kind(None, send=send_charts)}
