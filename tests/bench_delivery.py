"""Benchmark (not a test): how fast alerts that fall due together reach Slack.

    .venv/bin/python -m tests.bench_delivery [--due 10000] [--owners 5] [--database-url postgresql+psycopg://...]

Seeds `--due` next actions falling due at one instant for `--owners` owners, then runs the
scheduler's tick as the bot does (its delivery workers, a real 1 s pacer per channel) against the
fake Slack enforcing Slack's chat limit: one message per second per channel, 429 with
Retry-After beyond it. Prints the figures, the floor measured in the same run (the raw select of
the due rows, and the fewest messages that can carry them posted straight at 1/s per channel,
owners in parallel) and the ratio.
"""
from __future__ import annotations

import argparse
import math
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from slack_sdk import WebClient
from sqlalchemy import insert, text
from sqlmodel import SQLModel

from bot.alerts import alert_kinds
from bot.scheduler import DELIVERY_WORKERS
from handlers.context import Defaults
from handlers.delivery.jobs import queue_due_actions, tick
from handlers.blocks import MESSAGE_BLOCKS
from handlers.delivery.post import Pacer
from handlers.delivery.send import Workers
from store.db import make_engine, session_factory, transaction
from store.models import Customer, NextAction
from tests.fake_slack import FakeSlack
from tests.scratch import ScratchDatabase, queueing_floor

NOW = datetime(2031, 3, 4, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai, a Tuesday
WORKERS = DELIVERY_WORKERS  # as the bot runs


def seed(engine, due: int, owners: int) -> list[str]:
    people = [f"U{n:09d}" for n in range(owners)]
    made = NOW - timedelta(days=3)
    with engine.begin() as conn:
        for start in range(0, due, 5000):
            conn.execute(insert(Customer), [dict(code=f"C{i:010d}", name=f"客户{i}", name_norm=f"客户{i}", company="", industry="",
                                                 region="", source="", stage="lead", owner_id=people[i % owners], created_by=people[0],
                                                 created_at=made, updated_at=made) for i in range(start, min(due, start + 5000))])
        first = conn.execute(text("select min(id) from customer")).scalar()
        for start in range(0, due, 5000):
            conn.execute(insert(NextAction), [dict(customer_id=first + i, interaction_id=None, title=f"跟进{i}", due_at=NOW, announce_at=NOW,
                                                   owner_id=people[i % owners], created_by=people[0], status="open", created_at=made,
                                                   updated_at=made) for i in range(start, min(due, start + 5000))])
    return people


def floor(engine, fake: FakeSlack, due: int, owners: int, interval: float) -> tuple[float, float, int]:
    """(raw select seconds, seconds to post the fewest messages that carry them, messages)."""
    started = time.perf_counter()
    with engine.connect() as conn:
        rows = conn.execute(text("select id, owner_id, title from next_action where announce_at is not null or status = 'open'")).all()
    selected = time.perf_counter() - started
    per_owner = math.ceil(due / owners / (MESSAGE_BLOCKS - 1))
    client = WebClient(token="xoxb-floor", base_url=fake.url)

    def post(channel: str) -> None:
        last = None
        for _ in range(per_owner):
            if last is not None and time.monotonic() < last + interval:
                time.sleep(last + interval - time.monotonic())
            client.chat_postMessage(channel=channel, text="x", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}])
            last = time.monotonic()

    started = time.perf_counter()
    with ThreadPoolExecutor(max(owners, 1)) as pool:
        list(pool.map(post, [f"D{n:09d}" for n in range(owners)]))
    return selected, time.perf_counter() - started, per_owner * owners if rows else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--owners", type=int, default=5)
    parser.add_argument("--interval", type=float, default=1.0, help="Slack's seconds between messages to one channel")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = ScratchDatabase(args.database_url)
    engine = make_engine(scratch.url)
    fake = FakeSlack().start()
    fake.post_interval = args.interval
    pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="bench-deliver")
    try:
        SQLModel.metadata.create_all(engine)
        people = seed(engine, args.due, args.owners)
        for who in people:
            fake.add_user(who, tz="Asia/Shanghai", locale="zh-CN")
        db = session_factory(engine)
        defaults = Defaults(tz="Asia/Shanghai", locale="zh-CN", quiet_hours="off", kinds=alert_kinds())
        client = WebClient(token="xoxb-bench", base_url=fake.url, timeout=10)
        print(f"{engine.dialect.name}: {args.due} actions due at one instant for {args.owners} owners; Slack allows 1 message/{args.interval:g} s per channel")

        floor_ms, due = queueing_floor(engine, NOW)
        started = time.perf_counter()
        queued = queue_due_actions(db=db, now=NOW)
        queue_ms = (time.perf_counter() - started) * 1000
        print(f"queueing: {queued} alerts in {queue_ms:.0f} ms = {queue_ms / max(queued, 1):.3f} ms per alert (target <= 0.2); "
              f"floor (raw INSERT ... SELECT and UPDATE of the same {due}) {floor_ms:.0f} ms = {floor_ms / max(due, 1):.3f} ms per alert, "
              f"ratio {queue_ms / max(floor_ms, 1e-6):.2f}x")

        started = time.perf_counter()
        sent = messages = rounds = 0
        while sent < queued and rounds < 10:  # the scheduler's next ticks, should anything be left
            report = tick(client=client, db=db, defaults=defaults, now=NOW + timedelta(seconds=time.perf_counter() - started),
                          pacer=Pacer(args.interval), workers=Workers(pool, WORKERS))
            sent, messages, rounds = sent + report.sent, messages + report.messages, rounds + 1
        took = time.perf_counter() - started
        with transaction(db) as s:
            statuses = dict(s.exec(text("select status, count(*) from outbox group by status")).all())
        refused = sum(1 for c in fake.calls_to("chat.postMessage") if c.status == 429)
        print(f"delivery: {sent} alerts in {messages} messages; last sent after {took:.1f} s ({sent / took:.0f} alerts/s); "
              f"{refused} posts refused with 429; {rounds} tick(s); outbox {statuses}; {len(fake.violations)} Block Kit violations")

        selected, posted, fewest = floor(engine, fake, args.due, args.owners, args.interval)
        bound = selected + posted
        print(f"floor: raw select {selected * 1000:.1f} ms + the fewest messages ({fewest}) posted straight at the limit {posted:.1f} s = {bound:.1f} s")
        print(f"figure {took:.1f} s, floor {bound:.1f} s, ratio {took / bound:.2f}x; target: every alert within 120 s of falling due "
              f"-> {'met' if took <= 120 else 'NOT met'}")
    finally:
        pool.shutdown()
        fake.stop()
        engine.dispose()
        scratch.drop()


if __name__ == "__main__":
    main()
