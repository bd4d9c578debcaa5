"""Benchmark (not a test): building a whole weekly channel digest at 100,000 customers and
1,000,000 interactions — the message (handlers/digests/messages.render_digest: figure_cards.report_blocks
with last month's churn review) and both charts (chart_files: the funnel's figures, the 8-week
trend, two PNGs drawn with matplotlib).

    .venv/bin/python -m tests.bench_digest [--customers 100000] [--interactions 1000000] [--runs 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Migrates a fresh database with the real revisions (a temporary SQLite file, or a schema of its own
on PostgreSQL, both removed afterwards), seeds it as tests/bench_figures.py does (200 reps in 10
teams of 20 over two years), subscribes a channel to one team's weekly digest and to everyone's,
queues them as the scheduler would on Monday 23 Nov 2026 10:00 Shanghai, and times building each.
"""
from __future__ import annotations

import argparse
import time

from sqlmodel import select

from bot.alerts import alert_kinds
from bot.hooks import features_hooks
from handlers.context import Defaults
from handlers.digests.messages import chart_files, render_digest, subscription_of
from store.db import make_engine, session_factory, transaction
from store.digests import CHART_KIND, KIND, queue_due, subscribe
from store.migrate import upgrade
from store.models import Outbox
from store.sla import Calendar
from tests.bench_figures import MANAGERS, NOW, seed, timed
from tests.scratch import ScratchDatabase

SUBSCRIBED = NOW.replace(month=10, day=1)  # before November: the first digest of the month carries October's churn review


def prepare(db) -> dict[str, tuple[Outbox, Outbox]]:
    """Subscriptions for a team of 20 and for everyone, queued at NOW: {label: (digest row, chart row)}."""
    labels = {MANAGERS[3]: "team of 20", "": "everyone"}
    with transaction(db) as s:
        for team in labels:
            subscribe(session=s, channel_id=f"CBENCH{team or 'ALL'}", cadence="weekly", team_of=team, at_time="10:00",
                      tz="Asia/Shanghai", locale="zh-CN", by="UADMIN", now=SUBSCRIBED)
    with transaction(db) as s:
        queued = queue_due(session=s, now=NOW)
    assert queued == len(labels), queued
    out = {}
    with transaction(db) as s:
        for team, label in labels.items():
            rows = {r.kind: r for r in s.exec(select(Outbox).where(Outbox.recipient == f"CBENCH{team or 'ALL'}"))}
            out[label] = (rows[KIND], rows[CHART_KIND])
    return out


def run(db, runs: int) -> None:
    defaults = Defaults(kinds=alert_kinds(), hooks=features_hooks(), tz="Asia/Shanghai", locale="zh-CN", calendar=Calendar(tz="Asia/Shanghai"))
    for label, (digest, chart) in prepare(db).items():
        def message():
            with transaction(db) as s:
                return render_digest(s, digest, subscription_of(s, digest), defaults, NOW)

        def charts():
            with transaction(db) as s:
                return chart_files(s, chart, subscription_of(s, chart), defaults, NOW)

        message_ms, rendered = timed(message, runs)
        charts_ms, files = timed(charts, runs)
        sizes = ", ".join(f"{f['filename']} {len(f['content']) // 1024} KB" for f in files)
        print(f"{label:<11} digest {(message_ms + charts_ms) / 1000:5.2f} s  (message {message_ms / 1000:.2f} s,"
              f" {len(rendered.blocks)} blocks; charts {charts_ms / 1000:.2f} s: {sizes})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = ScratchDatabase(args.database_url)
    try:
        upgrade(scratch.url)
        engine = make_engine(scratch.url)
        started = time.perf_counter()
        seed(engine, args.customers, args.interactions)
        print(f"{engine.dialect.name}: seeded {args.customers} customers, {args.interactions} interactions"
              f" in {time.perf_counter() - started:.1f} s; median of {args.runs} runs:")
        run(session_factory(engine), args.runs)
        engine.dispose()
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
