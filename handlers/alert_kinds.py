"""Every kind of alert the outbox carries, and how each is drawn for its recipient.

A renderer takes (session, outbox row, recipient's profile, now: the sweep's instant, the team's Defaults) and returns the Rendered message, or
None when the alert no longer applies (the action was done, the ticket solved, ...).
`urgent` kinds are sent even in the recipient's quiet hours (breaches and escalations).
"""
from __future__ import annotations

from handlers.digests import messages as digest_send
from handlers.health import actions as risk
from handlers.nps import commands as nps
from handlers.tickets import commands as tickets
from handlers.delivery.kind import Kind
from handlers.reminders.actions import render_assigned, render_due

__all__ = ["KINDS", "Kind"]


KINDS: dict[str, Kind] = {
    "action_due": Kind(render_due),
    "action_assigned": Kind(render_assigned),
    **nps.KINDS,
    **tickets.KINDS,
    **risk.KINDS,
    "digest": Kind(None, send=digest_send.send_digest),
    "digest_chart": Kind(None, send=digest_send.send_charts),
}
