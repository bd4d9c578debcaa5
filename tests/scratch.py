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

from sqlalchemy import bindparam, text

from store.db import make_engine, normalise_url
from store.types import UTCDateTime


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


def interleaved(figure: Callable[[], object], floor: Callable[[], object], n: int) -> tuple[list[float], list[float]]:
    """Milliseconds of n calls of each, taken in turns, so a neighbour's load on a shared machine
    weighs on both alike."""
    ours, theirs = [], []
    for _ in range(n):
        ours += timed(figure, 1)
        theirs += timed(floor, 1)
    return ours, theirs


def ratio_line(label: str, figure: list[float], floor: list[float], target: str) -> str:
    """'label: figure X ms, floor Y ms, ratio Zx (target)' from the medians."""
    ours, theirs = statistics.median(figure), statistics.median(floor)
    return f"{label}: figure {ours:.1f} ms, floor {theirs:.1f} ms, ratio {ours / max(theirs, 1e-6):.2f}x ({target})"


_DUE = "announce_at <= :now AND status IN ('open', 'snoozed')"


def queueing_floor(engine, now) -> tuple[float, int]:
    """(milliseconds, alerts) for raw SQL to queue an alert for every due action: one INSERT ...
    SELECT into the outbox and one UPDATE clearing announce_at, in one committed transaction.
    Undone after (the rows deleted, announce_at put back as stored) so the bot's own queueing
    runs on the same data."""
    at = bindparam("now", type_=UTCDateTime())
    with engine.connect() as conn:
        stored = conn.execute(text(f"SELECT id, announce_at FROM next_action WHERE {_DUE}").bindparams(at), {"now": now}).all()
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (kind, subject, due_key, recipient, data, status, attempts, next_attempt_at, created_at) "
                          "SELECT 'floor', 'next_action:' || id, CAST(due_at AS TEXT), owner_id, '{}', 'pending', 0, :now, :now "
                          f"FROM next_action WHERE {_DUE} ORDER BY announce_at, id ON CONFLICT DO NOTHING").bindparams(at), {"now": now})
        conn.execute(text(f"UPDATE next_action SET announce_at = NULL, updated_at = :now WHERE {_DUE}").bindparams(at), {"now": now})
    took = (time.perf_counter() - started) * 1000
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox WHERE kind = 'floor'"))
        if stored:
            conn.execute(text("UPDATE next_action SET announce_at = :at WHERE id = :id"), [{"id": i, "at": a} for i, a in stored])
    return took, len(stored)


def report(label: str, ms: list[float], width: int = 44) -> None:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    print(f"{label:<{width}} n={len(ms):<4} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   max {ms[-1]:7.2f} ms")
