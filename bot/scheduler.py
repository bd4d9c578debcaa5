"""One BackgroundScheduler per process, memory job store. Every job is safe on several replicas:
the outbox's unique keys and claims make sure each alert is queued and posted once."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError

from bot.memory import trim_heap
from handlers.context import Defaults
from handlers.delivery.jobs import tick
from handlers.delivery.send import Workers
from store import outbox
from store.db import SessionFactory, locked, transaction

log = logging.getLogger(__name__)
TICK_ID = "crm-tick"
DELIVERY_WORKERS = 32  # recipients served at once (Slack's 1 message/s is per channel: a worker mostly waits), one keeps the lease


class TickWatch:
    """What the rest of the process needs to know about ticks: readiness (`on_tick`), job
    durations and delivery latency (`metrics`), and at SIGTERM whether one is running and which
    claims it holds. After each tick the heap it freed goes back to the system (bot/memory.py)."""

    def __init__(self, *, metrics=None, on_tick: Callable[[], None] | None = None) -> None:
        self.metrics, self.on_tick = metrics, on_tick
        self.running_since: datetime | None = None  # the running tick's `now`
        self.token: str | None = None  # the running tick's outbox claim token
        self.idle = threading.Event()
        self.idle.set()

    def started(self, now: datetime) -> str:
        """A tick begins at `now`; returns the token its outbox claims carry."""
        self.idle.clear()
        self.running_since, self.token = now, outbox.new_token()
        return self.token

    def finished(self, *, db: SessionFactory, seconds: float, ok: bool) -> None:
        self.running_since = self.token = None
        self.idle.set()
        if self.metrics is not None:
            self.metrics.job_seconds.labels("tick").observe(seconds)
            self.metrics.observe_deliveries(db)
        if ok and self.on_tick is not None:
            self.on_tick()
        trim_heap()

    def release_claims(self, db: SessionFactory) -> int:
        """The running tick's outbox claims back to pending (the process is stopping)."""
        token = self.token
        if token is None:
            return 0
        with transaction(db) as session:
            return outbox.release_claims(session=session, token=token)


def run_tick(*, client: WebClient, db: SessionFactory, defaults: Defaults, watch: TickWatch | None = None,
             workers: Workers | None = None) -> None:
    now = datetime.now(timezone.utc)
    watch = watch or TickWatch()
    token = watch.started(now)
    started, ok = time.perf_counter(), False
    try:
        report = tick(client=client, db=db, defaults=defaults, now=now, workers=workers, token=token)
        ok = True
    except OperationalError as e:
        if not locked(e):
            raise
        # SQLite's one write lock held by another process (an import) past the serving bot's wait:
        # that step rolled back, alerts stay queued or claimed (a claim's post is looked for before
        # posting again), and the next tick goes on
        log.warning("tick: the database is locked by another process (an import?); the next tick goes on")
        return
    finally:
        watch.finished(db=db, seconds=time.perf_counter() - started, ok=ok)
    if any(report.as_dict().values()):
        log.info("tick: %s", report.as_dict())


class Waker:
    """`wake()`: the tick runs now, on the scheduler's thread, instead of within the minute. Listeners
    call it after queuing an alert; until `scheduler` is set and running it does nothing (the first
    tick delivers), and a tick already running is not doubled (max_instances=1)."""

    def __init__(self) -> None:
        self.scheduler: BackgroundScheduler | None = None

    def __call__(self) -> None:
        if self.scheduler is None or not self.scheduler.running:
            return
        try:
            self.scheduler.modify_job(TICK_ID, next_run_time=datetime.now(timezone.utc))
        except JobLookupError:  # shutting down
            log.debug("wake: no tick job")


def start_scheduler(*, client: WebClient, db: SessionFactory, defaults: Defaults,
                    watch: TickWatch | None = None) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=timezone.utc,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50},
    )
    workers = Workers(ThreadPoolExecutor(DELIVERY_WORKERS, thread_name_prefix="crm-deliver"), DELIVERY_WORKERS)
    scheduler.add_job(run_tick, "interval", minutes=1, id=TICK_ID, replace_existing=True,
                      kwargs={"client": client, "db": db, "defaults": defaults, "watch": watch, "workers": workers},
                      next_run_time=datetime.now(timezone.utc))
    scheduler.start()
    return scheduler
