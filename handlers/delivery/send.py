"""Sending what the outbox holds: claim, then per recipient, render in their language, group,
pace and post; record what Slack said.

- A run claims what is due in batches until nothing is left, under one token (store/outbox.py);
  it renews its lease at each recipient and, given workers, every `renew_every` seconds while a
  call to Slack is in flight, so a slow Slack does not hand its alerts to another replica. An
  update whose token no longer holds the row changes nothing: what was taken over is not posted.
- Recipients are served in parallel when bot/ lends workers (Slack's limit is per channel).
- Each message is posted, and what Slack said recorded, by handlers/delivery/post.py: a refusal
  Slack may take back is retried later, a permanent one recorded as failed.
- Routine alerts for one person in one run go out as one message (at most 50 blocks each),
  at most about one message a second per channel; when they would take more than
  FULL_MESSAGES messages, each becomes one line with its main button (Rendered.line). Kinds
  that must stand out (`grouped=False`: breaches, escalations, churn risk) are their own
  message under a header, before the routine ones.
- In the recipient's quiet hours only urgent kinds go out; the rest wait for the morning.
- An alert claimed again after its process died is first looked for in Slack (post.reconcile),
  so it is not posted twice.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError

from handlers.blocks import MESSAGE_BLOCKS
from handlers.context import Defaults, Profile, fetch_profile
from handlers.delivery.kind import Kind, Rendered
from handlers.delivery.post import Pacer, Report, is_line, post_chunk, reconcile
from store import outbox
from store.db import SessionFactory, transaction
from store.errors import DomainError
from store.models import Outbox
from store.quiet import parse_window, quiet_until

log = logging.getLogger(__name__)

CLAIM_BATCH = 20000  # alerts claimed at once; a run claims batch after batch until nothing is due
MAX_BATCHES = 100   # a bound on one run, whatever happens to the clock
FULL_MESSAGES = 5   # beyond this many messages for one person, routine alerts shrink to a line each


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
    return _pack(items, lambda item: len(item.shown.blocks) + (not is_line(item.shown)))


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
