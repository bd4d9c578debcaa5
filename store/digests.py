"""Channel digest subscriptions: when each is due, which period it covers, and queueing it once.

A subscription sends a team's figures (or everyone's) to a channel every day, every Monday or on
the 1st of every month (or, cadence `quarter`, the quarterly review on the 1st of January, April, July
and October), at `at_time` in its zone `tz`. The sending instants are local wall-clock
times laid out with zoneinfo, so they stay at 09:00 local across daylight-saving changes (a time
that does not exist that day, in the spring gap, is read with the offset before the change; a
repeated one, in the autumn, is its first occurrence).

Each digest covers the complete local day, ISO week or month just ended before its sending
instant (`period_of`). `queue_due` turns every subscription that has fallen due into one outbox
row (kind "digest", unique per subscription and period) and moves `next_due_at` on with a
compare-and-set, so two replicas, or a second tick, queue it once. A digest due long ago (the bot
was down for days) is queued once, for the latest period, not once per missed day.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, update
from sqlmodel import Session, select

from store import outbox
from store.alert_kinds import DIGEST, DIGEST_CHART
from store.digest_models import DigestSubscription
from store.errors import DomainError
from store.figures_base import UTC, Period
from store.models import Outbox

CADENCES = ("daily", "weekly", "monthly", "quarter")
UNIT = {"daily": "day", "weekly": "week", "monthly": "month"}   # a quarter is a span of dates (Period has no quarter unit)
QUARTERLY = "quarter"     # (cadence fits 8 characters) the managers' quarterly review (handlers/digests/quarterly.py): no figures, no charts
KIND, CHART_KIND = DIGEST, DIGEST_CHART
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def subject_of(subscription_id: int) -> str:
    return f"digest:{subscription_id}"


def parse_at_time(text: str) -> str:
    """"9:05" -> "09:05"; anything but a 24-hour HH:MM is refused."""
    m = _HHMM.match((text or "").strip())
    if not m:
        raise DomainError("digest_err_time", field="at_time", value=text)
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _check(cadence: str, tz: str) -> ZoneInfo:
    if cadence not in CADENCES:
        raise DomainError("digest_err_cadence", field="cadence", value=cadence)
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise DomainError("digest_err_tz", field="tz", value=tz) from e


# -- when -----------------------------------------------------------------------------------------

def _anchor(cadence: str, day: date) -> date:
    """The local date of the sending slot that `day` falls in: the day, its Monday, its 1st."""
    if cadence == "weekly":
        return day - timedelta(days=day.weekday())
    if cadence == "monthly":
        return day.replace(day=1)
    if cadence == QUARTERLY:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day


def _step(cadence: str, anchor: date, n: int) -> date:
    """The anchor `n` slots later (or earlier, n < 0)."""
    if cadence == "daily":
        return anchor + timedelta(days=n)
    if cadence == "weekly":
        return anchor + timedelta(days=7 * n)
    index = anchor.month - 1 + (3 * n if cadence == QUARTERLY else n)
    return date(anchor.year + index // 12, index % 12 + 1, 1)


def _instant(sub: DigestSubscription, anchor: date) -> datetime:
    """at_time on the anchor's local date, in UTC (fold=0: first occurrence; a gap reads as before it)."""
    hh, mm = map(int, sub.at_time.split(":"))
    return datetime.combine(anchor, time(hh, mm), tzinfo=ZoneInfo(sub.tz)).astimezone(UTC)


def _local_day(sub: DigestSubscription, at: datetime) -> date:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("instants must be timezone-aware")
    return at.astimezone(ZoneInfo(sub.tz)).date()


def next_due(sub: DigestSubscription, after: datetime) -> datetime:
    """The first sending instant strictly after `after`."""
    anchor = _anchor(sub.cadence, _local_day(sub, after))
    due = _instant(sub, anchor)
    while due <= after:
        anchor = _step(sub.cadence, anchor, 1)
        due = _instant(sub, anchor)
    return due


def last_due(sub: DigestSubscription, at: datetime) -> datetime:
    """The latest sending instant at or before `at`."""
    anchor = _anchor(sub.cadence, _local_day(sub, at))
    due = _instant(sub, anchor)
    while due > at:
        anchor = _step(sub.cadence, anchor, -1)
        due = _instant(sub, anchor)
    return due


def period_of(sub: DigestSubscription, due: datetime) -> Period:
    """The complete local day, ISO week, month or quarter just ended before the sending instant `due`."""
    if sub.cadence == QUARTERLY:
        zone = ZoneInfo(sub.tz)
        this = _anchor(QUARTERLY, _local_day(sub, due))
        start, end = (datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC) for d in (_step(QUARTERLY, this, -1), this))
        return Period(start, end)
    return getattr(Period, UNIT[sub.cadence])(due, sub.tz).previous()


