"""Delivery runs that outlive their lease, pings that stand out from grouped reminders, P1 warnings
in quiet hours, and 2,000 reminders for one owner: through the real tick and the fake Slack."""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import select

from handlers import ids
from handlers.delivery.jobs import queue_due_actions, tick
from handlers.delivery.post import Pacer
from handlers.delivery.send import Workers, deliver
from store import outbox
from store.db import transaction
from store.models import Customer, NextAction
from store.sla import add_business
from store.tickets import create_ticket, open_tickets, set_card
from store.users import set_quiet_hours
from handlers.sla_words import list_blocks
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import button
from tests.test_delivery import DUE, VirtualClock, _actions, _delivered, _rows
from tests.test_tickets import CARD_LINK, CN, EN_REP, SALES, ZH_REP, _sla_ticket, _texts, sh


class MovingClock:
    """The run's wall clock, moved by the test (no sleeping)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _until(condition, timeout: float = 10.0) -> None:
    """Wait for something another thread does (as FakeSlack.wait_for does for calls)."""
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("timed out")


def test_a_run_whose_slack_answers_after_three_minutes_keeps_its_claims_while_a_second_replica_sweeps(bolt, fake, db):
    made = _actions(db, 2, owner=REP) + _actions(db, 2, owner=BOSS)
    queue_due_actions(db=db, now=DUE)
    clock, answer = MovingClock(DUE), threading.Event()
    fake.fail_next("chat.postMessage", status=200, hold=answer)  # the first post: Slack answers when the test says
    pool, runner = ThreadPoolExecutor(2), ThreadPoolExecutor(1)  # the workers bot/ lends, and the scheduler's thread
    first_run = runner.submit(deliver, client=bolt.client, db=db, defaults=bolt.defaults, now=DUE, clock=clock,
                              workers=Workers(pool, 2), renew_every=0.01)
    fake.wait_for("chat.postMessage", timeout=10)
    clock.at = DUE + timedelta(minutes=3)  # Slack has not answered for three minutes; the run keeps its lease
    _until(lambda: all(r.lease_until and r.lease_until >= clock.at + outbox.LEASE for r in _rows(db) if r.status == "sending"))
    second = tick(client=bolt.client, db=db, defaults=bolt.defaults, now=DUE + timedelta(minutes=3))
    assert (second.sent, second.messages) == (0, 0)  # nothing of the first run's was claimable
    answer.set()
    report = first_run.result(timeout=30)
    pool.shutdown()
    runner.shutdown()
    assert (report.sent, report.messages) == (4, 2)
    assert _delivered(fake) == Counter({row.id: 1 for row in _rows(db)}) and len(_rows(db)) == len(made)
    assert [r.status for r in _rows(db)] == ["sent"] * len(made)
    assert all(r.claim_token is None and r.lease_until is None for r in _rows(db))


def test_a_run_that_outlived_its_lease_posts_nothing_the_replica_that_took_over_sent(bolt, fake, db):
    _actions(db, 2, owner=REP)
    _actions(db, 2, owner=BOSS)
    queue_due_actions(db=db, now=DUE)
    clock, answer = MovingClock(DUE), threading.Event()
    fake.fail_next("users.info", status=200)  # REP's profile: at once
    fake.fail_next("users.info", status=200, hold=answer)  # BOSS's: Slack answers three minutes later
    pool = ThreadPoolExecutor(1)
    first_run = pool.submit(deliver, client=bolt.client, db=db, defaults=bolt.defaults, now=DUE, clock=clock)  # no worker renews
    fake.wait_for("users.info", count=2, timeout=10)
    clock.at = DUE + timedelta(minutes=3)
    second = tick(client=bolt.client, db=db, defaults=bolt.defaults, now=clock.at)  # BOSS's lease ran out: taken over
    assert (second.sent, [c.params["channel"] for c in fake.calls_to("chat.postMessage")]) == (2, [REP, BOSS])
    answer.set()
    report = first_run.result(timeout=30)
    pool.shutdown()
    assert (report.sent, report.messages) == (2, 1)  # REP's only: BOSS's belonged to the second run by then
    assert sorted(_delivered(fake).values()) == [1, 1, 1, 1]
    assert [r.status for r in _rows(db)] == ["sent"] * 4


def test_a_run_that_outlived_its_lease_posts_nothing_while_the_replica_that_took_over_is_still_at_work(bolt, fake, db):
    """Both runs stalled: the first past its lease, the second (which claimed the same rows, still
    'sending') waiting on Slack too. The first run's mark before posting names its token, so the
    rows the second holds are not its to post: without the token they would be posted twice."""
    _actions(db, 2, owner=REP)
    queue_due_actions(db=db, now=DUE)
    clock, first_answer, second_answer = MovingClock(DUE), threading.Event(), threading.Event()
    fake.fail_next("users.info", status=200, hold=first_answer)   # the first run's look at REP
    fake.fail_next("users.info", status=200, hold=second_answer)  # the second run's
    pool = ThreadPoolExecutor(2)
    first_run = pool.submit(deliver, client=bolt.client, db=db, defaults=bolt.defaults, now=DUE, clock=clock)  # no worker renews
    fake.wait_for("users.info", count=1, timeout=10)
    clock.at = DUE + timedelta(minutes=3)  # the first run's lease ran out
    second_run = pool.submit(deliver, client=bolt.client, db=db, defaults=bolt.defaults, now=clock.at, clock=clock)
    fake.wait_for("users.info", count=2, timeout=10)  # the second run claimed REP's rows and waits on Slack too
    tokens = {r.claim_token for r in _rows(db)}
    assert [r.status for r in _rows(db)] == ["sending", "sending"] and len(tokens) == 1 and None not in tokens
    first_answer.set()
    first = first_run.result(timeout=30)
    assert (first.sent, first.messages, fake.calls_to("chat.postMessage")) == (0, 0, [])  # not the first run's to post
    second_answer.set()
    second = second_run.result(timeout=30)
    pool.shutdown()
    assert (second.sent, second.messages) == (2, 1)
    assert sorted(_delivered(fake).values()) == [1, 1] and [r.status for r in _rows(db)] == ["sent", "sent"]


@pytest.mark.parametrize("who, profile, head, grouped", [
    (REP, ZH_REP, "🔴 SLA 超时", "🔔 你有 2 条提醒："),
    (REP_EN, EN_REP, "🔴 SLA breached", "🔔 You have 2 alerts:"),
])
def test_a_breach_is_its_own_message_under_a_header_while_reminders_are_grouped(bolt, fake, db, remember, who, profile, head, grouped):
    remember(who, profile.tz, profile.locale)
    ticket = _sla_ticket(db, assignee=who)  # Monday 09:00 Shanghai, P2: first response due 11:00
    at = sh(2026, 11, 23, 11, 1)
    _many_actions(db, 2, who, due=at)
    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=at)
    mine = [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == who]
    assert len(mine) == 2
    alone, bundle = mine
    assert alone["blocks"][0]["type"] == "header" and alone["blocks"][0]["text"]["text"] == head
    assert ticket.code in alone["text"] and len(alone["metadata"]["event_payload"]["outbox"].split(",")) == 1
    assert bundle["blocks"][0]["elements"][0]["text"] == grouped
    assert len(bundle["metadata"]["event_payload"]["outbox"].split(",")) == 2


@pytest.mark.parametrize("who, locale, said", [
    (REP, "zh-CN", "⚠️ SLA 预警：工单 {code} 的首次响应将于 2026年11月24日周二 03:30 到期（还有 30分钟）"),
    (REP_EN, "en-US", "⚠️ SLA warning: First response on ticket {code} is due Tue, Nov 24, 2026, 3:30\u202fAM (in 30 min)")])
def test_a_p1_warning_reaches_its_owner_in_quiet_hours(bolt, fake, db, remember, who, locale, said):
    """P1 counts calendar hours: a warning held until 08:00 would come after the breach (03:30). The
    owner's quiet hours are on (21:00-08:00 in Shanghai): their reminder due at the same moment waits."""
    remember(who, "Asia/Shanghai", locale)
    with transaction(db) as s:
        set_quiet_hours(session=s, user_id=who, quiet_hours="21:00-08:00")
    with transaction(db) as s:  # 01:30 on a Tuesday in Shanghai
        p1 = create_ticket(session=s, created_by=who, customer_id=None, new_customer_name="星河科技", priority="P1",
                           ticket_type="complaint", description="服务器宕机", assignee_id=who, calendar=CN, now=sh(2026, 11, 24, 1, 30))
        set_card(session=s, ticket_id=p1.id, channel=SALES, ts="1700000000.000300", link=CARD_LINK)
    _many_actions(db, 1, who, due=sh(2026, 11, 24, 3, 0))
    report = tick(client=bolt.client, db=db, defaults=bolt.defaults, now=sh(2026, 11, 24, 3, 0))  # 75 % of two hours
    assert (report.sla_queued, report.sent, report.deferred) == (1, 1, 1)  # the warning goes, the reminder waits
    [warn] = fake.calls_to("chat.postMessage")
    assert (warn.params["channel"], warn.params["text"]) == (who, said.format(code=p1.code))


