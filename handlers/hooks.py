"""What one feature lends the others without their importing it (features are independent:
.importlinter). Each feature's `__init__.py` offers its part in `HOOKS`; bot/hooks.py builds one
`Hooks` at start and `Defaults.hooks` carries it, as `Defaults.kinds` carries the alert kinds.

    open_log              log: the /crm log modal with a customer chosen (card, ping, Home)
    open_churn            churn: the churn modal (lifecycle's stage modal and /crm stage)
    churn_instead         churn: the churn modal to show instead of a stage change to churned
    open_retention_plan   churn: the retention plan modal, from a churn-risk ping
    plan_started          health: redraw the ping once its retention plan is saved
    publish_home          home: draw the Home tab again after a reminder button changed it
    headline_blocks       stats: the headline figures (Home)
    report_blocks         stats: the whole report (a digest)
    subcommands           router: every /crm subcommand by name (Home's buttons open the same modals)
    card_parts            health, churn: sections a feature adds to the customer card
    quarterly_sections    value, payments: sections of the quarterly review digest
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlmodel import Session

from store.models import Customer
from store.permissions import Viewer


class MissingHook(RuntimeError):
    """A feature asked for what no registered feature offers (a wiring mistake, not user input)."""


def _missing(name: str) -> Callable[..., Any]:
    def call(*_args: Any, **_kwargs: Any) -> Any:
        raise MissingHook(f"no feature offers {name!r}: bot/hooks.py builds Hooks from every feature's HOOKS")
    return call


def _no_buttons(_data: Any, _locale: str) -> list[dict]:
    return []


@dataclass(frozen=True)
class CardPart:
    """A section of the customer card that another feature draws. `load` runs in the card's
    transaction (after the caller checked the viewer may read the customer); `blocks` and `buttons`
    draw what it loaded. `place`: "head" right after the card's head, "items" after its lists."""

    name: str
    load: Callable[[Session, Customer, Viewer], Any]
    blocks: Callable[[Any, Any, datetime], list[dict]]  # (loaded, the reader's Profile, now)
    buttons: Callable[[Any, str], list[dict]] = _no_buttons
    place: str = "items"


def _slot(name: str) -> Any:
    return field(default_factory=lambda: _missing(name))


@dataclass(frozen=True)
class Hooks:
    open_log: Callable[..., None] = _slot("open_log")
    open_churn: Callable[..., None] = _slot("open_churn")
    churn_instead: Callable[..., dict | None] = _slot("churn_instead")
    open_retention_plan: Callable[..., None] = _slot("open_retention_plan")
    plan_started: Callable[..., None] = _slot("plan_started")
    publish_home: Callable[..., None] = _slot("publish_home")
    headline_blocks: Callable[..., list[dict]] = _slot("headline_blocks")
    report_blocks: Callable[..., tuple[str, list[dict]]] = _slot("report_blocks")
    subcommands: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    card_parts: tuple[CardPart, ...] = ()
    # sections other features add to the quarterly review, (session=, start=, end=, owner_ids=, locale=, tz=) -> blocks,
    # in bot/hooks.py's order: tier movements, receivables, NPS by tier (handlers/digests/quarterly.py)
    quarterly_sections: tuple[Callable[..., list[dict]], ...] = ()
