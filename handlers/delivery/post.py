"""Posting one message of alerts and recording what Slack said: the outbox sender
(handlers/delivery/send.py) and the digests' own sender (handlers/digests/messages.py) both post
through here.

- Every post carries its outbox ids as message metadata and is marked `posting_at` first: an
  alert claimed again after its process died is first looked for in Slack (`reconcile`), so it
  is not posted twice. Only rows the run's token still holds are posted.
- A refusal Slack may take back (429, 5xx, timeouts, connection errors) leaves the alerts pending
  with a later retry time, honouring Retry-After; a permanent one (channel_not_found, ...) is
  recorded as failed and not tried again (admins see them with `/crm admin failures`).
- `Pacer`: at most about one message a second per channel.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.blocks import clip, context as context_block, plain
from handlers.context import Profile
from handlers.delivery.items import tag_blocks
from handlers.delivery.kind import Rendered
from handlers.i18n import t
from store import outbox
from store.db import transaction
from store.models import Outbox
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

    def add(self, other: "Report") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


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
                                  error=f"checking an earlier post: {what}", token=row.claim_token)
        report.retried += len(unsure)
        return [row for row in rows if row.id not in unsure]
    with transaction(db) as session:
        for outbox_id in unsure.keys() & found.keys():
            outbox.mark_sent(session=session, outbox_id=outbox_id, channel=channel, ts=found[outbox_id], now=now,
                             token=unsure[outbox_id].claim_token)
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


def is_line(rendered: Rendered) -> bool:
    return rendered.line is not None and rendered.blocks == [rendered.line]


def _compose(chunk: list, profile: Profile, header: str | None = None) -> tuple[str, list[dict]]:
    """One alert alone (under a header when its kind stands out), or several under "you have N
    alerts", each tagged with its outbox id; a one-block line needs no divider."""
    if len(chunk) == 1:
        row, rendered = chunk[0]
        head = [{"type": "header", "block_id": "head", "text": plain(clip(t(profile.locale, header), 150))}] if header else []
        return rendered.text, head + tag_blocks(rendered.blocks, row.id)
    blocks = [{**context_block(t(profile.locale, "alerts_grouped", count=len(chunk))), "block_id": "head"}]
    for n, (row, rendered) in enumerate(chunk):
        if not is_line(rendered):
            blocks.append({"type": "divider", "block_id": f"sep{n}"})
        blocks += tag_blocks(rendered.blocks, row.id)
    text = "\n".join(rendered.text for _, rendered in chunk)
    return clip(text, 3000), blocks


def not_sent(*, db, now: datetime, rows: list[Outbox], error: Exception, report: Report) -> None:
    """Slack refused: retry later with a back-off, or record the refusal for good."""
    retry, after, what = classify(error)
    with transaction(db) as session:
        for row in rows:
            if retry and row.attempts < MAX_ATTEMPTS:
                outbox.mark_retry(session=session, outbox_id=row.id, at=now + backoff(row.attempts, after), error=what,
                                  token=row.claim_token)
                report.retried += 1
            else:
                outbox.mark_failed(session=session, outbox_id=row.id, error=what, token=row.claim_token)
                report.failed += 1
    report.errors.append(what)
    log.warning("alerts %s to %s not sent: %s", [row.id for row in rows], rows[0].recipient if rows else "?", what)


def post_chunk(*, client, db, now: datetime, recipient: str, chunk: list, profile: Profile, report: Report,
               header: str | None = None) -> None:
    """Post (row, rendered) pairs as one message. Only rows the run's token still holds are posted:
    one taken over by another replica (our lease ran out) is theirs to send."""
    token = chunk[0][0].claim_token if chunk else None
    with transaction(db) as session:
        held = set(outbox.mark_posting(session=session, outbox_ids=[row.id for row, _ in chunk], now=now, token=token))
    chunk = [(row, rendered) for row, rendered in chunk if row.id in held]
    if not chunk:
        log.info("alerts to %s taken over by another run; not posted here", recipient)
        return
    ids = [row.id for row, _ in chunk]
    text, blocks = _compose(chunk, profile, header)
    try:
        response = client.chat_postMessage(channel=recipient, text=text, blocks=blocks,
                                           metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox": ",".join(map(str, ids))}})
    except (SlackApiError, SlackClientError, OSError) as error:
        not_sent(db=db, now=now, rows=[row for row, _ in chunk], error=error, report=report)
        return
    with transaction(db) as session:
        outbox.mark_all_sent(session=session, outbox_ids=ids, channel=response.get("channel", ""), ts=response.get("ts", ""),
                             now=now, token=token)
    report.sent += len(ids)
    report.messages += 1
