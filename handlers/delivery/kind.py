"""One kind of alert the outbox carries, and what its renderer returns. It imports no feature: each
feature's messages.py declares its kinds (`KINDS = {name: Kind(...)}`, names from
store/alert_kinds.py), and bot/alerts.py puts them together into the registry deliver() reads."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rendered:
    """One alert drawn for its recipient: the notification text and the blocks."""

    text: str
    blocks: list[dict]


@dataclass(frozen=True)
class Kind:
    """`render(session, outbox row, recipient's profile, now, the team's Defaults)` draws the alert (None: it no longer
    applies); `urgent` kinds go out in quiet hours too. A kind with its own sender (channel digests)
    is not rendered, grouped or held for quiet hours: handlers.delivery.send.deliver calls
    `send(client=, db=, defaults=, now=, row=, report=, pacer=)`."""

    render: Callable[..., Rendered | None] | None
    urgent: bool = False
    send: Callable[..., None] | None = None