def test_an_overdue_clock_reads_days_and_hours_past_a_day(db):
    business = _sla_ticket(db)  # P2 on working hours, opened Monday 09:00 Shanghai
    with transaction(db) as s:
        items, total = open_tickets(session=s, assignee_id=REP, limit=20)
    now = add_business(CN, business.resolution_due_at, 602 * 60)  # 602 working hours past its resolution target
    for profile, line in ((ZH_REP, "🔴 解决：已超时 25天2小时（工作时间）"),
                          (EN_REP, "🔴 Resolution: 25 days 2 hours overdue (business hours)")):
        _, blocks = list_blocks(items, total, calendar=CN, now=now, profile=profile)
        assert _texts(blocks, "section")[1].split("\n")[-1] == line


def test_a_clock_a_day_and_an_hour_overdue_reads_in_the_singular(db):
    with transaction(db) as s:  # P1, around the clock: resolution due 24 h after Monday 09:00
        create_ticket(session=s, created_by=REP, customer_id=None, new_customer_name="星河科技", priority="P1",
                      ticket_type="complaint", description="宕机", assignee_id=REP, calendar=CN, now=sh(2026, 11, 23, 9, 0))
        items, total = open_tickets(session=s, assignee_id=REP, limit=20)
    now = sh(2026, 11, 25, 10, 0)  # one day and one hour after Tuesday 09:00
    for profile, line in ((ZH_REP, "🔴 解决：已超时 1天1小时"), (EN_REP, "🔴 Resolution: 1 day 1 hour overdue")):
        _, blocks = list_blocks(items, total, calendar=CN, now=now, profile=profile)
        assert _texts(blocks, "section")[1].split("\n")[-1] == line


