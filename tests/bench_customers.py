"""Benchmark (not a test): /crm find, /crm mine and the cadence and review sweeps at 100,000 customers.

    .venv/bin/python -m tests.bench_customers [--customers 100000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Migrates a fresh database (a temporary SQLite file, or a schema of its own on PostgreSQL, dropped
afterwards) with the real revisions, so PostgreSQL has its trigram index, seeds it and prints
percentiles of each query.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, text

from store.customers import customers_by_stage, find_customers
from tests.scratch import ScratchDatabase
from store.db import make_engine, session_factory, transaction
from store.grading import Cadence, cadence_sweep
from store.lifecycle import review_sweep
from store.migrate import upgrade
from store.models import Customer, NextAction
from store.permissions import Viewer
from tests.bench_ack import report, timed

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
WORDS = ["星河", "北方", "华东", "蓝天", "远景", "长城", "东方", "恒信", "瑞丰", "鼎盛", "Galaxy", "Northern", "Apex", "Blue"]
INDUSTRIES = ["制造业", "零售", "金融", "教育", "医疗", "物流", "SaaS", "能源"]
STAGES = ["lead"] * 4 + ["nurturing"] * 3 + ["converted"] * 1 + ["mature"] * 2 + ["churned"]
STATUS = {"lead": "to_nurture", "nurturing": "needs_follow_up", "converted": "signed", "mature": "stable", "churned": "lost_for_good"}


def seed(engine, customers: int) -> None:
    rng = random.Random(11)
    with engine.begin() as conn:
        batch, actions = [], []
        for i in range(customers):
            name = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{i}"
            company, industry = f"{rng.choice(WORDS)}科技有限公司", rng.choice(INDUSTRIES)
            code = f"C2026{i // 100000 + 10:02d}{i % 100000:05d}"
            tags = "vip" if i % 20 == 0 else ""
            stage = rng.choice(STAGES)
            touched = None if i % 10 == 0 else NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
            batch.append(dict(code=code, name=name, name_norm=name.casefold(), company=company, industry=industry, region="",
                              source="referral", stage=stage, status=STATUS[stage], grade=rng.choice("AABBBCCCC") if i % 5 else None,
                              owner_id=f"U{i % 50:04d}", created_by="U0000", created_at=NOW - timedelta(days=120),
                              updated_at=NOW - timedelta(minutes=i % 5000), stage_changed_at=NOW - timedelta(days=100),
                              last_interaction_at=touched, first_contact_at=touched,
                              search_norm=" ".join(p for p in (name, company, code, industry, tags) if p).casefold()))
            if i % 5 < 2:  # two customers in five have something pending
                actions.append(dict(customer_id=i + 1, title="t", due_at=NOW + timedelta(days=rng.randint(-30, 30)),
                                    announce_at=None, owner_id=f"U{i % 50:04d}", created_by="U0000", status="open",
                                    created_at=NOW - timedelta(days=40), updated_at=NOW - timedelta(days=40)))
            if len(batch) == 20000:
                conn.execute(insert(Customer), batch)
                batch = []
        if batch:
            conn.execute(insert(Customer), batch)
        for start in range(0, len(actions), 20000):
            conn.execute(insert(NextAction), actions[start:start + 20000])
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = ScratchDatabase(args.database_url)
    url = scratch.url
    try:
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine, args.customers)
        print(f"{engine.dialect.name}: seeded {args.customers} customers in {time.perf_counter() - started:.1f} s")
        run(session_factory(engine))
        engine.dispose()
    finally:
        scratch.drop()


def run(db) -> None:
    def q(fn):
        def call():
            with transaction(db) as s:
                return fn(s)
        return call

    admin, rep = Viewer(id="UADMIN", role="admin"), Viewer(id="U0007", visibility="own")
    team = Viewer(id="U0007", visibility="team", teammates=frozenset(f"U{i:04d}" for i in range(10)))
    for label, words, viewer in (("find '77777' (a code or name digits), admin", "77777", admin),
                                 ("find '星河北方' (4 chars), admin", "星河北方", admin),
                                 ("find '星河' (2 chars), admin", "星河", admin),
                                 ("find 'vip 金融' (tag + industry), admin", "vip 金融", admin),
                                 ("find 'c20261012345' (code), admin", "c20261012345", admin),
                                 ("find '星河' as a rep, visibility own", "星河", rep),
                                 ("find '星河北方' as a rep, visibility team", "星河北方", team),
                                 ("find 'nothing-like-this', admin", "nothing-like-this", admin)):
        report(label, timed(q(lambda s: find_customers(session=s, words=words, viewer=viewer, limit=20)), 30))
    report("mine: customers_by_stage (2,000 customers)", timed(q(lambda s: customers_by_stage(session=s, owner_id="U0007")), 30))
    started = time.perf_counter()
    made = q(lambda s: len(cadence_sweep(session=s, now=NOW, cadence=Cadence(), limit=1000)))()
    print(f"cadence_sweep creating {made} follow-ups: {(time.perf_counter() - started) * 1000:.0f} ms")
    with db() as s:  # the steady state: every overdue customer has its follow-up pending
        s.execute(text(
            "INSERT INTO next_action (customer_id, title, due_at, announce_at, owner_id, created_by, status, origin, created_at, updated_at)"
            " SELECT c.id, 'f', :now, NULL, c.owner_id, 'crm', 'open', 'cadence', :now, :now FROM customer c"
            " WHERE NOT EXISTS (SELECT 1 FROM next_action a WHERE a.customer_id = c.id AND a.status IN ('open', 'snoozed'))"),
            {"now": NOW.replace(tzinfo=None) if s.get_bind().dialect.name == "sqlite" else NOW})
        s.commit()
    report("cadence_sweep, steady state (nothing to do)", timed(q(lambda s: cadence_sweep(session=s, now=NOW, cadence=Cadence())), 10))
    with db() as s:
        s.execute(text(
            "INSERT INTO next_action (customer_id, title, due_at, announce_at, owner_id, created_by, status, origin, created_at, updated_at)"
            " SELECT c.id, 'r', :now, NULL, c.owner_id, 'crm', 'open', 'lifecycle:quarterly_review', :now, :now FROM customer c"
            " WHERE c.stage = 'mature'"), {"now": NOW.replace(tzinfo=None) if s.get_bind().dialect.name == "sqlite" else NOW})
        s.commit()
    report("review_sweep, steady state (nothing to do)", timed(q(lambda s: review_sweep(session=s, now=NOW)), 10))
    show_through_the_app(db)


def show_through_the_app(db, n: int = 30) -> None:
    """/crm show and /crm find as Slack sends them: signed HTTP into the real app, until the
    answer reaches the response_url (the card is built after the ack)."""
    from store.users import set_role
    from tests.bolt_server import BoltServer
    from tests.fake_slack import FakeSlack

    fake = FakeSlack().start()
    fake.add_user("U0007", tz="Asia/Shanghai", locale="zh-CN")
    with transaction(db) as s:
        set_role(session=s, user_id="U0007", role="admin")
        code = s.execute(text("SELECT code FROM customer WHERE owner_id = 'U0007' ORDER BY id LIMIT 1 OFFSET 500")).scalar_one()
    server = BoltServer(db=db, fake=fake)
    try:
        for label, words in ((f"/crm show {code}", f"show {code}"), ("/crm find 星河北方", "find 星河北方")):
            acks, answers = [], []
            for _ in range(n):
                fake.reset()
                started = time.perf_counter()
                _, _, ack = server.command(words, user="U0007")
                fake.wait_for("response_url:cmd", timeout=30)
                acks.append(ack * 1000)
                answers.append((time.perf_counter() - started) * 1000)
            shown = fake.calls_to("response_url:cmd")[0].params
            print(f"  (last answer: {len(shown.get('blocks') or [])} blocks, {str(shown.get('text') or shown.get('blocks'))[:90]!r})")
            report(f"{label}: ack", acks)
            report(f"{label}: answer shown", answers)
    finally:
        server.stop()
        fake.stop()


if __name__ == "__main__":
    main()
