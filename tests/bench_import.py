"""Benchmark (not a test): `python -m bot import` of N customer rows as a process, then the same file
again; each against a floor measured in the same run on the same data (the file parsed by csv and
inserted raw with executemany), with the ratio and the process's own peak RSS (wait4). The machine
may be shared: the process's CPU seconds are printed beside the wall ones.

A second floor: the rows the first import stored (customers, contacts, stage entries, tags, next
actions, audit entries, digests), copied raw into an empty database at the same migration, in one
transaction: PostgreSQL's COPY of the text COPY TO wrote (no Python per row), SQLite's executemany of
the rows as read. That is the database's own work of storing what the import must keep, which no
code of ours can go below: the figure's distance to it is ours, the rest is the schema's (its
indexes and foreign keys).

    .venv/bin/python -m tests.bench_import [--rows 100000] [--database-url postgresql+psycopg://...]
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from store.customer_writes import CACHE_KIB
from store.db import make_engine, session_factory
from store.migrate import upgrade
from tests.scratch import ScratchDatabase
from tests.test_customer_import import KEY, ROOT, counts, users


def rows(n: int) -> str:
    lines = ["线索编号,来源渠道,客户名称,联系人,职位,联系方式,需求标签,负责人,阶段状态,下次跟进时间,备注,公司,电话,邮箱,等级"]
    for i in range(n):
        lines.append(f"{'XS-%05d' % i if i % 2 else ''},展会,客户{i}号,联系人{i},经理,138{i:08d},方案评估、预算确认,"
                     f"{'wang@example.com' if i % 2 else '王小明'},高意向,{'2026-12-%02d 10:30' % (1 + i % 28) if i % 4 else ''},"
                     f"跟进{i},公司{i},021-{i:08d},c{i}@corp.com,{'ABC'[i % 3]}")
    return "\n".join(lines) + "\n"


def _tree_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, Pss) of the process and its descendants (a large file is read in a second process),
    KiB. The RSS sum counts twice every page two of them share: the libraries both map (about 40 MB
    here) and, between a fork and its exec, the parent's pages the child still shares. Pss shares
    each such page out among the processes that map it, so its sum is what they hold together."""
    rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            rss += int(Path(f"/proc/{p}/status").read_text().split("VmRSS:")[1].split()[0])
            pss += int(Path(f"/proc/{p}/smaps_rollup").read_text().split("\nPss:")[1].split()[0])
            todo += [int(c) for t in Path(f"/proc/{p}/task").iterdir() for c in (t / "children").read_text().split()]
        except (OSError, IndexError, ValueError):  # gone meanwhile, or a zombie
            continue
    return rss, pss


def _sampled(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.wait(0.05):
        rss, pss = _tree_kib(pid)
        peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)


