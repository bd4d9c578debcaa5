"""Sending what the outbox holds: claim, then per recipient, render in their language, group,
pace and post; record what Slack said.

- A run claims what is due in batches until nothing is left, under one token (store/outbox.py);
  it renews its lease at each recipient and, given workers, every `renew_every` seconds while a
  call to Slack is in flight, so a slow Slack does not hand its alerts to another replica. An
  update whose token no longer holds the row changes nothing: what was taken over is not posted.
- Recipients are served in parallel when bot/ lends workers (Slack's limit is per channel).
- A refusal Slack may take back (429, 5xx, timeouts, connection errors) leaves the alerts pending
  with a later retry time, honouring Retry-After; a permanent one (channel_not_found, ...) is
  recorded as failed and not tried again (admins see them with `/crm admin failures`).
- Routine alerts for one person in one run go out as one message (at most 50 blocks each),
  at most about one message a second per channel; when they would take more than
  FULL_MESSAGES messages, each becomes one line with its main button (Rendered.line). Kinds
  that must stand out (`grouped=False`: breaches, escalations, churn risk) are their own
  message under a header, before the routine ones.
- In the recipient's quiet hours only urgent kinds go out; the rest wait for the morning.
- Every post carries its outbox ids as message metadata and is marked `posting_at` first: an
  alert claimed again after its process died is first looked for in Slack, so it is not
  posted twice.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import DBAPIError

from handlers.blocks import clip, context as context_block, MESSAGE_BLOCKS, plain
from handlers.context import Defaults, Profile, fetch_profile
from handlers.i18n import t
from handlers.delivery.items import tag_blocks
from handlers.delivery.kind import Kind, Rendered
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
CLAIM_BATCH = 20000  # alerts claimed at once; a run claims batch after batch until nothing is due
MAX_BATCHES = 100   # a bound on one run, whatever happens to the clock
FULL_MESSAGES = 5   # beyond this many messages for one person, routine alerts shrink to a line each


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


@dataclass(frozen=True)
class Workers:
    """Threads bot/ lends the sender (handlers start none): `pool` serves several recipients at
    once; with `size` > 1 one of its workers keeps the run's lease alive meanwhile."""

    pool: Executor
    size: int


class Lease:
    """One run's claims: their token, renewed as the run goes on. `clock` is the run's wall clock
    (the tick's `now` unless one is given; a test passes its own and moves it)."""

    def __init__(self, *, db: SessionFactory, clock: Callable[[], datetime], token: str | None = None,
                 every: float = 30.0) -> None:
        self.db, self.clock, self.token, self.every = db, clock, token or outbox.new_token(), every
        self.stopped = threading.Event()

    def renew(self, outbox_ids: list[int] | None = None) -> int:
        """The run's claims (or those of `outbox_ids`) last LEASE from now; returns how many it renewed."""
        with transaction(self.db) as session:
            return outbox.renew(session=session, token=self.token, until=self.clock() + outbox.LEASE, outbox_ids=outbox_ids)

    def keep_alive(self) -> None:
        """Renew every `every` seconds until the run stops (on a worker lent by bot/)."""
        while not self.stopped.wait(self.every):
            try:
                self.renew()
            except DBAPIError as e:  # the next beat tries again; the token keeps a lost claim harmless
                log.warning("could not renew the delivery lease: %s", e.orig or e)


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


def deliver(*, client: WebClient, db: SessionFactory, defaults: Defaults, now: datetime, limit: int = CLAIM_BATCH,
            pace: float = 1.0, pacer: Pacer | None = None, clock: Callable[[], datetime] | None = None,
            workers: Workers | None = None, token: str | None = None, renew_every: float = 30.0) -> Report:
    """Send everything due, batch after batch, as of `clock()` (by default `now` plus the time the
    run has taken). `token` names the run's claims (bot/ passes one so a stopping process can hand
    them back)."""
    report = Report()
    pacer = pacer or Pacer(pace)
    started = time.monotonic()
    lease = Lease(db=db, clock=clock or (lambda: now + timedelta(seconds=time.monotonic() - started)), token=token,
                  every=renew_every)
    parallel = workers is not None and workers.size > 1
    keeper = workers.pool.submit(lease.keep_alive) if parallel else None
    try:
        for _ in range(MAX_BATCHES):
            with transaction(db) as session:
                rows = outbox.claim(session=session, now=lease.clock(), limit=limit, token=lease.token)
            if not rows:
                break
            _deliver_batch(client=client, db=db, defaults=defaults, now=now, rows=rows, report=report, pacer=pacer,
                           lease=lease, workers=workers if parallel else None)
            if len(rows) < limit:
                break
    finally:
        lease.stopped.set()
        if keeper is not None:
            keeper.result()
    return report


def _deliver_batch(*, client, db, defaults: Defaults, now: datetime, rows: list[Outbox], report: Report, pacer: Pacer,
                   lease: Lease, workers: Workers | None) -> None:
    by_recipient: dict[str, list[Outbox]] = {}
    for row in rows:  # in id order: a kind with its own sender (channel digests) goes out by itself
        kind = defaults.kinds.get(row.kind)
        if kind is not None and kind.send is not None:
            kind.send(client=client, db=db, defaults=defaults, now=now, row=row, report=report, pacer=pacer)
        else:
            by_recipient.setdefault(row.recipient, []).append(row)

    def one(recipient: str) -> Report:
        own = Report()  # one per recipient: workers do not share counters
        _deliver_to(client=client, db=db, defaults=defaults, now=now, recipient=recipient, rows=by_recipient[recipient],
                    report=own, pacer=pacer, lease=lease)
        return own

    for done in (workers.pool.map(one, list(by_recipient)) if workers else map(one, list(by_recipient))):
        report.add(done)


