"""Sending what the outbox holds: claim, then per recipient, render in their language, group,
pace and post; record what Slack said.

- A refusal Slack may take back (429, 5xx, timeouts, connection errors) leaves the alerts pending
  with a later retry time, honouring Retry-After; a permanent one (channel_not_found, ...) is
  recorded as failed and not tried again (admins see them with `/crm admin failures`).
- Several alerts for one person in one sweep go out as one message (at most 50 blocks each),
  at most about one message a second per channel.
- In the recipient's quiet hours only urgent kinds go out; the rest wait for the morning.
- Every post carries its outbox ids as message metadata and is marked `posting_at` first: an
  alert claimed again after its process died is first looked for in Slack, so it is not
  posted twice.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.blocks import clip, context as context_block, MESSAGE_BLOCKS
from handlers.context import Defaults, Profile, fetch_profile
from handlers.i18n import t
from handlers.delivery.items import tag_blocks
from store import outbox
from store.db import SessionFactory, transaction
from store.errors import DomainError
from store.models import Outbox
from store.quiet import parse_window, quiet_until
from store.text import whole_number

log = logging.getLogger(__name__)

RETRYABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 50  # about two days of hourly tries
METADATA_EVENT = "crm_alert"
HISTORY_LOOKBACK = 100  # messages searched for an earlier post whose outcome we never heard


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    messages: int = 0
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
            return True, whole_number(str(after or "")), "ratelimited"
        return (status >= 500 or data.get("error") in RETRYABLE), None, code
    return True, None, f"{type(error).__name__}: {error}"[:200]


class Pacer:
    """At most one message per `interval` seconds to the same channel (Slack's chat limit): the
    next post starts `interval` after the previous one was answered, so they also arrive apart."""

    def __init__(self, interval: float, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`sleep` and `clock` are the real ones; a test passes a virtual pair and asserts the waits."""
        self.interval, self.sleep, self.clock, self.last = interval, sleep, clock, {}

    def wait(self, channel: str) -> None:
        ready = self.last.get(channel, float("-inf")) + self.interval
        if ready > self.clock():
            self.sleep(ready - self.clock())

    def done(self, channel: str) -> None:
        self.last[channel] = self.clock()


def deliver(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, limit: int = 50,
            pace: float = 1.0, pacer: Pacer | None = None) -> Report:
    report = Report()
    with transaction(db) as session:
        rows = outbox.claim(session=session, now=now, limit=limit)
    by_recipient: dict[str, list[Outbox]] = {}
    pacer = pacer or Pacer(pace)
    for row in rows:  # in id order: a kind with its own sender (channel digests) goes out by itself
        kind = defaults.kinds.get(row.kind)
        if kind is not None and kind.send is not None:
            kind.send(client=client, db=db, defaults=defaults, now=now, row=row, report=report, pacer=pacer)
        else:
            by_recipient.setdefault(row.recipient, []).append(row)
    for recipient, group in by_recipient.items():
        _deliver_to(client=client, db=db, defaults=defaults, now=now, recipient=recipient, rows=group, report=report, pacer=pacer)
    return report


def _deliver_to(*, client, db, defaults: Defaults, now: datetime, recipient: str, rows: list[Outbox], report: Report,
                pacer: Pacer) -> None:
    rows = reconcile(client=client, db=db, now=now, recipient=recipient, rows=rows, report=report)
    profile = fetch_profile(client=client, db=db, user_id=recipient, defaults=defaults, now=now)
    rows = _wait_out_quiet_hours(db=db, now=now, profile=profile, defaults=defaults, rows=rows, report=report,
                                 urgent={k for k, v in defaults.kinds.items() if v.urgent})
    items = []
    with transaction(db) as session:
        for row in rows:
            rendered = defaults.kinds[row.kind].render(session, row, profile, now, defaults)
            if rendered is None:
                outbox.mark_skipped(session=session, outbox_id=row.id, reason="no longer applies")
                report.skipped += 1
            else:
                items.append((row, rendered))
    for chunk in _chunks(items):
        pacer.wait(recipient)
        try:
            post_chunk(client=client, db=db, now=now, recipient=recipient, chunk=chunk, profile=profile, report=report)
        finally:
            pacer.done(recipient)


def reconcile(*, client, db, now: datetime, recipient: str, rows: list[Outbox], report: Report,
               found_in: Callable[[list[dict]], dict[int, str]] | None = None) -> list[Outbox]:
    """Alerts whose earlier post may have reached Slack: find that post rather than repeat it.
    `found_in` reads {outbox id: ts} from the channel's messages (default: our posts' metadata)."""
    unsure = {row.id: row for row in rows if row.posting_at is not None}
    if not unsure:
        return rows
    try:
        channel = recipient
        if recipient[:1] in ("U", "W"):
            channel = client.conversations_open(users=recipient)["channel"]["id"]
        messages = client.conversations_history(channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True)["messages"]
        found = (found_in or _posted_alerts)(messages)
    except (SlackApiError, SlackClientError, OSError) as error:
        retry, after, what = classify(error)
        if not retry:  # no way to look (scope, channel gone): posting again is the lesser harm
            log.warning("cannot check %s for earlier posts (%s); posting again", recipient, what)
            return rows
        with transaction(db) as session:
            for row in unsure.values():
                outbox.mark_retry(session=session, outbox_id=row.id, at=now + backoff(row.attempts, after),
                                  error=f"checking an earlier post: {what}")
        report.retried += len(unsure)
        return [row for row in rows if row.id not in unsure]
    with transaction(db) as session:
        for outbox_id in unsure.keys() & found.keys():
            outbox.mark_sent(session=session, outbox_id=outbox_id, channel=channel, ts=found[outbox_id], now=now)
            report.sent += 1
    return [row for row in rows if row.id not in found]


def _posted_alerts(messages: list[dict]) -> dict[int, str]:
    found = {}
    for message in messages:
        meta = message.get("metadata") or {}
        if meta.get("event_type") == METADATA_EVENT:
            for part in str((meta.get("event_payload") or {}).get("outbox", "")).split(","):
                if whole_number(part) is not None:
                    found[whole_number(part)] = message["ts"]
    return found


def _wait_out_quiet_hours(*, db, now: datetime, profile: Profile, defaults: Defaults, rows: list[Outbox], report: Report,
                          urgent: set[str]) -> list[Outbox]:
    try:
        window = parse_window(profile.quiet_hours or defaults.quiet_hours)
    except DomainError:
        window = None
    until = quiet_until(window, now=now, tz=profile.zone)
    if until is None:
        return rows
    waiting = [row for row in rows if row.kind not in urgent]
    with transaction(db) as session:
        for row in waiting:
            outbox.defer(session=session, outbox_id=row.id, until=until)
    report.deferred += len(waiting)
    return [row for row in rows if row.kind in urgent]


def _chunks(items: list) -> list[list]:
    """Items into messages within Block Kit's 50 blocks (a header and a divider per item when grouped)."""
    chunks, current, used = [], [], 1
    for item in items:
        size = len(item[1].blocks) + 1
        if current and used + size > MESSAGE_BLOCKS:
            chunks.append(current)
            current, used = [], 1
        current.append(item)
        used += size
    return chunks + ([current] if current else [])


def _compose(chunk: list, profile: Profile) -> tuple[str, list[dict]]:
    if len(chunk) == 1:
        row, rendered = chunk[0]
        return rendered.text, tag_blocks(rendered.blocks, row.id)
    blocks = [{**context_block(t(profile.locale, "alerts_grouped", count=len(chunk))), "block_id": "head"}]
    for n, (row, rendered) in enumerate(chunk):
        blocks += [{"type": "divider", "block_id": f"sep{n}"}, *tag_blocks(rendered.blocks, row.id)]
    text = "\n".join(rendered.text for _, rendered in chunk)
    return clip(text, 3000), blocks


def not_sent(*, db, now: datetime, rows: list[Outbox], error: Exception, report: Report) -> None:
    """Slack refused: retry later with a back-off, or record the refusal for good."""
    retry, after, what = classify(error)
    with transaction(db) as session:
        for row in rows:
            if retry and row.attempts < MAX_ATTEMPTS:
                outbox.mark_retry(session=session, outbox_id=row.id, at=now + backoff(row.attempts, after), error=what)
                report.retried += 1
            else:
                outbox.mark_failed(session=session, outbox_id=row.id, error=what)
                report.failed += 1
    report.errors.append(what)
    log.warning("alerts %s to %s not sent: %s", [row.id for row in rows], rows[0].recipient if rows else "?", what)


def post_chunk(*, client, db, now: datetime, recipient: str, chunk: list, profile: Profile, report: Report) -> None:
    ids = [row.id for row, _ in chunk]
    text, blocks = _compose(chunk, profile)
    with transaction(db) as session:
        outbox.mark_posting(session=session, outbox_ids=ids, now=now)
    try:
        response = client.chat_postMessage(channel=recipient, text=text, blocks=blocks,
                                           metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox": ",".join(map(str, ids))}})
    except (SlackApiError, SlackClientError, OSError) as error:
        not_sent(db=db, now=now, rows=[row for row, _ in chunk], error=error, report=report)
        return
    with transaction(db) as session:
        for outbox_id in ids:
            outbox.mark_sent(session=session, outbox_id=outbox_id, channel=response.get("channel", ""), ts=response.get("ts", ""), now=now)
    report.sent += len(ids)
    report.messages += 1
