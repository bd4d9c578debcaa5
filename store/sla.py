"""Business time: the team's calendar and the arithmetic of calendar and business minutes that the
SLA clocks (store/sla_clock.py), the health score's cadence and the generated due times run on.

Pure functions on plain data; nothing here reads the clock (`now` is always a parameter) and
nothing imports Slack. Every datetime handed in must be timezone-aware; every datetime handed
back is aware UTC. The team's zone is used only to lay out its working hours.

Business time is the team's working hours (`Calendar.start`-`Calendar.end`, local wall clock)
on working days: a weekday in `Calendar.workdays` that is not a public holiday, or an official
make-up working day (China's 调休, from the `holidays` package's `weekend_workdays`).
Durations are real elapsed time, so a window that spans a DST change is as long as it really is.

Rules decided here:
- `add_business` returns the *earliest* instant at which the minutes have been used, so a
  target used up exactly at closing time falls due at closing time (Fri 17:00 + 60 -> Fri 18:00).
- Minutes are whole minutes rounded down (`business_minutes`, `elapsed`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store import holiday_days

UTC = timezone.utc
ONE_DAY = timedelta(days=1)
ONE_MINUTE = timedelta(minutes=1)
# Business arithmetic walks day by day; no SLA needs more than ten years of it.
MAX_SPAN_DAYS = 3653
MIDNIGHT = time(0, 0)


def has_holidays(country: str) -> bool:
    """Whether `holidays.country_holidays(country)` knows the code (a country's, or a market's),
    read once from the package's registry without importing the package (store/holiday_days.py):
    it is not kept in this process's memory."""
    return country in _entity_names()


@lru_cache(maxsize=1)
def _entity_names() -> frozenset[str]:
    return holiday_days.entity_names()