def _many_actions(db, n: int, owner: str, due: datetime = DUE) -> None:
    """n open actions falling due at `due` (seeded in bulk: creating 2,000 through the log flow takes minutes)."""
    at = due - timedelta(days=3)
    with transaction(db) as s:
        s.execute(insert(Customer), [dict(code=f"C{owner[-4:]}{i:06d}", name=f"客户{i}", name_norm=f"客户{i}", company="", industry="",
                                          region="", source="", stage="lead", owner_id=owner, created_by=owner, created_at=at,
                                          updated_at=at) for i in range(n)])
        first = s.exec(select(Customer.id).order_by(Customer.id)).first()
        s.execute(insert(NextAction), [dict(customer_id=first + i, interaction_id=None, title=f"跟进{i}", due_at=due, announce_at=due,
                                            owner_id=owner, created_by=owner, status="open", created_at=at, updated_at=at)
                                       for i in range(n)])


def test_two_thousand_reminders_for_one_owner_go_out_as_valid_messages_of_one_line_each(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    _many_actions(db, 2000, REP)
    clock = VirtualClock(fake)
    report = tick(client=bolt.client, db=db, defaults=bolt.defaults, now=DUE, pacer=Pacer(1.0, sleep=clock.sleep, clock=clock.now))
    posts = fake.calls_to("chat.postMessage")
    assert (report.queued, report.sent, report.messages, len(posts)) == (2000, 2000, 41, 41)  # 49 a message
    assert fake.violations == [] and all(p.status == 200 for p in posts)
    assert all(len(p.params["blocks"]) <= 50 for p in posts)
    assert sorted(_delivered(fake).values()) == [1] * 2000
    first = posts[0].params["blocks"]
    assert first[0]["elements"][0]["text"] == "🔔 你有 49 条提醒："
    assert first[1]["text"]["text"] == "⏰ *跟进0* · 客户0（`C0001000000`）· 截止 2031年3月4日周二 10:00"
    assert first[1]["accessory"]["action_id"] == ids.DUE_DONE
    assert [s for s, _ in clock.slept] == [1.0] * 40  # one message a second to the one DM
    # Done on one line: the message is redrawn within 50 blocks, the others untouched
    post = posts[0]
    line = first[5]
    click = button(user=REP, action_id=ids.DUE_DONE, value=line["accessory"]["value"], channel=post.response["channel"],
                   ts=post.response["ts"])
    click["message"]["blocks"] = first
    click["actions"][0]["block_id"] = line["block_id"]  # a section's button: Slack sends the section's block_id
    bolt.interact(click)
    updated = fake.wait_for("chat.update")[0].params["blocks"]
    assert len(updated) == 50 and updated[:5] == first[:5] and updated[6:] == first[6:]
    assert "跟进4" in updated[5]["text"]["text"] and "accessory" not in updated[5]
