"""Sending what the outbox holds: claim, render in the recipient's language, post, record.

A refusal Slack may take back (429, 5xx, timeouts, connection errors) leaves the alert pending
with a later retry time, honouring Retry-After; a permanent one (channel_not_found, ...) is
recorded as failed and not tried again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.context import Defaults, fetch_profile
from store import outbox
from store.db import SessionFactory, transaction
from store.models import Outbox

log = logging.getLogger(__name__)

RETRYABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 50  # about two days of hourly tries


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int, retry_after: int | None = None) -> timedelta:
    delay = min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    return max(delay, timedelta(seconds=retry_after or 0))


def classify(error: Exception) -> tuple[bool, int | None, str]:
    """(retry?, Retry-After seconds, what to record)."""
    if isinstance(error, SlackApiError):
        response = error.response
        status = getattr(response, "status_code", 0) or 0
        data = response.data if isinstance(response.data, dict) else {}
        code = data.get("error") or ""
        if status != 200:
            code = f"http_{status} {code}".strip()
        if status == 429:
            after = (response.headers or {}).get("Retry-After") or (response.headers or {}).get("retry-after")
            return True, int(after) if str(after or "").isdigit() else None, "ratelimited"
        return (status >= 500 or data.get("error") in RETRYABLE), None, code
    return True, None, f"{type(error).__name__}: {error}"[:200]


def deliver(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, limit: int = 50) -> Report:
    report = Report()
    with transaction(db) as session:
        rows = outbox.claim(session=session, now=now, limit=limit)
    for row in rows:
        _deliver_one(client=client, db=db, defaults=defaults, now=now, row=row, report=report)
    return report


def _deliver_one(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, row: Outbox, report: Report) -> None:
    profile = fetch_profile(client=client, db=db, user_id=row.recipient, defaults=defaults, now=now)
    with transaction(db) as session:
        from handlers.alert_kinds import KINDS  # feature modules import deliver(); import theirs late

        rendered = KINDS[row.kind].render(session, row, profile)
        if rendered is None:
            outbox.mark_skipped(session=session, outbox_id=row.id, reason="no longer applies")
            report.skipped += 1
            return
    try:
        response = client.chat_postMessage(channel=row.recipient, text=rendered.text, blocks=rendered.blocks)
    except (SlackApiError, SlackClientError, OSError) as error:
        retry, after, what = classify(error)
        with transaction(db) as session:
            if retry and row.attempts < MAX_ATTEMPTS:
                outbox.mark_retry(session=session, outbox_id=row.id, at=now + backoff(row.attempts, after), error=what)
                report.retried += 1
            else:
                outbox.mark_failed(session=session, outbox_id=row.id, error=what)
                report.failed += 1
        report.errors.append(what)
        log.warning("outbox %s (%s to %s) not sent: %s", row.id, row.kind, row.recipient, what)
        return
    with transaction(db) as session:
        outbox.mark_sent(session=session, outbox_id=row.id, channel=response.get("channel", ""), ts=response.get("ts", ""), now=now)
    report.sent += 1
