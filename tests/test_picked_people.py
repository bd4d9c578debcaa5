"""A person picked in a form's people menu must be someone the bot can remind (handlers/picked.py).
Slack's people menu lists bots and apps too, and a forged payload can name anyone: an action, a
ticket or a customer owned by a bot or a deactivated account would never be reminded. Through the
Bolt app and the fake Slack, in zh-CN and en: the form refuses on the field, nothing is saved."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from handlers import ids
from store.customers import create_customer
from store.db import transaction
from store.models import Customer, Interaction, NextAction, Ticket
from tests.conftest import REP, REP_EN, remember_user
from tests.flows import log_state, view_submission
from tests.test_admin_plain import _click, _failed_action, _failures, _setup
from tests.record_flows import submit
from tests.test_forms_plain import _new_modal, _new_values
from tests.test_tickets import _submit as submit_ticket

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai, Sunday 21:00 in New York
BOT, GONE, NOBODY, PERSON = "U0BOTAPP01", "U0LEFT0002", "U0NOSUCH03", "U0PERSON04"


def _people(fake) -> None:
    fake.add_user(BOT, real_name="Google Drive", is_bot=True)
    fake.add_user(GONE, real_name="离职的同事", deleted=True)
    fake.add_user(PERSON, real_name="钱浩")


def _log(bolt, *, user: str, customer_id: int, owner: str, day: date):
    values = log_state(customer=f"{ids.CUSTOMER_EXISTING}{customer_id}", day=day, summary="电话沟通", action="发送报价",
                       due=NOW + timedelta(days=2), owner=owner)
    return bolt.interact(view_submission(user=user, callback_id=ids.LOG_VIEW, values=values, private_metadata={"channel": "C0SALES001"}))


def _saved(db) -> tuple[int, list[str]]:
    with transaction(db) as s:
        return len(s.exec(select(Interaction)).all()), [a.owner_id for a in s.exec(select(NextAction))]


def test_a_next_action_for_a_bot_a_deactivated_account_or_nobody_is_refused_on_the_owner_field(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    _people(fake)
    bolt.now = NOW
    with transaction(db) as s:
        zh = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=NOW).id
        en = create_customer(session=s, name="Galaxy Tech", owner_id=REP_EN, created_by=REP_EN, now=NOW).id
    for user, customer, day, said in (
            (REP, zh, date(2026, 12, 7), {BOT: f"<@{BOT}> 是机器人或应用，收不到提醒：请选一位同事。",
                                          GONE: f"<@{GONE}> 不是这个工作区的在职成员（账号已停用或不存在）：请选一位同事。",
                                          NOBODY: f"<@{NOBODY}> 不是这个工作区的在职成员（账号已停用或不存在）：请选一位同事。",
                                          "USLACKBOT": "<@USLACKBOT> 是机器人或应用，收不到提醒：请选一位同事。"}),
            (REP_EN, en, date(2026, 12, 6), {BOT: f"<@{BOT}> is a bot or an app: it gets no reminders. Pick a colleague.",
                                             GONE: f"<@{GONE}> is not an active member of this workspace (deactivated, or no such "
                                                   "account): pick a colleague."})):
        for owner, error in said.items():
            status, body, _ = _log(bolt, user=user, customer_id=customer, owner=owner, day=day)
            assert (status, json.loads(body)) == (200, {"response_action": "errors", "errors": {ids.LOG_OWNER_BLOCK: error}})
    assert _saved(db) == (0, [])
    # a person is saved and told; so is the rep themself, whom Slack is not asked about
    fake.reset()
    assert _log(bolt, user=REP, customer_id=zh, owner=PERSON, day=date(2026, 12, 7))[:2] == (200, b"")
    assert _log(bolt, user=REP, customer_id=zh, owner=REP, day=date(2026, 12, 7))[:2] == (200, b"")
    assert _saved(db) == (2, [PERSON, REP])
    assert [c.params["user"] for c in fake.calls_to("users.info")].count(REP) == 0


def test_when_slack_cannot_say_who_was_picked_the_work_is_not_refused(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    _people(fake)
    bolt.now = NOW
    with transaction(db) as s:
        zh = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=NOW).id
    fake.fail_next("users.info", error="ratelimited")
    assert _log(bolt, user=REP, customer_id=zh, owner=PERSON, day=date(2026, 12, 7))[:2] == (200, b"")
    fake.fail_next("users.info", status=503)
    assert _log(bolt, user=REP, customer_id=zh, owner=PERSON, day=date(2026, 12, 7))[:2] == (200, b"")
    assert _saved(db) == (2, [PERSON, PERSON])


def test_a_ticket_assigned_to_a_bot_and_a_customer_given_to_one_are_refused(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    _people(fake)
    status, body, _ = submit_ticket(bolt, user=REP_EN, assignee=BOT)
    assert (status, json.loads(body)) == (200, {"response_action": "errors", "errors": {
        ids.TICKET_ASSIGNEE_BLOCK: f"<@{BOT}> is a bot or an app: it gets no reminders. Pick a colleague."}})
    with transaction(db) as s:
        assert s.exec(select(Ticket)).all() == [] and s.exec(select(Customer)).all() == []
    assert submit_ticket(bolt, user=REP_EN, assignee=PERSON)[:2] == (200, b"")
    view = _new_modal(bolt, fake, REP)
    status, body, _ = submit(bolt, user=REP, view=view, values=_new_values(cs=GONE, owner=BOT))
    assert (status, json.loads(body)) == (200, {"response_action": "errors", "errors": {
        ids.CUST_OWNER_BLOCK: f"<@{BOT}> 是机器人或应用，收不到提醒：请选一位同事。",
        ids.CUST_CS_OWNER_BLOCK: f"<@{GONE}> 不是这个工作区的在职成员（账号已停用或不存在）：请选一位同事。"}})
    with transaction(db) as s:
        assert [c.name for c in s.exec(select(Customer))] == ["星河科技"]  # the ticket's new customer only


def test_an_admin_cannot_hand_a_failed_reminder_to_a_bot(bolt, fake, db, remember):
    _setup(bolt, remember, "zh-CN", "Asia/Shanghai")
    remember(REP_EN, "America/New_York", "en-US")
    _people(fake)
    _, outbox_id, _ = _failed_action(db, REP_EN, "user_not_found")
    message = _failures(bolt, fake)
    assert _click(bolt, fake, message, outbox_id, resend=False, pick=BOT) == f"<@{BOT}> 是机器人或应用，收不到提醒：请选一位同事。"
    said = _click(bolt, fake, message, outbox_id, resend=False, pick=PERSON)  # the refused pick changed nothing
    assert said.startswith("已") and f"<@{PERSON}>" in said, said


def test_a_slow_slack_lets_the_pick_through_inside_slacks_three_seconds(bolt, fake, db, remember, monkeypatch):
    """The form is saved before it is answered: Slack's slow answer about the person picked must
    not push the answer past Slack's 3 s (Slack would show an error for a form that was saved)."""
    import threading

    import handlers.picked

    monkeypatch.setattr(handlers.picked, "ASK_SECONDS", 0.2)  # the wait for Slack's answer, shortened for the test
    remember(REP, "Asia/Shanghai", "zh-CN")
    _people(fake)
    bolt.now = NOW
    with transaction(db) as s:
        zh = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=NOW).id
    # the bot's profile cached: the alert each save queues for it is delivered without a users.info
    # of its own, which would take the answers scripted below for the forms' questions
    remember_user(db, BOT, "UTC", "en-US", now=NOW)
    answer = threading.Event()
    fake.fail_next("users.info", status=200, hold=answer)  # Slack answers only when the test says so
    fake.fail_next("users.info", retry_after=30)  # then rate-limited for 30 s: not waited out
    try:
        status, body, took = _log(bolt, user=REP, customer_id=zh, owner=BOT, day=date(2026, 12, 7))
        assert (status, body) == (200, b"") and took < 2.0
        status, body, took = _log(bolt, user=REP, customer_id=zh, owner=BOT, day=date(2026, 12, 7))
        assert (status, body) == (200, b"") and took < 2.0
    finally:
        answer.set()
    assert _saved(db) == (2, [BOT, BOT])  # let through, as when Slack is down
