"""One kind of alert the outbox carries. Its own module, importing no feature, so that a feature
module declares its kinds (`KINDS = {...}`) at import time; handlers/alert_kinds.py lists them all."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

    from handlers.context import Defaults, Profile
    from store.models import Outbox


@dataclass(frozen=True)
class Rendered:
    """One alert drawn for its recipient: the notification text and the blocks."""

    text: str
    blocks: list[dict]


@dataclass(frozen=True)
class Kind:
    """`render(session, outbox row, recipient's profile, now, the team's Defaults)` draws the alert (None: it no longer
    applies); `urgent` kinds go out in quiet hours too. A kind with its own sender (channel digests)
    is not rendered, grouped or held for quiet hours: handlers.delivery.deliver calls
    `send(client=, db=, defaults=, now=, row=, report=, pacer=)`."""

    render: Callable[[Session, Outbox, Profile, datetime, Defaults], Rendered | None] | None
    urgent: bool = False
    send: Callable[..., None] | None = None
