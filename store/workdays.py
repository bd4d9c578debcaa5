"""Working days in the owner's own zone: when a generated next action falls due.

The team's calendar (store.sla.Calendar: its zone, working hours, working days and public holidays)
says what a working day is.  An action's owner works those hours on their own wall clock: a New
York owner's "one working day" runs 09:00-18:00 New York time, on New York's working days, with the
public holidays of the country of their zone (the team's when the owner is in the team's country or
in a zone of no country such as UTC; weekends only when the `holidays` package does not know that
country).

``owner_calendar(session, cal, owner_id)`` the team calendar moved to the owner's zone (the zone
                                          Slack gave for them; the team's own when unknown).
``working_day_start(cal, at)``            the start of the working hours of the first working day
                                          on or after `at`'s local date.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from store.models import SlackUser
from store.sla import MAX_SPAN_DAYS, Calendar, has_holidays, is_working_day

_ZONE_TABLES = ("zone1970.tab", "zone.tab")


def _tables() -> list[str]:
    texts = []
    for name in _ZONE_TABLES:
        try:
            texts.append(resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8"))
            continue
        except (ModuleNotFoundError, FileNotFoundError, OSError):
            pass
        try:
            texts.append(Path("/usr/share/zoneinfo", name).read_text(encoding="utf-8"))
        except OSError:
            pass
    return texts


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """IANA zone -> ISO country code, from the tz database's zone tables (zone.tab wins for a zone
    shared by several countries in zone1970.tab: Europe/Berlin is DE, not "DE,DK,NO,SE,SJ")."""
    out: dict[str, str] = {}
    for text in _tables():
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) >= 3 and "," not in parts[0]:
                out[parts[2]] = parts[0]
            elif len(parts) >= 3:
                out.setdefault(parts[2], parts[0].split(",")[0])
    return out


@lru_cache(maxsize=256)
def zone_country(tz: str) -> str | None:
    """The country whose public holidays a person in zone `tz` keeps, when `holidays` knows them."""
    country = _countries().get(tz)
    return country if country is not None and has_holidays(country) else None


def for_zone(cal: Calendar, tz: str | None) -> Calendar:
    """The team calendar's hours and working days on zone `tz`'s wall clock (see the module)."""
    if not tz or tz == cal.tz:
        return cal
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return cal
    country = _countries().get(tz)
    if cal.country is None or country is None or country == cal.country:
        return replace(cal, tz=tz)   # no holidays, a zone of no country (UTC), or the team's country
    return replace(cal, tz=tz, country=zone_country(tz), extra_holidays=frozenset(), extra_workdays=frozenset())


def owner_calendar(session: Session, cal: Calendar, owner_id: str) -> Calendar:
    """The team calendar in the owner's zone (their SlackUser row), the team's when not known."""
    user = session.get(SlackUser, owner_id) if owner_id else None
    return for_zone(cal, user.tz if user is not None else None)


def working_day_start(cal: Calendar, at: datetime) -> datetime:
    """The first working day on or after `at`'s date on the calendar's wall clock, at the start of its
    working hours (aware UTC)."""
    zone = ZoneInfo(cal.tz)
    day = at.astimezone(zone).date()
    for _ in range(MAX_SPAN_DAYS):
        if is_working_day(cal, day):
            break
        day += timedelta(days=1)
    return datetime.combine(day, cal.start, tzinfo=zone).astimezone(timezone.utc)
