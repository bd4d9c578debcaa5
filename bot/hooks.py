"""The features' hooks (handlers/hooks.py), built once at start from each feature's `HOOKS` and
the router's subcommands; `Defaults.hooks` hands them to every listener."""
from __future__ import annotations

from types import MappingProxyType

from bot.listeners import FEATURES, subcommands
from handlers.hooks import Hooks
from handlers.payments.quarterly import receivables_blocks
from handlers.value.quarterly import nps_by_tier_blocks, tier_movement_blocks

# The quarterly review's sections from other features, in this order (handlers/digests/quarterly.py).
QUARTERLY_SECTIONS = (tier_movement_blocks, receivables_blocks, nps_by_tier_blocks)


def features_hooks() -> Hooks:
    """One provider for each hook (two is a programming error); card parts in FEATURES' order."""
    offered: dict[str, object] = {}
    parts = []
    for feature in FEATURES:
        for name, value in getattr(feature, "HOOKS", {}).items():
            if name == "card_parts":
                parts += list(value)
            elif name in offered:
                raise ValueError(f"hook {name!r} is offered twice ({feature.__name__})")
            else:
                offered[name] = value
    routes = MappingProxyType({s.name: s for s in subcommands()})
    return Hooks(**offered, card_parts=tuple(parts), subcommands=routes, quarterly_sections=QUARTERLY_SECTIONS)
