"""Arguments the commands share, checked before anything is loaded: a bad one is BadArgument, one
sentence naming the argument and what it takes, which `python -m bot` prints before exiting 2."""
from __future__ import annotations

import sys
from datetime import date, datetime, timezone

from bot.settings import MISSING_HELP, Settings

FIRST_YEAR, LAST_YEAR = 2000, 2099  # what the jobs and the figures are sure to compute without overflowing
NOW_EXAMPLE = "e.g. 2026-11-23T09:00:00+08:00"


class BadArgument(ValueError):
    pass


def in_years(day: date | datetime) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def parse_now(value: str | None) -> datetime:
    """--now as an aware instant (a bare time is UTC); the present when not given."""
    if not value:
        return datetime.now(timezone.utc)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise BadArgument(f"--now: not an ISO 8601 time: {value!r} ({NOW_EXAMPLE})") from None
    if not in_years(when):
        raise BadArgument(f"--now: {value!r} is outside the years {FIRST_YEAR} to {LAST_YEAR} ({NOW_EXAMPLE})")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def require_slack(settings: Settings, *, serving: bool) -> None:
    """What the bot needs to talk to Slack is set, or MISSING_HELP on stderr and exit code 2."""
    missing = settings.missing(serving=serving)
    if missing:
        print(MISSING_HELP.format(names=", ".join(missing)), file=sys.stderr)
        raise SystemExit(2)
