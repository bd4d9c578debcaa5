"""Benchmark (not a test): health scores, RFM, /crm risk and the churn-risk changes at 100,000 customers.

    .venv/bin/python -m tests.bench_health [--customers 100000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Migrates a fresh database (a temporary SQLite file, or a schema of its own on PostgreSQL, dropped
afterwards) with the real revisions, seeds active customers (converted or mature, plus a tenth as
many leads and churned ones) with interactions, NPS responses, tickets, won deals and next actions
in bulk, and times a full recompute (every customer written), the same again (nothing to write),
a day later and two hours after that (what changed is written), one customer's, and the queries
the Slack side will run; then the scheduler's passes (store/health_jobs.py): the daily one, a tick
with nothing touched, and a touched pass with 100 customers touched among them all.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, text

from tests.scratch import ScratchDatabase
from store.db import make_engine, session_factory, transaction
from store.grading import Cadence
from store.health import HealthWeights, gather, recompute
from store.health_watch import at_risk, changes
from store.health_jobs import run_due
from store.migrate import upgrade
from store.models import Customer, Deal, Interaction, NextAction, NpsResponse, Ticket
from store.rfm import rfm_cells
from store.sla import Calendar

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
DAY = timedelta(days=1)
CHUNK = 20_000


def _flush(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])
    rows.clear()


def _ticket(rng: random.Random, i: int, j: int, customer_id: int) -> dict:
    created = NOW - timedelta(minutes=rng.randint(0, 120 * 24 * 60))
    business = rng.random() < 0.75
    row = dict(code=f"T{i:07d}{j}", customer_id=customer_id, priority="P2" if business else "P1", type="complaint",
               description="d", created_by="U0000", created_at=created, updated_at=created, sla_business=business,
               response_minutes=120, resolution_minutes=1440, status="solved", first_response_at=None, solved_at=None,
               closed_at=None, pending_since=None)
    if rng.random() < 0.2:  # still open, a third of them answered
        row["status"] = rng.choice(("new", "open", "pending"))
        if row["status"] != "new":
            row["first_response_at"] = created + timedelta(minutes=rng.randint(10, 400))
        if row["status"] == "pending":
            row["pending_since"] = row["first_response_at"] + timedelta(minutes=30)
    else:
        row["first_response_at"] = created + timedelta(minutes=rng.randint(5, 300))
        row["solved_at"] = row["first_response_at"] + timedelta(minutes=rng.randint(30, 3000))
    return row


def seed(engine, customers: int) -> None:
    rng = random.Random(6)
    total = customers + customers // 10
    with engine.begin() as conn:
        rows: dict[str, list[dict]] = {"c": [], "i": [], "n": [], "t": [], "d": [], "a": []}
        for i in range(total):
            cid = i + 1
            active = i < customers
            stage = ("converted" if rng.random() < 0.3 else "mature") if active else rng.choice(("lead", "churned"))
            touched = None if rng.random() < 0.05 else NOW - timedelta(minutes=rng.randint(0, 120 * 24 * 60))
            rows["c"].append(dict(code=f"C{cid:09d}", name=f"客户{cid}", name_norm=f"客户{cid}", stage=stage,
                                  status={"converted": "signed", "mature": "stable", "lead": "to_nurture"}.get(stage, "lost_for_good"),
                                  grade=rng.choice(("A", "B", "B", "C", "C", None)), owner_id=f"U{i % 50:04d}", created_by="U0000",
                                  created_at=NOW - rng.randint(400, 800) * DAY, updated_at=NOW - 300 * DAY,
                                  last_interaction_at=touched, first_contact_at=touched, search_norm=f"客户{cid}"))
            for _ in range(rng.randint(0, 8)):
                rows["i"].append(dict(customer_id=cid, occurred_on=TODAY - timedelta(days=rng.randint(0, 150)), way="visit",
                                      participants="", summary="s", feedback="", author_id="U0000", created_at=NOW))
            if rng.random() < 0.6:
                for _ in range(rng.randint(1, 3)):
                    at = NOW - timedelta(minutes=rng.randint(0, 400 * 24 * 60))
                    rows["n"].append(dict(customer_id=cid, score=rng.randint(0, 10), comment="", source="csv", external_id=None,
                                          responded_at=at, recorded_by=None, created_at=at))
            if rng.random() < 0.3:
                rows["t"] += [_ticket(rng, i, j, cid) for j in range(rng.randint(1, 2))]
            if rng.random() < 0.9:
                for k in range(deals := rng.randint(1, 4)):
                    signed = TODAY - timedelta(days=rng.randint(0, 3 * 365))
                    rows["d"].append(dict(customer_id=cid, title="d", amount=Decimal(rng.randint(1_000, 500_000)), currency="CNY",
                                          stage="won", owner_id=f"U{i % 50:04d}", created_by="U0000", stage_changed_at=NOW,
                                          signed_on=signed, renewal_on=signed + timedelta(days=365) if k == deals - 1 else None,
                                          created_at=NOW, updated_at=NOW))
            if rng.random() < 0.5:
                due = NOW + timedelta(minutes=rng.randint(-30 * 24 * 60, 30 * 24 * 60))
                rows["a"].append(dict(customer_id=cid, title="t", due_at=due, announce_at=None, owner_id=f"U{i % 50:04d}",
                                      created_by="U0000", status="open", created_at=NOW - 40 * DAY, updated_at=NOW - 40 * DAY))
            if len(rows["c"]) == CHUNK:  # customers first: the others refer to them
                _flush(conn, Customer, rows["c"])
        _flush(conn, Customer, rows["c"])
        counts = {name: len(rows[key]) for key, name in (("i", "interactions"), ("n", "NPS responses"), ("t", "tickets"),
                                                           ("d", "won deals"), ("a", "next actions"))}
        for key, table in (("i", Interaction), ("n", NpsResponse), ("t", Ticket), ("d", Deal), ("a", NextAction)):
            _flush(conn, table, rows[key])
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    print(f"seeded {customers} active customers (+{total - customers} leads and churned), "
          + ", ".join(f"{n} {name}" for name, n in counts.items()))


def once(label: str, fn):
    started = time.perf_counter()
    out = fn()
    print(f"{label:<52} {(time.perf_counter() - started):8.2f} s   {out if out is not None else ''}")
    return out


def repeated(label: str, fn, n: int = 20) -> None:
    ms = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - started) * 1000)
    print(f"{label:<52} n={n:<3} median {statistics.median(ms):8.2f} ms   max {max(ms):8.2f} ms")


def run(db, customers: int) -> None:
    def q(fn):
        def call():
            with transaction(db) as s:
                return fn(s)
        return call

    def summary(report):
        return f"computed {report.computed}, written {report.written}, cleared {report.cleared}, {report.bands}"

    once("rfm_cells (NTILE over every active customer)", q(lambda s: f"{len(rfm_cells(session=s))} cells"))
    once("gather (the seven fact queries)", q(lambda s: f"{len(gather(session=s, now=NOW))} customers"))
    once("recompute, first (every customer written)", q(lambda s: summary(recompute(session=s, now=NOW))))
    with db() as s:  # what autovacuum does after such a write: the planner learns the scores exist
        s.execute(text("ANALYZE"))
        s.commit()
    once("recompute, same instant (nothing to write)", q(lambda s: summary(recompute(session=s, now=NOW))))
    once("recompute, a day later", q(lambda s: summary(recompute(session=s, now=NOW + DAY))))
    once("recompute, 2 hours after that", q(lambda s: summary(recompute(session=s, now=NOW + DAY + 2 * timedelta(hours=1)))))
    repeated("recompute one customer", q(lambda s: recompute(session=s, now=NOW + 2 * DAY, customer_ids=[customers // 2])), 5)
    repeated("at_risk, everyone's, limit 20", q(lambda s: at_risk(session=s, scope_owner_ids=None, limit=20)))
    repeated("at_risk, one owner (2,000 customers), limit 20", q(lambda s: at_risk(session=s, scope_owner_ids=["U0007"], limit=20)))
    repeated("at_risk, a team of 8 owners, limit 50",
             q(lambda s: at_risk(session=s, scope_owner_ids=[f"U{i:04d}" for i in range(8)], limit=50)))
    once("changes since the day-later run, drop 15", q(lambda s: f"{len(changes(session=s, since=NOW + DAY, drop_points=15))} changes"))
    once("changes since the last run, drop 15",
         q(lambda s: f"{len(changes(session=s, since=NOW + DAY + timedelta(hours=1), drop_points=15))} changes"))


def scheduler(db, customers: int) -> None:
    """The passes a tick runs: daily (everyone), the next ticks (the few next actions that fell due
    meanwhile: about one a minute here), a tick whose pass is taken (the read-only look alone), and
    a pass with 100 customers touched."""
    rules = dict(weights=HealthWeights(), cadence=Cadence(), calendar=Calendar(tz="Asia/Shanghai"), drop_points=15)
    day = NOW + 3 * DAY  # 10:00 in Shanghai: the daily pass is due

    def tick(minutes: int):
        return lambda: run_due(db=db, now=day + timedelta(minutes=minutes), **rules)

    def report(r):
        return f"{r.kind}: computed {r.computed}, written {r.written}, pings queued {r.queued}"

    once("scheduler: first daily pass (the baseline: no pings)",
         lambda: report(run_due(db=db, now=day - DAY, **rules)))
    once("scheduler: daily pass a day later (everyone, pings)", lambda: report(tick(0)()))
    once("scheduler: the tick a minute later", lambda: report(tick(1)()))
    once("scheduler: the tick after (two passes back)", lambda: report(tick(2)()))
    repeated("scheduler: that tick again (its pass taken: the look)", tick(2), 5)
    chosen = random.Random(7).sample(range(1, customers + 1), 100)
    logged = day + timedelta(minutes=3)
    with db() as s:
        s.execute(insert(Interaction), [dict(customer_id=cid, occurred_on=logged.date(), way="phone", participants="", summary="s",
                                             feedback="", author_id="U0000", created_at=logged) for cid in chosen])
        s.execute(Customer.__table__.update().where(Customer.id.in_(chosen)).values(last_interaction_at=logged))
        s.commit()
    once("scheduler: touched pass, 100 interactions logged", lambda: report(tick(4)()))


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
        print(f"{engine.dialect.name}: seeded in {time.perf_counter() - started:.1f} s")
        run(session_factory(engine), args.customers)
        scheduler(session_factory(engine), args.customers)
        engine.dispose()
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
