"""The registry of alert kinds, built at start from every feature's messages.KINDS and handed to
delivery through Defaults.kinds (handlers/delivery/ imports no feature). A new kind is its
constant in store/alert_kinds.py, its renderer and `KINDS` entry in the feature's messages.py, and
its texts."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from handlers.delivery.kind import Kind
from handlers.digests import messages as digests
from handlers.health import messages as health
from handlers.nps import messages as nps
from handlers.payments import messages as payments
from handlers.reminders import messages as reminders
from handlers.reviews import messages as reviews
from handlers.tickets import messages as tickets

SOURCES = (reminders, nps, tickets, health, digests, payments, reviews)


def alert_kinds() -> Mapping[str, Kind]:
    """Every kind by name; two features declaring one name is a programming error."""
    kinds: dict[str, Kind] = {}
    for source in SOURCES:
        for name, kind in source.KINDS.items():
            if name in kinds:
                raise ValueError(f"alert kind {name!r} is declared twice ({source.__name__})")
            kinds[name] = kind
    return MappingProxyType(kinds)