def imported(url: str, path: Path) -> tuple[float, float, float, str, float, float]:
    """`python -m bot import PATH` as a process: (wall s, CPU s, peak RSS MB, its summary line, peak
    RSS MB and peak PSS MB of the process and its children together, sampled every 50 ms). wait4's
    peak is the largest of the processes, not their sum, and the CPU seconds include the reaped
    children's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env.update(PYTHONPATH=str(ROOT), CRM_ENCRYPTION_KEY=KEY, CRM_QUIET_HOURS="off", DATABASE_URL=url, CRM_DEFAULT_LOCALE="en")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "-m", "bot", "import", str(path)], env=env, stdout=out, stderr=err)
        peak, done = [0, 0], threading.Event()
        sampler = threading.Thread(target=_sampled, args=(process.pid, peak, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        done.set()
        sampler.join()
        wall = time.perf_counter() - started
        out.seek(0), err.seek(0)
        said, problems = out.read().decode(), err.read().decode()
    if status != 0:
        raise SystemExit(f"import failed ({status}): {problems[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, said.splitlines()[0], peak[0] / 1024, peak[1] / 1024


STORED = ("customer", "contact", "stage_change", "customer_tag", "next_action", "audit_entry", "imported_row")  # parents first


def stored_floor(source, url: str) -> tuple[float, dict[str, float], int]:
    """Seconds to store `source`'s rows of STORED, raw, in the empty database at `url` (migrated, with
    the benchmark's users), in one transaction with its commit; seconds per table; rows in all."""
    target, per, n = make_engine(url), {}, 0
    try:
        with source.connect() as got:
            if source.dialect.name == "postgresql":
                tables = {}
                for table in STORED:
                    with got.connection.driver_connection.cursor() as cursor, cursor.copy(f"COPY {table} TO STDOUT") as copy:
                        tables[table] = b"".join(bytes(block) for block in copy)
                    n += tables[table].count(b"\n")
            else:
                tables = {table: got.exec_driver_sql(f"SELECT * FROM {table}").all() for table in STORED}
                n = sum(len(rows) for rows in tables.values())
        with target.connect() as conn:
            raw = conn.connection.driver_connection
            started = time.perf_counter()
            if target.dialect.name == "postgresql":
                with raw.transaction():
                    for table in STORED:
                        begun = time.perf_counter()
                        with raw.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN") as copy:
                            copy.write(tables[table])
                        per[table] = time.perf_counter() - begun
            else:
                raw.execute(f"PRAGMA cache_size={-CACHE_KIB:d}")  # as the import sets it (store/customer_writes.py's Writer.tuned)
                raw.execute("BEGIN")
                for table in STORED:
                    begun, rows = time.perf_counter(), tables[table]
                    if rows:
                        raw.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
                    per[table] = time.perf_counter() - begun
                raw.execute("COMMIT")
            return time.perf_counter() - started, per, n
    finally:
        target.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = ScratchDatabase(args.database_url)
    engine = make_engine(scratch.url)
    try:
        upgrade(scratch.url)
        db = session_factory(engine)
        users(db)
        data = rows(args.rows)
        took = {}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "leads.csv"
            path.write_text(data, encoding="utf-8")
            for label in ("first import", "same file again"):
                took[label] = imported(scratch.url, path)
                wall, cpu, peak, said, together, shared_out = took[label]
                print(f"{engine.dialect.name}: {label} of {args.rows} rows: {wall:.1f} s ({cpu:.1f} s CPU), peak RSS {peak:.0f} MB "
                      f"(with its children, sampled: RSS {together:.0f} MB, PSS {shared_out:.0f} MB); {said}")
        print(counts(db))
        started = time.perf_counter()  # the floor: the same file parsed by csv and inserted raw with executemany
        with engine.begin() as conn:
            parsed = list(csv.reader(io.StringIO(data)))[1:]
            conn.exec_driver_sql("CREATE TEMPORARY TABLE bench_floor (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT, h TEXT, "
                                 "i TEXT, j TEXT, k TEXT, l TEXT, m TEXT, n TEXT, o TEXT)")
            conn.exec_driver_sql("INSERT INTO bench_floor VALUES (" + ", ".join(["%s" if engine.dialect.name == "postgresql" else "?"] * 15) + ")",
                                 [tuple(r) for r in parsed])
        floor = time.perf_counter() - started
        empty = ScratchDatabase(args.database_url)
        try:
            upgrade(empty.url)
            made = make_engine(empty.url)
            users(session_factory(made))
            made.dispose()
            stored, per, n = stored_floor(engine, empty.url)
        finally:
            empty.drop()
        print(f"{engine.dialect.name}: storing the {n} rows the first import keeps, raw, in one transaction (floor 2): {stored:.2f} s ("
              + ", ".join(f"{table} {s:.2f}" for table, s in per.items()) + ")")
        for label, target in (("first import", 10), ("same file again", 5)):
            wall, cpu, peak, _, together, shared_out = took[label]
            print(f"{engine.dialect.name} {label}: figure {wall:.1f} s ({cpu:.1f} s CPU), floor (raw csv + executemany, same run) "
                  f"{floor:.2f} s, ratio {wall / floor:.0f}x; " + (f"floor 2 (its rows stored raw) {stored:.2f} s, ratio {wall / stored:.1f}x; " if label == "first import" else "")
                  + f"peak RSS {peak:.0f} MB (with its children: RSS {together:.0f} MB, PSS {shared_out:.0f} MB); "
                  f"target at 100,000 rows <= {target} s, <= 300 MB")
    finally:
        engine.dispose()
        scratch.drop()


if __name__ == "__main__":
    main()
