"""The reading process of a large customer import (store/customer_reading.py's `serve`, the
messages it exchanges, and `Sealing`): started here, in bot/, which alone starts processes and
threads; store/customer_import.py asks for one through the factory the CLI hands it
(`import_customers(read_aside=...)`)."""
from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial

from store.customer_csv import People
from store.customer_reading import KNOWN, Sealing, serve
from store.customer_rows import Row
from store.errors import DomainError
from store.privacy import Cipher


COLLECT_AFTER = (50_000, 20, 100)  # gc thresholds while importing (Python's are 700, 10, 10)


@contextmanager
def few_collections() -> Iterator[None]:
    """The cyclic garbage collector run less often, then as before: an import allocates millions of
    objects that live until its batch is written, few of them in cycles, and with Python's
    thresholds the collector went through the importing process's growing heap 30 times at
    100,000 rows (2.4 s of its CPU; 0.04 s with these, the same peak memory)."""
    before = gc.get_threshold()
    gc.set_threshold(*COLLECT_AFTER)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _serve(*args) -> None:
    """store.customer_reading.serve, with few_collections."""
    with few_collections():
        serve(*args)


class Aside:
    """A file read in a process of `processes` (a multiprocessing context): `reads(known)`, then
    `close()` always (it stops the process if it still runs). `cipher`: the one to
    write with (Sealing)."""

    def __init__(self, processes, *, who: People, data: bytes, keys: list[str | None], tz: str, now: datetime,
                 default_owner: str | None, cipher: Cipher) -> None:
        self.who = who
        self.cipher = Sealing(cipher)
        self.conn, there = processes.Pipe()
        self.process = processes.Process(target=_serve, args=(there, data, keys, tz, now, default_owner, cipher),
                                         name="crm-import-reader", daemon=True)
        self.process.start()
        there.close()  # this end is the reading process's: its end of file is this process's sign the other has gone

    def _next(self) -> tuple:
        """The next message that is not a question (the questions answered on the way)."""
        while True:
            try:
                message = self.conn.recv()
            except EOFError:
                self.process.join(5)
                raise RuntimeError(f"the import's reading process ended early (exit code {self.process.exitcode})") from None
            if message[0] == "failed":
                raise RuntimeError(f"the import's reading process failed:\n{message[1]}")
            if message[0] != "who":
                return message
            _, text, field = message
            try:
                self.conn.send(("ok", self.who.find(text, field=field)))
            except DomainError as e:
                self.conn.send(("refused", e.key, e.field, e.params))

    def reads(self, known: list[int]) -> Iterator[tuple[int, Row | list[DomainError] | str]]:
        """(line, the row, its refusals, or KNOWN for the `known` lines, not read), in the file's order."""
        self.conn.send(("known", known))
        while True:
            message = self._next()
            if message[0] == "end":
                return
            self.cipher.more(message[2])
            for item in message[1]:
                if len(item) == 1:
                    yield item[0], KNOWN
                elif item[1] is None:
                    yield item[0], [DomainError(key, field=field, **params) for key, field, params in item[2]]
                else:
                    yield item[0], Row(*item[1])

    def close(self) -> None:
        self.conn.close()
        self.process.join(10)
        if self.process.is_alive():  # still reading a file nobody waits for
            self.process.terminate()
            self.process.join()


def spawned() -> partial:
    """The factory import_customers takes (`read_aside`): a reading process started afresh ("spawn")."""
    return partial(Aside, multiprocessing.get_context("spawn"))
