"""Benchmark (not a test): a weekly digest's figures at 100,000 customers and 1,000,000 interactions.

    .venv/bin/python -m tests.bench_figures [--customers 100000] [--interactions 1000000] [--runs 5]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--no-indexes]

Migrates a fresh database with the real revisions (a temporary SQLite file, or a schema of its own on
PostgreSQL, both removed afterwards), seeds it by bulk insert (COPY on PostgreSQL, executemany on SQLite):
200 reps in 10 teams of 20, customers with their stage history, interactions, next actions, deals
with their audit entries, tickets and NPS responses spread over two years. Then it times
`figures` + `per_rep` + the four lists for the last Shanghai week, for one team of 20 reps and for
everyone; then creates the indexes store/figures recommends (RECOMMENDED), runs ANALYZE and times
them again.
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import text

from tests.scratch import ScratchDatabase
from store.db import make_engine, session_factory
from store.figures import Period, Scope, deals_moved, detractors, figures, per_rep, sla_breaches, stale_customers
from store.migrate import upgrade
from store.sla import Calendar

UTC = timezone.utc
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai: last week's digest
WEEK = Period.week(date(2026, 11, 16), "Asia/Shanghai")
REPS = [f"U{i:04d}" for i in range(200)]
MANAGERS = [f"UM{t:02d}" for t in range(10)]
WAYS = ["visit", "phone", "phone", "email", "meeting", "online_meeting", "other"]
PATH = ["lead", "nurturing", "converted", "mature", "churned"]
RECOMMENDED = {
    "ix_interaction_author_created": "interaction (author_id, created_at)",
    "ix_interaction_created_way": "interaction (created_at, way)",
    "ix_next_action_owner_status_due": "next_action (owner_id, status, due_at)",
    "ix_next_action_status_due": "next_action (status, due_at)",
    "ix_stage_change_at": "stage_change (at)",
    "ix_ticket_created": "ticket (created_at)",
}


def _ts(rng: random.Random, days_back: float, days_ahead: float = 0) -> datetime:
    return NOW - timedelta(seconds=rng.uniform(-days_ahead * 86400, days_back * 86400))


def rows(customers: int, interactions: int):
    """Every table's rows, generated with a fixed seed: (table, columns, list of tuples)."""
    rng = random.Random(5)
    users = [(m, m, "", "manager", None) for m in MANAGERS] + [(r, r, "", "rep", MANAGERS[i // 20]) for i, r in enumerate(REPS)]
    yield "slack_user", ("id", "name", "email", "role", "manager_id"), users
    cust, changes, owners, created_of = [], [], [], []
    for n in range(1, customers + 1):
        owner, created = REPS[n % len(REPS)], _ts(rng, 730, 0)
        stage = rng.choices(PATH, weights=(35, 25, 15, 17, 8))[0]
        changes.append((n, created, "x", None, None, "lead", "to_nurture", "created"))
        at, last = created, "lead"
        for step in PATH[1:PATH.index(stage) + 1]:
            at = at + (NOW - at) * rng.uniform(0.05, 0.6)
            changes.append((n, at, "x", last, "s", step, "s", ""))
            last = step
        touched = None if n % 10 == 0 else max(created, _ts(rng, 120))
        cust.append((n, f"C{n:08d}", f"客户{n}", f"客户{n}", "", "", "", "", stage, "s", rng.choice("AABBBCCCC") if n % 5 else None,
                     owner, owner, created, created, at, "high" if n % 10 == 0 else None, touched, touched, "", ""))
        owners.append(owner)
        created_of.append(created)
    yield "customer", ("id", "code", "name", "name_norm", "company", "industry", "region", "source", "stage", "status", "grade",
                       "owner_id", "created_by", "created_at", "updated_at", "stage_changed_at", "value_tier",
                       "last_interaction_at", "first_contact_at", "search_norm", "cultural_notes"), cust
    yield "stage_change", ("customer_id", "at", "by", "from_stage", "from_status", "to_stage", "to_status", "reason"), changes
    inter = []
    for _ in range(interactions):
        cid = rng.randint(1, customers)
        author = owners[cid - 1] if rng.random() < 0.9 else rng.choice(REPS)
        at = _ts(rng, 365)
        inter.append((cid, at.date(), rng.choice(WAYS), "", "s", "", author, at))
    yield "interaction", ("customer_id", "occurred_on", "way", "participants", "summary", "feedback", "author_id",
                          "created_at"), inter
    actions = []
    for _ in range(interactions * 3 // 10):
        cid = rng.randint(1, customers)
        due = _ts(rng, 180, 30)
        status, done = "open", None
        if due < NOW:
            status = rng.choices(("done", "open", "snoozed", "cancelled"), weights=(80, 12, 3, 5))[0]
            done = due + timedelta(hours=rng.uniform(-48, 72)) if status == "done" else None
        made = due - timedelta(days=3)
        actions.append((cid, "t", due, owners[cid - 1], owners[cid - 1], status, done, made, made))
    yield "next_action", ("customer_id", "title", "due_at", "owner_id", "created_by", "status", "done_at", "created_at",
                          "updated_at"), actions
    deals, audit = [], []
    for d in range(1, customers * 3 // 10 + 1):
        cid = rng.randint(1, customers)
        stage = rng.choices(("won", "lost", "qualification", "proposal", "negotiation"), weights=(40, 20, 15, 15, 10))[0]
        moved = max(created_of[cid - 1], _ts(rng, 365))
        closed = moved if stage in ("won", "lost") else None
        amount = f"{rng.randint(1000, 500000)}.{rng.randint(0, 99):02d}"
        deals.append((d, cid, "d", amount, "USD" if d % 10 == 0 else "CNY", stage, owners[cid - 1], owners[cid - 1], moved,
                      closed, moved - timedelta(days=20), moved))
        audit.append((moved, owners[cid - 1], "deal", d, cid, "stage", "negotiation", stage))
    yield "deal", ("id", "customer_id", "title", "amount", "currency", "stage", "owner_id", "created_by", "stage_changed_at",
                   "closed_at", "created_at", "updated_at"), deals
    yield "audit_entry", ("at", "by", "entity", "entity_id", "customer_id", "field", "old", "new"), audit
    tickets = []
    for t in range(1, customers // 2 + 1):
        cid, created = rng.randint(1, customers), _ts(rng, 365)
        business = rng.random() < 0.8
        replied = created + timedelta(minutes=rng.uniform(1, 900)) if rng.random() < 0.9 else None
        solved = replied + timedelta(minutes=rng.uniform(10, 4000)) if replied and rng.random() < 0.8 else None
        replied, solved = (None if x and x > NOW else x for x in (replied, solved))
        waits = created + timedelta(minutes=30)
        pending = waits if not solved and rng.random() < 0.1 and waits < NOW else None
        status = "solved" if solved else "pending" if pending else "open" if replied else "new"
        tickets.append((t, f"T{t:08d}", cid, "P3" if business else "P1", "enquiry", "d", status, owners[cid - 1], created,
                        created, replied, solved, pending, business, 120, 1440, 0, 0, 75, 60))
    yield "ticket", ("id", "code", "customer_id", "priority", "type", "description", "status", "created_by", "created_at",
                     "updated_at", "first_response_at", "solved_at", "pending_since", "sla_business", "response_minutes",
                     "resolution_minutes", "response_paused_minutes", "resolution_paused_minutes", "warn_pct",
                     "escalate_after_minutes"), tickets
    nps = [(rng.randint(1, customers), rng.choice((0, 3, 6, 7, 8, 9, 9, 10, 10, 10)), "", "csv", _ts(rng, 365), NOW)
           for _ in range(customers * 3 // 10)]
    yield "nps_response", ("customer_id", "score", "comment", "source", "responded_at", "created_at"), nps


def _sqlite_value(v):
    if isinstance(v, datetime):
        return f"{v.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}"
    if isinstance(v, date):
        return v.isoformat()
    return int(v) if isinstance(v, bool) else v


def seed(engine, customers: int, interactions: int) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for table, cols, data in rows(customers, interactions):
            if engine.dialect.name == "postgresql":
                with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                cur.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in data])
        raw.commit()
    finally:
        raw.close()
    analyze(engine)


def analyze(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def timed(fn, runs: int) -> tuple[float, object]:
    out, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - started) * 1000)
    return statistics.median(out), result


def run(db, runs: int, label: str) -> None:
    cal = Calendar(tz="Asia/Shanghai")
    for scope, ids in ((Scope.team(MANAGERS[3]), REPS[60:80]), (Scope.everyone(), REPS)):
        def call(fn):
            def go():
                with db() as s:
                    return fn(s)
            return go

        parts = {
            "figures": lambda s: figures(session=s, period=WEEK, scope=scope, now=NOW, calendar=cal),
            "per_rep": lambda s: per_rep(session=s, period=WEEK, owner_ids=ids, now=NOW),
            "stale_customers": lambda s: stale_customers(session=s, scope=scope, now=NOW, limit=20),
            "deals_moved": lambda s: deals_moved(session=s, period=WEEK, scope=scope, limit=20),
            "sla_breaches": lambda s: sla_breaches(session=s, period=WEEK, scope=scope, now=NOW, calendar=cal, limit=20),
            "detractors": lambda s: detractors(session=s, period=WEEK, scope=scope, limit=20),
        }
        total, shown = 0.0, []
        for name, fn in parts.items():
            ms, result = timed(call(fn), runs)
            total += ms
            shown.append(f"{name} {ms:.0f}")
            if name == "figures":
                f = result
        who = "team of 20" if scope.kind == "team" else "everyone  "
        print(f"{label:<16} {who}  digest {total:6.0f} ms  ({', '.join(shown)} ms)")
        print(f"{'':16} {'':10}  interactions {f.interactions.value}, due {f.actions.value.due}, new leads {f.new_leads.value},"
              f" churn {f.churn_rate.value.pct}%, NPS {f.nps.value.nps}, SLA reply {f.sla_response.value.pct}%,"
              f" median reply {f.median_first_response.value}")


def profile(db, label: str, runs: int) -> None:
    """Each part of `figures`, to see which query an index helps."""
    from store import figures_activity as act, figures_lifecycle as life, figures_sla as sla

    cal = Calendar(tz="Asia/Shanghai")
    for who, ids in (("team of 20", frozenset(REPS[60:80])), ("everyone  ", None)):
        kw = {"period": WEEK, "previous": WEEK.previous(), "owner_ids": ids}
        shown = []
        for name, fn in (("interactions", lambda s: act.interaction_counts(session=s, **kw)),
                         ("actions", lambda s: act.action_counts(session=s, now=NOW, **kw)),
                         ("overdue_now", lambda s: act.overdue_now(session=s, owner_ids=ids, now=NOW)),
                         ("lifecycle", lambda s: life.lifecycle_figures(session=s, **kw)),
                         ("stage_times", lambda s: life.stage_times(session=s, **kw)),
                         ("deals", lambda s: (act.deals_won(session=s, **kw), act.repurchase_rate(session=s, **kw))),
                         ("sla", lambda s: sla.sla_figures(session=s, now=NOW, calendar=cal, **kw))):
            def go(fn=fn):
                with db() as s:
                    return fn(s)
            shown.append(f"{name} {timed(go, runs)[0]:.0f}")
        print(f"{label:<16} {who}  parts of figures: {', '.join(shown)} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--no-indexes", action="store_true", help="skip the second round with RECOMMENDED")
    args = parser.parse_args()
    scratch = ScratchDatabase(args.database_url)
    url = scratch.url
    try:
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine, args.customers, args.interactions)
        print(f"{engine.dialect.name}: seeded {args.customers} customers, {args.interactions} interactions"
              f" in {time.perf_counter() - started:.1f} s")
        db = session_factory(engine)
        run(db, args.runs, "without indexes")
        profile(db, "without indexes", args.runs)
        if not args.no_indexes:
            with engine.begin() as conn:
                for name, target in RECOMMENDED.items():
                    table, cols = target.split(" ", 1)
                    conn.execute(text(f"CREATE INDEX {name} ON {table} {cols}"))
            analyze(engine)
            run(db, args.runs, "with indexes")
            profile(db, "with indexes", args.runs)
        engine.dispose()
    finally:
        scratch.drop()


if __name__ == "__main__":
    main()
