"""The features' hooks (handlers/hooks.py), built once at start from each feature's `HOOKS` and
the router's subcommands; `Defaults.hooks` hands them to every listener."""
from __future__ import annotations

from types import MappingProxyType

from bot.listeners import FEATURES, subcommands
from handlers.hooks import Hooks


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
    return Hooks(**offered, card_parts=tuple(parts), subcommands=routes)
