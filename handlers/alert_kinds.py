"""Every kind of alert the outbox carries, and how each is drawn for its recipient.

A renderer takes (session, outbox row, recipient's profile, now: the sweep's instant) and returns the Rendered message, or
None when the alert no longer applies (the action was done, the ticket solved, ...).
`urgent` kinds are sent even in the recipient's quiet hours (breaches and escalations).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from handlers import digest_send, nps, risk, tickets
from handlers.context import Profile
from handlers.reminders import Rendered, render_assigned, render_due
from store.models import Outbox


@dataclass(frozen=True)
class Kind:
    render: Callable[[Session, Outbox, Profile, datetime], Rendered | None] | None
    urgent: bool = False
    # A kind with its own sender (channel digests) is not rendered, grouped or held for quiet hours:
    # handlers.delivery.deliver calls send(client=, db=, defaults=, now=, row=, report=, pacer=).
    send: Callable[..., None] | None = None


KINDS: dict[str, Kind] = {
    "action_due": Kind(render_due),
    "action_assigned": Kind(render_assigned),
    **nps.KINDS,
    **tickets.KINDS,
    **risk.KINDS,
    "digest": Kind(None, send=digest_send.send_digest),
    "digest_chart": Kind(None, send=digest_send.send_charts),
}
