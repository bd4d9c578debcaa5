"""What every figure is measured over: a Period (half-open, aware UTC), a Scope (whose figures),
and the small value types the figures come in (Rate, Trend, Page), plus the SQL pieces they share.

Periods are [start, end). `Period.day/week/month(day, tz)` lay out the local calendar day, ISO week
(Monday first) or month of a zone and hold them as UTC instants; `previous()` is the same kind of
local period just before (the previous month for a month, not "as many days back"), or, for a
period built from two instants, the span of the same length just before.

A Scope says whose figures: everyone, the team of a manager (the users whose manager_id is the
manager, as store.nps counts a team: the manager's own customers are not in it), or one rep. It
resolves to a set of owner ids (None for everyone).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, and_, case, func, literal_column, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, select

from store.models import SlackUser

UTC = timezone.utc
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
DAY_US = 86_400_000_000
UNITS = ("day", "week", "month")

T = TypeVar("T")


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _local_date(value: date, zone: ZoneInfo) -> date:
    """A date as given, or the local date of an aware instant."""
    if isinstance(value, datetime):
        return _aware(value, "the instant").astimezone(zone).date()
    return value


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    unit: str | None = field(default=None, compare=False)  # "day" | "week" | "month" | None
    tz: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _aware(self.start, "start"))
        object.__setattr__(self, "end", _aware(self.end, "end"))
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")
        if (self.unit is None) != (self.tz is None) or (self.unit is not None and self.unit not in UNITS):
            raise ValueError("a calendar period has both a unit (day, week, month) and a zone")

    @classmethod
    def day(cls, on: date, tz: str) -> Period:
        zone = ZoneInfo(tz)
        day = _local_date(on, zone)
        return cls(_midnight(day, zone), _midnight(day + timedelta(days=1), zone), "day", tz)

    @classmethod
    def week(cls, on: date, tz: str) -> Period:
        """The ISO week (Monday to Sunday, local) holding the day."""
        zone = ZoneInfo(tz)
        monday = _local_date(on, zone) - timedelta(days=_local_date(on, zone).weekday())
        return cls(_midnight(monday, zone), _midnight(monday + timedelta(days=7), zone), "week", tz)

    @classmethod
    def month(cls, on: date, tz: str) -> Period:
        zone = ZoneInfo(tz)
        first = _local_date(on, zone).replace(day=1)
        return cls(_midnight(first, zone), _midnight(_add_months(first, 1), zone), "month", tz)

    def previous(self) -> Period:
        if self.unit is None:
            return Period(self.start - (self.end - self.start), self.start)
        day_before = self.start.astimezone(ZoneInfo(self.tz)).date() - timedelta(days=1)
        return getattr(Period, self.unit)(day_before, self.tz)

    def contains(self, column):
        """SQL: start <= column < end."""
        return and_(column >= self.start, column < self.end)

    def days(self) -> tuple[date, date]:
        """The local days the period covers, [first, after): its zone's calendar days for a day, week
        or month; for a span of two instants, the UTC days it touches."""
        zone = ZoneInfo(self.tz or "UTC")
        first = self.start.astimezone(zone).date()
        return first, (self.end.astimezone(zone) - ONE_US).date() + timedelta(days=1)

    def holds_day(self, column):
        """SQL: the date column (a day in someone's own zone, such as interaction.occurred_on) is one
        of the period's days."""
        first, after = self.days()
        return and_(column >= first, column < after)


@dataclass(frozen=True)
class Scope:
    kind: str = "everyone"  # everyone | team | rep
    user_id: str | None = None  # the manager for a team, the rep for a rep

    def __post_init__(self) -> None:
        if self.kind not in ("everyone", "team", "rep"):
            raise ValueError(f"a scope is everyone, team or rep, got {self.kind!r}")
        if (self.kind == "everyone") != (self.user_id is None):
            raise ValueError("a team or rep scope names its user; everyone names none")

    @classmethod
    def everyone(cls) -> Scope:
        return cls("everyone")

    @classmethod
    def team(cls, manager_id: str) -> Scope:
        return cls("team", manager_id)

    @classmethod
    def rep(cls, user_id: str) -> Scope:
        return cls("rep", user_id)

    def owner_ids(self, session: Session) -> frozenset[str] | None:
        """None for everyone; the manager's reports (slack_user.manager_id, indexed); the rep."""
        if self.kind == "everyone":
            return None
        if self.kind == "rep":
            return frozenset({self.user_id})
        return frozenset(session.exec(select(SlackUser.id).where(SlackUser.manager_id == self.user_id)).all())


def owned(column, owner_ids: frozenset[str] | None):
    """SQL: the column is one of the owners (always true for everyone)."""
    return true() if owner_ids is None else column.in_(sorted(owner_ids))


# -- value types ----------------------------------------------------------------------------------

def percent(numerator: int, denominator: int) -> float | None:
    """numerator / denominator as a percentage rounded half away from zero to one decimal."""
    if not denominator:
        return None
    exact = Decimal(numerator * 100) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Rate:
    """A share: `numerator` of `denominator`. `pct` is None when there is nothing to divide."""

    numerator: int = 0
    denominator: int = 0

    @property
    def pct(self) -> float | None:
        return percent(self.numerator, self.denominator)

    def below(self, minimum: float) -> bool:
        """Exactly below a percentage (not the rounded pct); False with nothing to judge."""
        return bool(self.denominator) and Decimal(self.numerator * 100) < Decimal(str(minimum)) * self.denominator

    def above(self, maximum: float) -> bool:
        return bool(self.denominator) and Decimal(self.numerator * 100) > Decimal(str(maximum)) * self.denominator


@dataclass(frozen=True)
class Trend(Generic[T]):
    value: T
    previous: T


@dataclass(frozen=True)
class Page(Generic[T]):
    """At most `limit` items of a list, and how many there are in all."""

    items: list[T]
    total: int


def days(total_us: int | Decimal | None, count: int) -> float | None:
    """An average of microsecond spans in days, rounded half up to one decimal."""
    if not count:
        return None
    exact = Decimal(int(total_us or 0)) / Decimal(count) / Decimal(DAY_US)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# -- SQL pieces -----------------------------------------------------------------------------------

class epoch_us(FunctionElement):
    """Microseconds since 1970 of a UTCDateTime column, exact on both databases. SQLite keeps
    'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC): whole seconds from strftime on the first 19
    characters (strftime alone rounds to the millisecond), microseconds from the last six."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_us, "postgresql")
def _epoch_us_pg(element, compiler, **kw) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"


@compiles(epoch_us, "sqlite")
def _epoch_us_sqlite(element, compiler, **kw) -> str:
    arg = compiler.process(element.clauses, **kw)
    return (f"(CAST(strftime('%s', substr({arg}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({arg}, 21, 6) AS INTEGER))")


def us(at: datetime) -> int:
    """Microseconds since 1970 of an aware instant (what epoch_us gives for the stored value)."""
    return (_aware(at, "the instant") - EPOCH) // ONE_US


def least(a, b):
    return case((a < b, a), else_=b)


def greatest(a, b):
    return case((a > b, a), else_=b)


class plus_days(FunctionElement):
    """A date column plus a whole number of days, as a date comparable with another date column:
    `date + n` on PostgreSQL, date(column, '+n day') on SQLite (dates kept as 'YYYY-MM-DD')."""

    inherit_cache = True

    def __init__(self, column, days: int) -> None:
        super().__init__(column, literal_column(str(int(days))))


def _two(element, compiler, **kw) -> tuple[str, str]:
    column, days = element.clauses.clauses
    return compiler.process(column, **kw), compiler.process(days, **kw)


@compiles(plus_days, "postgresql")
def _plus_days_pg(element, compiler, **kw) -> str:
    column, days = _two(element, compiler, **kw)
    return f"({column} + {days})"


@compiles(plus_days, "sqlite")
def _plus_days_sqlite(element, compiler, **kw) -> str:
    column, days = _two(element, compiler, **kw)
    return f"date({column}, '+' || {days} || ' day')"


def count_if(condition):
    """COALESCE(SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0): 0, not NULL, over no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
