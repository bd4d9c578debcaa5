"""Delivery that loses nothing and never repeats: grouping, pacing, quiet hours, a process that
died mid-post, two schedulers on one database, and a Slack that refuses for a while."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers import ids
from handlers.delivery.post import Pacer
from handlers.delivery.jobs import queue_due_actions, tick
from store import outbox
from store.db import transaction
from store.interactions import log_interaction
from store.models import Outbox
from store.users import set_quiet_hours
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import button
from tests.test_cli import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = datetime(2031, 3, 4, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai, a Tuesday


def _actions(db, n: int, *, owner=REP, due=DUE) -> list[int]:
    made = []
    with transaction(db) as s:
        for i in range(n):
            made.append(log_interaction(session=s, author_id=owner, customer_id=None, new_customer_name=f"客户{owner}{i}",
                                        way="phone", occurred_on=date(2031, 3, 1), summary=f"沟通{i}", feedback="",
                                        participants="", action_title=f"跟进{i}", due_at=due, action_owner_id=owner,
                                        now=due - timedelta(days=3)).action.id)
    return made


class VirtualClock:
    """A monotonic clock that moves only when slept on; each sleep remembers how long it was and
    how many messages Slack (the fake) had received when it began."""

    def __init__(self, fake) -> None:
        self.fake, self.t, self.slept = fake, 0.0, []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append((round(seconds, 6), len(self.fake.calls_to("chat.postMessage"))))
        self.t += seconds


def _tick(bolt, now):
    return tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=now)


def _delivered(fake) -> Counter:
    """How many times each outbox id reached Slack (from the metadata of accepted posts)."""
    seen = Counter()
    for messages in fake.history.values():
        for m in messages:
            for part in m.get("metadata", {}).get("event_payload", {}).get("outbox", "").split(","):
                if part:
                    seen[int(part)] += 1
    return seen


def _rows(db) -> list[Outbox]:
    with transaction(db) as s:
        return list(s.exec(select(Outbox).order_by(Outbox.id)))


def test_several_alerts_for_one_owner_arrive_as_one_message_and_a_click_redraws_only_its_item(bolt, fake, db):
    made = _actions(db, 3)
    assert _tick(bolt, DUE).sent == 3
    [post] = fake.calls_to("chat.postMessage")
    blocks = post.params["blocks"]
    assert blocks[0]["elements"][0]["text"] == "🔔 你有 3 条提醒："
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [b["elements"][0]["value"] for b in actions] == [str(a) for a in made]
    assert len({b["block_id"] for b in blocks}) == len(blocks)
    bolt.interact(button(user=REP, action_id=ids.DUE_DONE, value=str(made[1]), channel=post.response["channel"],
                         ts=post.response["ts"], message=post.params))
    updated = fake.wait_for("chat.update")[0].params["blocks"]
    still = [b["elements"][0]["value"] for b in updated if b["type"] == "actions"]
    assert still == [str(made[0]), str(made[2])]
    second = [b for b in updated if b["block_id"].startswith(actions[1]["block_id"].split(".")[0] + ".")]
    assert "已于" in json.dumps(second, ensure_ascii=False)
    assert updated[0] == blocks[0] and len(updated) == len(blocks) - 1


def test_many_alerts_are_split_within_block_kit_limits_and_paced(bolt, fake, db):
    _actions(db, 30)
    clock = VirtualClock(fake)
    report = tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=DUE,
                  pacer=Pacer(1.0, sleep=clock.sleep, clock=clock.now))
    posts = fake.calls_to("chat.postMessage")
    assert report.sent == 30 and len(posts) == 4
    assert all(len(p.params["blocks"]) <= 50 for p in posts)
    # one message a second to the same DM: each post after the first waited out the second (the
    # virtual clock moves only when the pacer sleeps)
    assert clock.slept == [(1.0, 1), (1.0, 2), (1.0, 3)]
    assert sum(_delivered(fake).values()) == 30 and set(_delivered(fake).values()) == {1}


def test_quiet_hours_hold_alerts_until_morning_in_the_owners_zone(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        set_quiet_hours(session=s, user_id=REP, quiet_hours="21:00-08:00")
    late = datetime(2031, 3, 4, 23, 30, tzinfo=SHANGHAI)
    _actions(db, 1, due=late)
    report = _tick(bolt, late)
    assert (report.queued, report.sent) == (1, 0)
    [row] = _rows(db)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, datetime(2031, 3, 5, 8, 0, tzinfo=SHANGHAI))
    assert fake.calls_to("chat.postMessage") == []
    assert _tick(bolt, datetime(2031, 3, 5, 7, 59, tzinfo=SHANGHAI)).sent == 0
    assert _tick(bolt, datetime(2031, 3, 5, 8, 0, tzinfo=SHANGHAI)).sent == 1


def test_quiet_hours_follow_each_owners_own_zone(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    moment = datetime(2031, 3, 4, 23, 30, tzinfo=SHANGHAI)  # 10:30 in New York
    bolt.defaults = bolt.defaults.__class__(**{**bolt.defaults.__dict__, "quiet_hours": "21:00-08:00"})
    _actions(db, 1, owner=REP_EN, due=moment)
    _actions(db, 1, owner=REP, due=moment)
    report = _tick(bolt, moment)
    assert (report.sent, report.deferred) == (1, 1)
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == [REP_EN]


def test_an_alert_whose_post_reached_slack_before_the_process_died_is_not_posted_again(bolt, fake, db):
    _actions(db, 2)
    queue_due_actions(db=db, now=DUE)
    with transaction(db) as s:
        rows = outbox.claim(session=s, now=DUE)
    with transaction(db) as s:
        outbox.mark_posting(session=s, outbox_ids=[rows[0].id], now=DUE)
    # the post reaches Slack, then the process dies before recording it
    bolt.client.chat_postMessage(channel=REP, text="x", metadata={"event_type": "crm_alert", "event_payload": {"outbox": str(rows[0].id)}})
    assert _tick(bolt, DUE + timedelta(minutes=1)).sent == 0  # still leased to the dead process
    report = _tick(bolt, DUE + outbox.LEASE + timedelta(seconds=1))
    assert report.sent == 2
    assert _delivered(fake) == Counter({rows[0].id: 1, rows[1].id: 1})
    assert [r.status for r in _rows(db)] == ["sent", "sent"]


def test_an_alert_marked_posting_that_never_reached_slack_is_posted_once(bolt, fake, db):
    _actions(db, 1)
    queue_due_actions(db=db, now=DUE)
    with transaction(db) as s:
        [row] = outbox.claim(session=s, now=DUE)
    with transaction(db) as s:
        outbox.mark_posting(session=s, outbox_ids=[row.id], now=DUE)
    assert _tick(bolt, DUE + outbox.LEASE + timedelta(seconds=1)).sent == 1
    assert _delivered(fake) == Counter({row.id: 1})
    assert fake.calls_to("conversations.history")  # it looked before posting


def test_two_schedulers_on_one_database_send_each_alert_once(bolt, fake, db):
    made = _actions(db, 12, owner=REP) + _actions(db, 12, owner=BOSS)
    start = threading.Barrier(2)
    errors = []

    def scheduler():
        try:
            start.wait()
            for minute in range(3):
                tick(client=bolt.client, db=db, defaults=bolt.defaults, now=DUE + timedelta(minutes=minute))
        except Exception as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    delivered = _delivered(fake)
    assert len(delivered) == len(made) and set(delivered.values()) == {1}
    assert all(r.status == "sent" for r in _rows(db))


def test_a_slack_that_refuses_for_a_while_still_gets_every_alert_exactly_once(bolt, fake, db):
    _actions(db, 5, owner=REP)
    _actions(db, 5, owner=BOSS)
    fake.fail_next("chat.postMessage", status=500, times=2)
    fake.fail_next("chat.postMessage", retry_after=90, times=2)
    fake.fail_next("chat.postMessage", status=503, times=1)
    now = DUE
    for _ in range(40):
        _tick(bolt, now)
        if all(r.status == "sent" for r in _rows(db)):
            break
        now += timedelta(minutes=2)
    assert all(r.status == "sent" for r in _rows(db))
    assert sum(_delivered(fake).values()) == 10 and set(_delivered(fake).values()) == {1}
    refused = [c.status for c in fake.calls_to("chat.postMessage") if c.status != 200]
    assert refused == [500, 500, 429, 429, 503]


def test_a_process_killed_mid_sweep_and_started_again_sends_the_rest_nothing_twice(empty_database, fake, tmp_path):
    from tests.test_cli import run

    env = {"DATABASE_URL": empty_database.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url, "CRM_QUIET_HOURS": "off"}
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    _actions(empty_database.factory, 1, owner=REP)
    _actions(empty_database.factory, 1, owner=BOSS)
    slack_answers = threading.Event()
    fake.fail_next("chat.postMessage", status=200, hold=slack_answers)  # the first post is slow: kill the process then
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "jobs", "--once", "--now", DUE.isoformat()], cwd=tmp_path,
                            env={**clean, **env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = fake.wait_for("chat.postMessage", timeout=30)[0]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    slack_answers.set()  # Slack (the fake) finishes handling the post the dead process made
    assert first.answered.wait(10)
    assert sum(_delivered(fake).values()) == 1
    later = (DUE + outbox.LEASE + timedelta(seconds=1)).isoformat()
    again = run(["jobs", "--once", "--now", later], env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    delivered = _delivered(fake)
    assert sorted(delivered.values()) == [1, 1] and len(delivered) == 2
    assert [r.status for r in _rows(empty_database.factory)] == ["sent", "sent"]
