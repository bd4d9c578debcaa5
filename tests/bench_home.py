"""Benchmark (not a test): drawing the App Home tab of a rep with 2,000 customers and 5,000 pending
next actions, among 100,000 customers and 200,000 actions in all.

    .venv/bin/python -m tests.bench_home [--customers 100000] [--mine 2000] [--my-actions 5000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Seeds a fresh database (a temporary SQLite file, or a schema of its own on PostgreSQL, dropped
afterwards) in bulk, then times `home_blocks` (the queries and the blocks), the same for a manager
(with the team's figures for the week), and `publish` end to end against the fake Slack server.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert
from sqlmodel import SQLModel

from bot.alerts import alert_kinds
from bot.hooks import features_hooks
from handlers.context import Defaults, Profile
from handlers.home.views import home_blocks, publish
from store.db import make_engine, session_factory, transaction
from store.models import Customer, NextAction, SlackUser, Ticket
from tests.fake_slack import FakeSlack
from tests.scratch import ScratchDatabase, analyze, report as _report, timed

NOW = datetime(2026, 11, 17, 2, 0, tzinfo=timezone.utc)  # Tue 17 Nov 2026, 10:00 in Shanghai
REP, BOSS = "U0REP00001", "U0BOSS0003"
CHUNK = 20_000
STAGES = ("lead", "nurturing", "converted", "mature", "churned")


def _flush(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])
    rows.clear()


def seed(engine, customers: int, mine: int, my_actions: int) -> None:
    """`mine` of the customers are REP's, the rest spread over 50 other owners (BOSS manages REP
    and ten of them); REP has `my_actions` pending actions from 60 days ago to 30 days ahead, the
    others two each; a twentieth of the customers have an open ticket."""
    rng = random.Random(5)
    owners = [REP if i < mine else f"U{i % 50:04d}" for i in range(customers)]
    with engine.begin() as conn:
        user = dict(email="", tz="Asia/Shanghai", locale="zh-CN", fetched_at=NOW, role="rep", manager_id=None, quiet_hours=None)
        conn.execute(insert(SlackUser), [{**user, "id": REP, "name": "rep", "manager_id": BOSS},
                                         {**user, "id": BOSS, "name": "boss", "role": "manager"},
                                         *[{**user, "id": f"U{n:04d}", "name": f"u{n}", "manager_id": BOSS if n < 10 else None}
                                           for n in range(50)]])
        rows = []
        for i, owner in enumerate(owners):
            stage = STAGES[rng.randrange(5)]
            band = rng.choice(("green", "green", "yellow", "red")) if stage in ("converted", "mature") else None
            rows.append(dict(code=f"C2026{i:07d}", name=f"客户{i} Co", name_norm=f"客户{i} co", company="", industry="", region="",
                             source="", stage=stage, status="to_nurture", owner_id=owner, created_by=owner, created_at=NOW,
                             updated_at=NOW, search_norm="", health_band=band,
                             health_score=None if band is None else {"green": 80, "yellow": 55, "red": 20}[band] + rng.randrange(10)))
        _flush(conn, Customer, rows)
        actions = []
        for n in range(my_actions):
            actions.append(dict(customer_id=1 + n % mine, title=f"行动{n}", owner_id=REP, created_by=REP, status="open",
                                due_at=NOW + timedelta(minutes=rng.randint(-60 * 24 * 60, 60 * 24 * 30)), created_at=NOW, updated_at=NOW))
        for i in range(mine, customers):
            for k in range(2):
                actions.append(dict(customer_id=1 + i, title="t", owner_id=owners[i], created_by=owners[i], status="open",
                                    due_at=NOW + timedelta(minutes=rng.randint(-60 * 24 * 60, 60 * 24 * 30)), created_at=NOW, updated_at=NOW))
        _flush(conn, NextAction, actions)
        tickets = [dict(code=f"T2026{i:07d}", customer_id=1 + i, priority="P3", type="complaint", description="d", status="open",
                        assignee_id=owners[i], created_by=owners[i], created_at=NOW - timedelta(hours=rng.randint(1, 200)),
                        updated_at=NOW, sla_business=True, response_minutes=120, resolution_minutes=1440)
                   for i in range(0, customers, 20)]
        _flush(conn, Ticket, tickets)
    analyze(engine)


def report(label: str, ms: list[float]) -> None:
    _report(label, ms, width=52)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--mine", type=int, default=2_000)
    parser.add_argument("--my-actions", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    scratch = ScratchDatabase(args.database_url)
    engine = make_engine(scratch.url)
    try:
        SQLModel.metadata.create_all(engine)
        started = time.perf_counter()
        seed(engine, args.customers, args.mine, args.my_actions)
        print(f"{engine.dialect.name}: seeded {args.customers} customers ({args.mine} the rep's), "
              f"{args.my_actions + 2 * (args.customers - args.mine)} next actions ({args.my_actions} the rep's) "
              f"in {time.perf_counter() - started:.1f} s")
        db = session_factory(engine)
        defaults = Defaults(kinds=alert_kinds(), hooks=features_hooks(), tz="Asia/Shanghai", locale="zh-CN")

        def build(user_id: str):
            def run():
                with transaction(db) as s:
                    blocks, _ = home_blocks(s, profile=Profile(user_id=user_id, tz="Asia/Shanghai", locale="zh-CN"),
                                            defaults=defaults, now=NOW)
                assert len(blocks) <= 100
            return run

        with transaction(db) as s:
            count = len(home_blocks(s, profile=Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN"), defaults=defaults,
                                    now=NOW)[0])
        print(f"the rep's tab: {count} blocks")
        report("home_blocks: the rep (queries + blocks)", timed(build(REP), args.runs))
        report("home_blocks: their manager (+ the team's week)", timed(build(BOSS), max(5, args.runs // 5)))
        fake = FakeSlack().start()
        try:
            from slack_sdk import WebClient

            client = WebClient(token="xoxb-test", base_url=fake.url, timeout=10)
            report("publish: the rep (+ views.publish to the fake)",
                   timed(lambda: publish(client=client, db=db, defaults=defaults, user_id=REP, now=NOW), args.runs))
            assert not fake.violations, fake.violations
        finally:
            fake.stop()
    finally:
        engine.dispose()
        scratch.drop()


if __name__ == "__main__":
    main()
