"""wake(): after a listener queues an alert, the scheduler's tick runs now, on its own thread, not
a minute later; before the scheduler runs it does nothing. (The Bolt tests' BoltServer wires wake
to deliver at once, so what they read is deterministic.)"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from bot.scheduler import TICK_ID, Waker, start_scheduler
from store import outbox
from store.alert_kinds import ACTION_ASSIGNED
from store.db import transaction
from store.interactions import log_interaction
from tests.conftest import BOSS, REP_EN


def _assign(db, now: datetime) -> None:
    """An action BOSS gives REP_EN, and its "assigned" alert queued (as /crm log does)."""
    with transaction(db) as s:
        logged = log_interaction(session=s, author_id=BOSS, customer_id=None, new_customer_name="Acme Trading", way="phone",
                                 occurred_on=now.date(), summary="call", feedback="", participants="",
                                 action_title="Send the revised quote", due_at=now + timedelta(days=2),
                                 action_owner_id=REP_EN, now=now)
        outbox.enqueue(session=s, kind=ACTION_ASSIGNED, subject=f"next_action:{logged.action.id}", due_key="assigned",
                       recipient=REP_EN, now=now)


def test_wake_runs_the_tick_now_and_before_the_scheduler_runs_does_nothing(bolt, fake, db):
    wake = Waker()
    _assign(db, datetime.now(timezone.utc))
    wake()  # no scheduler yet: nothing is sent, nothing fails
    assert fake.calls_to("chat.postMessage") == []

    ticks = threading.Event()
    started = datetime.now(timezone.utc)
    scheduler = wake.scheduler = start_scheduler(client=bolt.client, db=db, defaults=bolt.defaults)
    try:
        scheduler.add_listener(lambda event: ticks.set(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        first = fake.wait_for("chat.postMessage", timeout=20)[0].params  # the first tick sends what was queued
        assert first["channel"] == REP_EN and "gave you a next action" in first["text"] and "Send the revised quote" in str(first["blocks"])
        assert ticks.wait(20)
        assert scheduler.get_job(TICK_ID).next_run_time >= started + timedelta(seconds=50)  # the next tick: a minute on

        _assign(db, datetime.now(timezone.utc))
        wake()
        second = fake.wait_for("chat.postMessage", count=2, timeout=20)[1].params  # well before that minute
        assert second["channel"] == REP_EN and "Send the revised quote" in str(second["blocks"])
        assert datetime.now(timezone.utc) < started + timedelta(seconds=50)
    finally:
        scheduler.shutdown(wait=True)