@lru_cache(maxsize=256)
def _country_days(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, make-up working days) of one country in one year, asked once of a child
    process (store/holiday_days.py; in this process when the package is loaded here already)."""
    return holiday_days.country_days(country, year)


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {key!r}") from None


@dataclass(frozen=True)
class Calendar:
    """A team's working hours in its own zone. `end == 00:00` means midnight (end of the day)."""

    tz: str = "Asia/Shanghai"
    start: time = time(9, 0)
    end: time = time(18, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    country: str | None = "CN"  # holidays country code, None = no holidays
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("workdays", "extra_holidays", "extra_workdays"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        _zone(self.tz)
        if not self.workdays:
            raise ValueError("a calendar needs at least one working day")
        if not self.workdays <= set(range(7)):
            raise ValueError(f"workdays are 0 (Monday) to 6 (Sunday), got {sorted(self.workdays)}")
        if self.end != MIDNIGHT and self.end <= self.start:
            raise ValueError(
                f"working hours must end after they start, got {self.start:%H:%M}-{self.end:%H:%M}"
                " (overnight hours are not supported)"
            )
        if both := self.extra_holidays & self.extra_workdays:
            raise ValueError(f"dates both extra holidays and extra workdays: {sorted(both)}")
        if self.country is not None and not has_holidays(self.country):
            raise ValueError(f"no public holidays known for country {self.country!r}")

    @classmethod
    def parse(
        cls, *, tz: str, hours: str = "09:00-18:00", days: str = "1-5", country: str | None = "CN"
    ) -> Calendar:
        """hours "HH:MM-HH:MM" (end "24:00" = midnight); days "1-5" or "1,2,3,4,5,6", ISO 1=Monday."""
        start, end = _parse_hours(hours)
        country = (country or "").strip().upper() or None
        return cls(tz=tz, start=start, end=end, workdays=_parse_days(days), country=country)


_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _parse_hours(text: str) -> tuple[time, time]:
    m = _HOURS.match(text or "")
    if not m:
        raise ValueError(f"working hours must look like 09:00-18:00, got {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"not a time of day in working hours {text!r}")
    start, end = time(h1, m1), time(h2 % 24, m2)
    if end != MIDNIGHT and end <= start:
        raise ValueError(f"working hours must end after they start, got {text!r}")
    return start, end


def _parse_days(text: str) -> frozenset[int]:
    out: set[int] = set()
    for part in (text or "").split(","):
        m = re.fullmatch(r"\s*([1-7])\s*(?:-\s*([1-7])\s*)?", part)
        if not m:
            raise ValueError(f"working days must look like 1-5 or 1,2,3,4,5,6 (1=Monday), got {text!r}")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise ValueError(f"day range {part.strip()!r} runs backwards in {text!r}")
        out.update(range(lo - 1, hi))
    return frozenset(out)


def is_working_day(cal: Calendar, day: date) -> bool:
    if day in cal.extra_workdays:
        return True
    if day in cal.extra_holidays:
        return False
    if cal.country is not None:
        off, on = _country_days(cal.country, day.year)
        if day in on:
            return True
        if day in off:
            return False
    return day.weekday() in cal.workdays


def working_window(cal: Calendar, day: date) -> tuple[datetime, datetime] | None:
    """The working hours of one local day as UTC instants, or None on a day off."""
    if not is_working_day(cal, day):
        return None
    zone = ZoneInfo(cal.tz)
    opens = datetime.combine(day, cal.start, tzinfo=zone).astimezone(UTC)
    end_day = day + ONE_DAY if cal.end == MIDNIGHT else day
    closes = datetime.combine(end_day, cal.end, tzinfo=zone).astimezone(UTC)
    return (opens, closes) if opens < closes else None


def as_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt!r}: SLA times must be timezone-aware")
    return dt.astimezone(UTC)


def _add_business(cal: Calendar, start: datetime, span: timedelta) -> datetime:
    start = as_utc(start)
    if span < timedelta(0):
        raise ValueError("cannot add a negative span")
    if not span:
        return start
    day = start.astimezone(ZoneInfo(cal.tz)).date()
    for _ in range(MAX_SPAN_DAYS + 1):
        window = working_window(cal, day)
        if window is not None:
            at, closes = max(start, window[0]), window[1]
            if at < closes:
                if span <= closes - at:
                    return at + span
                span -= closes - at
        day += ONE_DAY
    raise ValueError(f"business span reaches past {MAX_SPAN_DAYS} days")


def _business_span(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        return timedelta(0)
    if end - start > timedelta(days=MAX_SPAN_DAYS):
        raise ValueError(f"business span longer than {MAX_SPAN_DAYS} days")
    zone = ZoneInfo(cal.tz)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    total = timedelta(0)
    while day <= last:
        window = working_window(cal, day)
        if window is not None:
            lo, hi = max(start, window[0]), min(end, window[1])
            if hi > lo:
                total += hi - lo
        day += ONE_DAY
    return total


def add_business(cal: Calendar, start: datetime, minutes: int) -> datetime:
    """The earliest instant at which `minutes` of business time have passed after `start`."""
    return _add_business(cal, start, timedelta(minutes=minutes))


def business_minutes(cal: Calendar, start: datetime, end: datetime) -> int:
    """Whole business minutes between two instants (0 if end <= start)."""
    return _business_span(cal, start, end) // ONE_MINUTE


def add_calendar(start: datetime, minutes: int) -> datetime:
    if minutes < 0:
        raise ValueError("cannot add negative minutes")
    return as_utc(start) + timedelta(minutes=minutes)


def deadline_after(cal: Calendar, start: datetime, span: timedelta, business: bool) -> datetime:
    """`span` after `start`: in working time on the calendar when `business`, else in plain time."""
    if business:
        return _add_business(cal, start, span)
    if span < timedelta(0):
        raise ValueError("cannot add a negative span")
    return as_utc(start) + span


def elapsed_span(cal: Calendar, start: datetime, end: datetime, business: bool) -> timedelta:
    if business:
        return _business_span(cal, start, end)
    return max(as_utc(end) - as_utc(start), timedelta(0))


def deadline(cal: Calendar, start: datetime, minutes: int, *, business: bool) -> datetime:
    return deadline_after(cal, start, timedelta(minutes=minutes), business)


def elapsed(cal: Calendar, start: datetime, end: datetime, *, business: bool) -> int:
    return elapsed_span(cal, start, end, business) // ONE_MINUTE
