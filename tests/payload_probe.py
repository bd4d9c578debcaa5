"""What the payload tests share: the listeners the app registers (read from listeners.register, so
a new view or button is probed without editing a list), a snapshot of every row, and a log
watcher that notices an error handled only by the app's last-resort handler."""
from __future__ import annotations

import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from sqlmodel import SQLModel, select

from bot import listeners
from handlers import ids
from store.db import transaction


class Registry:
    """Stands in for the Bolt App in listeners.register(): records what each listener listens to."""

    def __init__(self) -> None:
        self.seen: dict[str, list] = defaultdict(list)

    def __getattr__(self, kind: str):
        def listen(key, *args, **kwargs):
            self.seen[kind].append(key)
            return lambda function: function
        return listen


def registered() -> dict[str, list]:
    registry = Registry()
    listeners.register(registry)
    return dict(registry.seen)


def input_ids() -> list[tuple[str, str]]:
    """Every (block_id, action_id) pair handlers/ids.py names: X_BLOCK beside X."""
    names = vars(ids)
    pairs = [(names[n], names[n[:-len("_BLOCK")]]) for n in names
             if n.endswith("_BLOCK") and isinstance(names[n], str) and isinstance(names.get(n[:-len("_BLOCK")]), str)]
    return pairs + list(ids.GRADE_BANT.values())


def rows(db) -> dict[str, list]:
    """Every row of every table, in a stable order: equal snapshots mean nothing was written."""
    with transaction(db) as session:
        return {table.name: sorted(map(repr, session.exec(select(table)).all())) for table in SQLModel.metadata.sorted_tables
                if table.name != "slack_user"}  # the profile cache a lookup may refresh


class ErrorLog(logging.Handler):
    """Records ERROR (and worse) log lines: the app's last-resort handler logs every failure there."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()} {record.exc_info[1]!r}" if record.exc_info
                          else f"{record.name}: {record.getMessage()}")

    def __enter__(self) -> "ErrorLog":
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)


class CountingExecutor(ThreadPoolExecutor):
    """Runs the listeners like the app's own pool, and can wait until none is running: what a
    request does after its ack() is finished before the test looks at the database and the fake."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="test-listener")
        self._busy = 0
        self._changed = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._changed:
            self._busy += 1

        def run():
            try:
                return fn(*args, **kwargs)
            finally:
                with self._changed:
                    self._busy -= 1
                    self._changed.notify_all()

        return super().submit(run)

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._busy == 0, timeout):
                raise TimeoutError(f"{self._busy} listener(s) still running after {timeout}s")
