"""Benchmark (not a test): importing N customer rows, then the same file again; each against a floor
measured in the same run on the same data (the file parsed by csv and inserted raw with executemany),
with the ratio and the peak RSS. The machine may be shared: CPU seconds are printed beside wall ones.

    .venv/bin/python -m tests.bench_import [--rows 100000] [--database-url postgresql+psycopg://...]
"""
from __future__ import annotations

import argparse
import csv
import io
import resource
import time

from sqlmodel import SQLModel

import store.models  # noqa: F401
from tests.scratch import ScratchDatabase
from store.db import make_engine, session_factory
from tests.test_customer_import import counts, load, users


def rows(n: int) -> str:
    lines = ["线索编号,来源渠道,客户名称,联系人,职位,联系方式,需求标签,负责人,阶段状态,下次跟进时间,备注,公司,电话,邮箱,等级"]
    for i in range(n):
        lines.append(f"{'XS-%05d' % i if i % 2 else ''},展会,客户{i}号,联系人{i},经理,138{i:08d},方案评估、预算确认,"
                     f"{'wang@example.com' if i % 2 else '王小明'},高意向,{'2026-12-%02d 10:30' % (1 + i % 28) if i % 4 else ''},"
                     f"跟进{i},公司{i},021-{i:08d},c{i}@corp.com,{'ABC'[i % 3]}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = ScratchDatabase(args.database_url)
    url = scratch.url
    engine = make_engine(url)
    try:
        SQLModel.metadata.create_all(engine)
        db = session_factory(engine)
        users(db)
        data = rows(args.rows)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        took = {}
        for label in ("first import", "same file again"):
            started, cpu = time.perf_counter(), time.process_time()
            report = load(db, data)
            took[label] = (time.perf_counter() - started, time.process_time() - cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
            print(f"{engine.dialect.name}: {label} of {args.rows} rows: {took[label][0]:.1f} s ({took[label][1]:.1f} s CPU), "
                  f"{len(report.errors)} refused, {report.created} created, {report.updated} updated; peak RSS {took[label][2]:.0f} MB "
                  f"(before importing {base:.0f} MB)")
        print(counts(db))
        started = time.perf_counter()  # the floor: the same file parsed by csv and inserted raw with executemany
        with engine.begin() as conn:
            parsed = list(csv.reader(io.StringIO(data)))[1:]
            conn.exec_driver_sql("CREATE TEMPORARY TABLE bench_floor (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT, h TEXT, "
                                 "i TEXT, j TEXT, k TEXT, l TEXT, m TEXT, n TEXT, o TEXT)")
            conn.exec_driver_sql("INSERT INTO bench_floor VALUES (" + ", ".join(["%s" if engine.dialect.name == "postgresql" else "?"] * 15) + ")",
                                 [tuple(r) for r in parsed])
        floor = time.perf_counter() - started
        print(f"floor (raw csv + executemany, same run) {floor:.2f} s")
        for label, target in (("first import", 10), ("same file again", 5)):
            wall, cpu, peak = took[label]
            print(f"{engine.dialect.name} {label}: figure {wall:.1f} s ({cpu:.1f} s CPU), floor {floor:.2f} s, ratio {wall / floor:.0f}x, "
                  f"peak RSS {peak:.0f} MB; target at 100,000 rows <= {target} s, <= 300 MB")
    finally:
        engine.dispose()
        scratch.drop()


if __name__ == "__main__":
    main()
