"""Alerts Slack refused for good, as an admin sees them (`/crm admin failures`): what each was about
(the customer, the next action or ticket), and the two ways out: send it again, or (a next
action's alert) give the action to someone else and send it to them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from store.errors import DomainError
from store.models import PENDING_ACTION, Customer, NextAction, NpsResponse, Outbox, Ticket
from store.db import get_for_update

# Slack errors that mean the person cannot be reached at all (reassign), not a passing state.
GONE = frozenset({"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot"})
# Errors where the bot cannot open or post in the conversation (the person or a channel must act).
NO_CHANNEL = frozenset({"channel_not_found", "not_in_channel", "is_archived", "restricted_action", "messages_tab_disabled"})


@dataclass(frozen=True)
class Failure:
    row: Outbox
    customer: Customer | None = None
    action: NextAction | None = None   # a next action's alert: the action (reassignable while pending)
    ticket: Ticket | None = None
    channel: str = ""                  # a digest's channel

    @property
    def error(self) -> str:
        return (self.row.last_error or "").split(":")[0].strip()

    @property
    def advice(self) -> str:
        """gone | no_channel | other: what the admin should do."""
        if self.error in GONE:
            return "gone"
        if self.error in NO_CHANNEL:
            return "no_channel"
        return "other"

    @property
    def reassignable(self) -> bool:
        return self.action is not None and self.action.status in PENDING_ACTION


def _number(part: str) -> int | None:
    return int(part) if part.isdigit() else None


def describe(session: Session, row: Outbox) -> Failure:
    """What the row was about, by its subject (next_action:<id>, ticket:<id>:…, nps:<id>:…, customer:<id>, digest:<id>)."""
    head, _, rest = row.subject.partition(":")
    key = _number(rest.split(":")[0])
    if key is None:
        return Failure(row=row)
    if head == "next_action":
        action = session.get(NextAction, key)
        return Failure(row=row, action=action, customer=session.get(Customer, action.customer_id) if action else None)
    if head == "ticket":
        ticket = session.get(Ticket, key)
        return Failure(row=row, ticket=ticket, customer=session.get(Customer, ticket.customer_id) if ticket else None)
    if head == "nps":
        response = session.get(NpsResponse, key)
        return Failure(row=row, customer=session.get(Customer, response.customer_id) if response else None)
    if head == "customer":
        return Failure(row=row, customer=session.get(Customer, key))
    if head == "digest":
        return Failure(row=row, channel=row.recipient)
    return Failure(row=row)


def _failed(session: Session, outbox_id: int) -> Outbox:
    row = get_for_update(session, Outbox, outbox_id)
    if row is None or row.status != "failed":
        raise DomainError("admin_failure_gone")
    return row


def resend(*, session: Session, outbox_id: int, now: datetime) -> Outbox:
    """The failed alert queued again, as new: the next tick sends it."""
    row = _failed(session, outbox_id)
    session.execute(update(Outbox).where(Outbox.id == row.id).values(status="pending", attempts=0, next_attempt_at=now,
                                                                     lease_until=None, posting_at=None))
    session.refresh(row)
    return row


def reassign(*, session: Session, outbox_id: int, to: str, now: datetime) -> Failure:
    """A next action's failed alert: the action given to `to`, and the alert queued for them."""
    row = _failed(session, outbox_id)
    found = describe(session, row)
    if not found.reassignable:
        raise DomainError("admin_failure_not_reassignable")
    action = found.action
    action.owner_id, action.updated_at = to, now
    session.add(action)
    session.execute(update(Outbox).where(Outbox.id == row.id).values(status="pending", attempts=0, next_attempt_at=now, recipient=to,
                                                                     lease_until=None, posting_at=None))
    session.flush()
    session.refresh(row)
    return describe(session, row)
