"""Benchmark (not a test): how long parse_when takes over the date corpus.

    .venv/bin/python -m tests.bench_dates [--rounds 5]

Warms dateparser first (as the bot does at start), then parses every corpus case `rounds` times
and prints the median, p95 and max per call (wall time), the median CPU time per call (the
process's, less noisy on a shared machine), and a floor timed in the same rounds: the least any
reader of the words does (the user's wall clock in their zone and the text case-folded).
Target: median under 1 ms.
"""
from __future__ import annotations

import argparse
import statistics
import time
from zoneinfo import ZoneInfo

from handlers.dates import parse_when, read_when, warm
from tests.date_cases import load
from tests.scratch import report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    warm()
    cases = load()
    per_case: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    cpu: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    floor: dict[int, list[float]] = {i: [] for i in range(len(cases))}
    for _ in range(max(1, args.rounds)):
        for i, case in enumerate(cases):
            started, cpu_started = time.perf_counter(), time.process_time()
            parse_when(case.text, now=case.now, tz=case.tz, locale=case.locale)
            per_case[i].append((time.perf_counter() - started) * 1000)
            cpu[i].append((time.process_time() - cpu_started) * 1000)
            started = time.process_time()
            case.now.astimezone(ZoneInfo(case.tz)), case.text.casefold()
            floor[i].append((time.process_time() - started) * 1000)
    medians = [statistics.median(ms) for ms in per_case.values()]
    report(f"parse_when over {len(cases)} corpus cases", medians)
    report("  the same, CPU time", [statistics.median(ms) for ms in cpu.values()])
    report("  floor (zone clock + casefold), CPU time", [statistics.median(ms) for ms in floor.values()])
    slowest = sorted(range(len(cases)), key=lambda i: -medians[i])[:5]
    for i in slowest:
        print(f"  slow: {medians[i]:6.2f} ms  {cases[i].where}  {cases[i].text!r}")
    with_others = []
    for case in cases:   # what a due-time field calls: every reading of the words
        started = time.perf_counter()
        read_when(case.text, now=case.now, tz=case.tz, locale=case.locale)
        with_others.append((time.perf_counter() - started) * 1000)
    report(f"read_when (with the other readings) over {len(cases)} corpus cases", with_others)
    verdict = "under" if statistics.median(medians) < 1.0 else "OVER"
    cpu_median = statistics.median(statistics.median(ms) for ms in cpu.values())
    floor_median = statistics.median(statistics.median(ms) for ms in floor.values())
    print(f"median {statistics.median(medians):.3f} ms ({cpu_median:.3f} ms CPU; floor {floor_median:.4f} ms CPU): "
          f"{verdict} the 1 ms target")


if __name__ == "__main__":
    main()
