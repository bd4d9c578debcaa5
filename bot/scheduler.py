"""One BackgroundScheduler per process, memory job store. Every job is safe on several replicas:
the outbox's unique keys and claims make sure each alert is queued and posted once."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient

from handlers.context import Defaults
from handlers.delivery.jobs import tick
from store.db import SessionFactory

log = logging.getLogger(__name__)
TICK_ID = "crm-tick"


def run_tick(*, client: WebClient, db: SessionFactory, defaults: Defaults) -> None:
    report = tick(client=client, db=db, defaults=defaults, now=datetime.now(timezone.utc))
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


def start_scheduler(*, client: WebClient, db: SessionFactory, defaults: Defaults) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=timezone.utc,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50},
    )
    scheduler.add_job(run_tick, "interval", minutes=1, id=TICK_ID, replace_existing=True,
                      kwargs={"client": client, "db": db, "defaults": defaults},
                      next_run_time=datetime.now(timezone.utc))
    scheduler.start()
    return scheduler