# -- subscriptions --------------------------------------------------------------------------------

def subscribe(*, session: Session, channel_id: str, cadence: str, team_of: str, at_time: str, tz: str, locale: str,
              by: str, now: datetime) -> DigestSubscription:
    """Subscribe a channel; the same channel, cadence and team again changes its time (and zone,
    language) instead of failing."""
    _check(cadence, tz)
    at_time = parse_at_time(at_time)
    sub = session.exec(select(DigestSubscription).where(
        DigestSubscription.channel_id == channel_id, DigestSubscription.cadence == cadence,
        DigestSubscription.team_of == (team_of or ""))).first()
    if sub is None:
        sub = DigestSubscription(channel_id=channel_id, cadence=cadence, team_of=team_of or "", at_time=at_time, tz=tz,
                                 locale=locale, created_by=by, created_at=now, next_due_at=now)
    sub.at_time, sub.tz, sub.locale = at_time, tz, locale
    sub.next_due_at = next_due(sub, now)
    session.add(sub)
    session.flush()
    return sub


def unsubscribe(*, session: Session, channel_id: str, cadence: str | None = None,
                team_of: str | None = None) -> list[DigestSubscription]:
    """Remove the channel's subscriptions (of that cadence, of that team, when given); returns them."""
    stmt = select(DigestSubscription).where(DigestSubscription.channel_id == channel_id)
    if cadence is not None:
        stmt = stmt.where(DigestSubscription.cadence == cadence)
    if team_of is not None:
        stmt = stmt.where(DigestSubscription.team_of == team_of)
    gone = list(session.exec(stmt.order_by(DigestSubscription.id)))
    for sub in gone:
        session.delete(sub)
    session.flush()
    return gone


def subscriptions(*, session: Session, team_of: str | None = None) -> list[DigestSubscription]:
    """Every subscription (None), or those of one team ("" is everyone's), by channel and cadence."""
    stmt = select(DigestSubscription)
    if team_of is not None:
        stmt = stmt.where(DigestSubscription.team_of == team_of)
    order = {c: n for n, c in enumerate(CADENCES)}
    return sorted(session.exec(stmt), key=lambda s: (s.channel_id, order.get(s.cadence, 9), s.team_of, s.id))


def get(*, session: Session, subscription_id: int) -> DigestSubscription | None:
    return session.get(DigestSubscription, subscription_id)


# -- queueing -------------------------------------------------------------------------------------

def queue_due(*, session: Session, now: datetime) -> int:
    """Queue the digest (and, behind it, its charts) of every subscription due at `now`; returns
    how many digests this call queued. The compare-and-set on next_due_at comes first: a replica
    that loses it (its UPDATE waits for the winner's commit, then matches nothing) queues nothing,
    and the outbox key (kind, subject, period start) would absorb a second queueing anyway."""
    due = session.exec(select(DigestSubscription).where(DigestSubscription.next_due_at <= now)
                       .order_by(DigestSubscription.next_due_at, DigestSubscription.id)).all()
    queued = 0
    for sub in due:
        moved = session.execute(
            update(DigestSubscription)
            .where(DigestSubscription.id == sub.id, DigestSubscription.next_due_at == sub.next_due_at)
            .values(next_due_at=next_due(sub, now))
        ).rowcount
        if not moved:
            continue
        period = period_of(sub, last_due(sub, now))
        data = {"subscription": sub.id, "start": period.start.isoformat(), "end": period.end.isoformat(),
                "unit": period.unit, "tz": period.tz}
        key = dict(subject=subject_of(sub.id), due_key=period.start.isoformat(), recipient=sub.channel_id, now=now, data=data)
        if outbox.enqueue(session=session, kind=KIND, **key):
            queued += 1
            if sub.cadence != QUARTERLY:
                outbox.enqueue(session=session, kind=CHART_KIND, **key)
    return queued


def sent_since(*, session: Session, row: Outbox, since: datetime) -> int:
    """How many other digests of `row`'s subscription were sent since `since`."""
    return session.execute(select(func.count(Outbox.id)).where(
        Outbox.kind == KIND, Outbox.subject == row.subject, Outbox.id != row.id, Outbox.status == "sent",
        Outbox.sent_at >= since)).scalar_one()


def digest_of(*, session: Session, chart_row: Outbox) -> Outbox | None:
    """The digest a chart row goes with (same subscription and period)."""
    return session.exec(select(Outbox).where(Outbox.kind == KIND, Outbox.subject == chart_row.subject,
                                             Outbox.due_key == chart_row.due_key)).first()