@dataclass
class Item:
    row: Outbox
    rendered: Rendered
    kind: Kind
    shown: Rendered | None = None  # what the message carries: the rendered blocks, or the one-block line


def _deliver_to(*, client, db, defaults: Defaults, now: datetime, recipient: str, rows: list[Outbox], report: Report,
                pacer: Pacer, lease: Lease | None = None) -> None:
    if lease is not None:  # this recipient's rows only: workers never update each other's
        lease.renew([row.id for row in rows])
    rows = reconcile(client=client, db=db, now=now, recipient=recipient, rows=rows, report=report)
    profile = fetch_profile(client=client, db=db, user_id=recipient, defaults=defaults, now=now)
    rows = _wait_out_quiet_hours(db=db, now=now, profile=profile, defaults=defaults, rows=rows, report=report)
    items, kept = [], []  # kept: what prefetch loaded, held so the session's weak identity map keeps it
    with transaction(db) as session:
        for name in {row.kind for row in rows}:
            kind = defaults.kinds[name]
            if kind.prefetch is not None:
                kept.append(kind.prefetch(session, [row for row in rows if row.kind == name]))
        for row in rows:
            kind = defaults.kinds[row.kind]
            rendered = kind.render(session, row, profile, now, defaults)
            if rendered is None:
                outbox.mark_skipped(session=session, outbox_id=row.id, reason="no longer applies", token=row.claim_token)
                report.skipped += 1
            else:
                items.append(Item(row, rendered, kind, shown=rendered))
    standalone = [[item] for item in items if not item.kind.grouped]
    for chunk in standalone + _chunks([item for item in items if item.kind.grouped]):
        header = chunk[0].kind.header if len(chunk) == 1 and not chunk[0].kind.grouped else None
        pacer.wait(recipient)
        try:
            post_chunk(client=client, db=db, now=now, recipient=recipient, chunk=[(i.row, i.shown) for i in chunk],
                       profile=profile, report=report, header=header)
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


def _urgent(kind: Kind | None, row: Outbox) -> bool:
    return kind is not None and (kind.urgent(row) if callable(kind.urgent) else kind.urgent)


def _wait_out_quiet_hours(*, db, now: datetime, profile: Profile, defaults: Defaults, rows: list[Outbox],
                          report: Report) -> list[Outbox]:
    try:
        window = parse_window(profile.quiet_hours or defaults.quiet_hours)
    except DomainError:
        window = None
    until = quiet_until(window, now=now, tz=profile.zone)
    if until is None:
        return rows
    urgent = {row.id for row in rows if _urgent(defaults.kinds.get(row.kind), row)}
    waiting = [row for row in rows if row.id not in urgent]
    with transaction(db) as session:
        for row in waiting:
            outbox.defer(session=session, outbox_id=row.id, until=until, token=row.claim_token)
    report.deferred += len(waiting)
    return [row for row in rows if row.id in urgent]


def _chunks(items: list[Item]) -> list[list[Item]]:
    """Items into messages within Block Kit's 50 blocks (a header, and a divider per item). When
    that takes more than FULL_MESSAGES messages, items that have a one-block line use it instead
    (no divider): 2,000 reminders are 41 messages, not 400."""
    full = _pack(items, lambda item: len(item.rendered.blocks) + 1)
    for item in items:
        item.shown = item.rendered
    if len(full) <= FULL_MESSAGES:
        return full
    for item in items:
        if item.rendered.line is not None:
            item.shown = Rendered(item.rendered.text, [item.rendered.line], line=item.rendered.line)
    return _pack(items, lambda item: len(item.shown.blocks) + (not _is_line(item.shown)))


def _is_line(rendered: Rendered) -> bool:
    return rendered.line is not None and rendered.blocks == [rendered.line]


def _pack(items: list[Item], size: Callable[[Item], int]) -> list[list[Item]]:
    chunks, current, used = [], [], 1
    for item in items:
        n = size(item)
        if current and used + n > MESSAGE_BLOCKS:
            chunks.append(current)
            current, used = [], 1
        current.append(item)
        used += n
    return chunks + ([current] if current else [])


def _compose(chunk: list, profile: Profile, header: str | None = None) -> tuple[str, list[dict]]:
    """One alert alone (under a header when its kind stands out), or several under "you have N
    alerts", each tagged with its outbox id; a one-block line needs no divider."""
    if len(chunk) == 1:
        row, rendered = chunk[0]
        head = [{"type": "header", "block_id": "head", "text": plain(clip(t(profile.locale, header), 150))}] if header else []
        return rendered.text, head + tag_blocks(rendered.blocks, row.id)
    blocks = [{**context_block(t(profile.locale, "alerts_grouped", count=len(chunk))), "block_id": "head"}]
    for n, (row, rendered) in enumerate(chunk):
        if not _is_line(rendered):
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
