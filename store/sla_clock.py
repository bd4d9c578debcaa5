"""SLA clocks: a first-response or resolution target on a ticket, in calendar or business time
(store/sla.py lays out the team's calendar and counts its minutes).

Pure functions on plain data; `now` is always a parameter, every datetime is timezone-aware.

Rules decided here:
- A clock is breached once its used time goes *past* the target. Outside working hours business
  time does not move, so a reply sent after a Friday 18:00 due time but before Monday's opening
  is still met; `remaining_minutes` stays 0 until then and turns negative exactly with breach.
- Minutes are whole minutes rounded down (`used_minutes`, a pause's length).
- Breach is sticky: a breached clock that is then paused reports "breached", not "paused".
- Pausing a paused or stopped clock, or resuming a running or stopped one, changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from store.sla import ONE_MINUTE, Calendar, as_utc, deadline_after, elapsed, elapsed_span


@dataclass(frozen=True)
class Clock:
    """One SLA target on one ticket: when it started, how many minutes it promises, pauses so far."""

    started_at: datetime
    target_minutes: int
    business: bool
    paused_minutes: int = 0  # counted minutes already spent paused (excluded)
    paused_since: datetime | None = None
    stopped_at: datetime | None = None  # met (first reply sent / solved)

    def __post_init__(self) -> None:
        for name in ("started_at", "paused_since", "stopped_at"):
            value = getattr(self, name)
            if value is not None:
                as_utc(value)
        if self.target_minutes < 0 or self.paused_minutes < 0:
            raise ValueError("target and paused minutes cannot be negative")


def _used(cal: Calendar, clock: Clock, now: datetime) -> timedelta:
    end = clock.stopped_at if clock.stopped_at is not None else now
    if clock.paused_since is not None:
        end = min(as_utc(end), as_utc(clock.paused_since))
    spent = elapsed_span(cal, clock.started_at, end, clock.business)
    return max(spent - timedelta(minutes=clock.paused_minutes), timedelta(0))


def used_minutes(cal: Calendar, clock: Clock, now: datetime) -> int:
    """Counted minutes consumed up to now (or stopped_at), pauses excluded."""
    return _used(cal, clock, now) // ONE_MINUTE


def _at_share(cal: Calendar, clock: Clock, span: timedelta) -> datetime | None:
    if clock.paused_since is not None or clock.stopped_at is not None:
        return None
    span += timedelta(minutes=clock.paused_minutes)
    return deadline_after(cal, clock.started_at, span, clock.business)


def due_at(cal: Calendar, clock: Clock) -> datetime | None:
    """When the target is used up given the pauses so far; None while paused or stopped."""
    return _at_share(cal, clock, timedelta(minutes=clock.target_minutes))


def warn_at(cal: Calendar, clock: Clock, pct: int) -> datetime | None:
    """When pct% of the target is used; None while paused or stopped."""
    if pct < 0:
        raise ValueError(f"warning percentage cannot be negative, got {pct}")
    # target minutes * pct / 100, exact in microseconds.
    return _at_share(cal, clock, timedelta(microseconds=clock.target_minutes * pct * 600_000))


def pause(cal: Calendar, clock: Clock, now: datetime) -> Clock:
    if clock.paused_since is not None or clock.stopped_at is not None:
        return clock
    if as_utc(now) < as_utc(clock.started_at):
        raise ValueError("cannot pause a clock before it started")
    return replace(clock, paused_since=as_utc(now))


def resume(cal: Calendar, clock: Clock, now: datetime) -> Clock:
    """Adds the paused span, in the clock's own kind of minutes, to paused_minutes."""
    if clock.paused_since is None or clock.stopped_at is not None:
        return clock
    if as_utc(now) < as_utc(clock.paused_since):
        raise ValueError("cannot resume a clock before it was paused")
    span = elapsed(cal, clock.paused_since, now, business=clock.business)
    return replace(clock, paused_minutes=clock.paused_minutes + span, paused_since=None)


def state(cal: Calendar, clock: Clock, now: datetime) -> str:
    """"running" | "paused" | "met" | "breached" (met late counts as "breached")."""
    over = _used(cal, clock, now) > timedelta(minutes=clock.target_minutes)
    if clock.stopped_at is not None:
        return "breached" if over else "met"
    if over:
        return "breached"
    return "paused" if clock.paused_since is not None else "running"


def remaining_minutes(cal: Calendar, clock: Clock, now: datetime) -> int:
    """Whole minutes left, rounded down: negative exactly once the clock is breached."""
    return (timedelta(minutes=clock.target_minutes) - _used(cal, clock, now)) // ONE_MINUTE
