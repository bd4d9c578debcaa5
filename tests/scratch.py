"""An empty database for one test or one benchmark run: a schema of its own on a PostgreSQL
server (so runs never see each other), or a SQLite file in a temporary folder; dropped after."""
from __future__ import annotations

import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text

from store.db import make_engine, normalise_url


class ScratchDatabase:
    def __init__(self, server_url: str | None, *, prefix: str = "bench") -> None:
        self.server_url, self.schema, self.folder = server_url, None, None
        if server_url:
            self.schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
            self._admin(f'CREATE SCHEMA "{self.schema}"')
            sep = "&" if "?" in server_url else "?"
            self.url = normalise_url(server_url) + f"{sep}options={quote(f'-csearch_path={self.schema}')}"
        else:
            self.folder = Path(tempfile.mkdtemp())
            self.url = f"sqlite:///{self.folder / 'crm.db'}"

    def _admin(self, statement: str) -> None:
        admin = make_engine(self.server_url)
        try:
            with admin.begin() as conn:
                conn.execute(text(statement))
        finally:
            admin.dispose()

    def drop(self) -> None:
        if self.schema:
            self._admin(f'DROP SCHEMA "{self.schema}" CASCADE')
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


# -- what the benchmarks time with ------------------------------------------------------------------

def analyze(engine) -> None:
    """Planner statistics after a bulk load (PostgreSQL; SQLite plans without them)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))


def timed(fn: Callable[[], object], n: int) -> list[float]:
    """Milliseconds of each of n calls."""
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(label: str, ms: list[float], width: int = 44) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"{label:<{width}} n={len(ms):<4} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   max {ms[-1]:7.2f} ms")
