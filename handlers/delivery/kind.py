"""One kind of alert the outbox carries, and what its renderer returns. It imports no feature: each
feature's messages.py declares its kinds (`KINDS = {name: Kind(...)}`, names from
store/alert_kinds.py), and bot/alerts.py puts them together into the registry deliver() reads."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from store.models import Outbox


@dataclass(frozen=True)
class Rendered:
    """One alert drawn for its recipient: the notification text and the blocks; `line`, one block
    (a section with the alert's main button) standing for it in a long list of reminders."""

    text: str
    blocks: list[dict]
    line: dict | None = None


@dataclass(frozen=True)
class Kind:
    """`render(session, outbox row, recipient's profile, now, the team's Defaults)` draws the alert (None: it no longer
    applies). `urgent` kinds go out in quiet hours too: True, or a test of the row (an SLA warning
    on a clock counted around the clock). `grouped` kinds may share a message with others of the
    same sweep; the rest (breaches, escalations, churn risk) stand out as their own message under
    `header` (a text key). A kind with its own sender (channel digests) is not rendered, grouped
    or held for quiet hours: handlers.delivery.send.deliver calls
    `send(client=, db=, defaults=, now=, row=, report=, pacer=)`. `prefetch(session, rows)`, if
    given, loads what the renderer will read for many rows at once (2,000 reminders: three
    queries, not 4,000) and returns it (the caller holds it while rendering)."""

    render: Callable[..., Rendered | None] | None
    urgent: bool | Callable[[Outbox], bool] = False
    send: Callable[..., None] | None = None
    grouped: bool = True
    header: str | None = None
    prefetch: Callable[..., object] | None = None
