"""Column types shared by every table."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator):
    """A datetime that is always timezone-aware UTC in Python, on SQLite and PostgreSQL alike.

    SQLite keeps no zone, so values are stored as naive UTC and given back their zone on read.
    A naive datetime handed in is refused: it is always a bug (whose local time would it be?).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def result_processor(self, dialect, coltype):
        """process_result_value in one step for the usual values (a read of 10,000 rows spent
        more time here than in the query): SQLite's naive UTC text parsed straight into an
        aware datetime (datetime.replace costs ten times fromisoformat), and PostgreSQL's
        values passed through when the session already answers in UTC (store/db.py sets it).
        Anything else takes the general path."""
        general = super().result_processor(dialect, coltype)
        if dialect.name == "sqlite":
            parse = datetime.fromisoformat

            def from_sqlite(value):
                if value is None:
                    return None
                try:
                    parsed = parse(value + "+00:00")  # stored as naive UTC text
                except (TypeError, ValueError):  # not text, or text with its own offset
                    return general(value)
                return parsed if parsed.tzinfo is not None else general(value)  # a bare date
            return from_sqlite
        if dialect.name == "postgresql":
            def from_postgresql(value):
                return value if value is None or value.tzinfo is timezone.utc else general(value)
            return from_postgresql
        return general


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def ts_field(**kw: Any) -> Any:
    """A UTCDateTime column for a SQLModel field (pass nullable=True for an optional one)."""
    nullable = kw.pop("nullable", False)
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, **kw), **({"default": None} if nullable else {}))
