"""Due next actions: the owner's DM, its buttons, and delivery that loses nothing and never repeats."""
from __future__ import annotations

import json
import threading
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers import ids
from handlers.delivery.jobs import tick
from store.db import transaction
from store.interactions import log_interaction
from store.models import NextAction, Outbox
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import button, view_submission

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _action(db, *, owner=REP, due=None, title="发送报价", customer="星河科技") -> NextAction:
    due = due or datetime.now(timezone.utc) + timedelta(minutes=5)
    with transaction(db) as s:
        return log_interaction(session=s, author_id=owner, customer_id=None, new_customer_name=customer, way="phone",
                               occurred_on=(due - timedelta(minutes=5)).date(), summary="电话沟通需求", feedback="", participants="",
                               action_title=title, due_at=due, action_owner_id=owner, now=due - timedelta(minutes=5)).action


def _tick(bolt, now):
    return tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=now)


def _dm(fake, n=1):
    return fake.wait_for("chat.postMessage", count=n)[n - 1]


def _buttons(params) -> dict:
    actions = next(b for b in params["blocks"] if b["type"] == "actions")
    return {e["action_id"]: e for e in actions["elements"]}


def test_due_action_is_announced_once_with_buttons_in_the_owners_language(bolt, fake, db):
    action = _action(db)
    assert _tick(bolt, action.due_at - timedelta(seconds=1)).queued == 0
    report = _tick(bolt, action.due_at)
    assert (report.queued, report.sent) == (1, 1)
    dm = _dm(fake).params
    assert dm["channel"] == REP
    text = json.dumps(dm["blocks"], ensure_ascii=False)
    assert "下一步行动到期" in text and "发送报价" in text and "星河科技" in text and "电话沟通需求" in text
    assert [b["text"]["text"] for b in _buttons(dm).values()] == ["完成", "推迟 1 小时", "明天 9:00", "改期…"]
    assert all(b["value"] == str(action.id) for b in _buttons(dm).values())
    for later in (action.due_at, action.due_at + timedelta(minutes=1), action.due_at + timedelta(days=2)):
        assert _tick(bolt, later).as_dict() == {"queued": 0, "sent": 0, "retried": 0, "failed": 0, "skipped": 0, "deferred": 0, "messages": 0, "sla_queued": 0, "actions_created": 0,
                                                 "digests_queued": 0, "health_computed": 0, "risk_queued": 0,
                                                 "money_queued": 0, "tiers_changed": 0, "tags_added": 0, "tags_dropped": 0, "summaries_queued": 0}
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_english_owner_reads_english_in_new_york_time(bolt, fake, db):
    action = _action(db, owner=REP_EN, title="send quote", customer="Galaxy Tech",
                     due=datetime(2031, 3, 4, 19, 0, tzinfo=timezone.utc))
    _tick(bolt, action.due_at)
    dm = _dm(fake).params
    text = json.dumps(dm["blocks"], ensure_ascii=False)
    assert "Next action due" in text and "Tue, Mar 4, 2031, 2:00\u202fPM" in text
    assert dm["text"] == "Next action due: send quote (Galaxy Tech)"


def test_done_closes_the_action_and_updates_the_message(bolt, fake, db):
    action = _action(db)
    _tick(bolt, action.due_at)
    sent = _dm(fake)
    channel, ts = sent.response["channel"], sent.response["ts"]
    status, _, _ = bolt.interact(button(user=REP, action_id=ids.DUE_DONE, value=str(action.id), channel=channel, ts=ts, message=sent.params))
    assert status == 200
    update = fake.wait_for("chat.update")[0].params
    assert (update["channel"], update["ts"]) == (channel, ts)
    assert not any(b["type"] == "actions" for b in update["blocks"])
    assert f"✅ <@{REP}> 已于" in json.dumps(update["blocks"], ensure_ascii=False)
    with transaction(db) as s:
        saved = s.get(NextAction, action.id)
    assert (saved.status, saved.done_by) == ("done", REP)
    bolt.interact(button(user=REP, action_id=ids.DUE_DONE, value=str(action.id), channel=channel, ts=ts, message=sent.params))
    second = fake.wait_for("chat.update", count=2)[1].params
    assert "已经是“已完成”状态" in json.dumps(second["blocks"], ensure_ascii=False)


def test_snooze_announces_again_an_hour_later(bolt, fake, db):
    action = _action(db)
    _tick(bolt, action.due_at)
    sent = _dm(fake)
    clicked = datetime.now(timezone.utc)
    bolt.interact(button(user=REP, action_id=ids.DUE_SNOOZE, value=str(action.id), channel=sent.response["channel"], ts=sent.response["ts"]))
    assert "已推迟到" in json.dumps(fake.wait_for("chat.update")[0].params["blocks"], ensure_ascii=False)
    with transaction(db) as s:
        saved = s.get(NextAction, action.id)
    assert saved.status == "snoozed"
    assert timedelta(minutes=59) < saved.due_at - clicked < timedelta(minutes=61)
    assert _tick(bolt, saved.due_at - timedelta(seconds=1)).sent == 0
    assert _tick(bolt, saved.due_at).sent == 1
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_tomorrow_moves_it_to_nine_in_the_owners_zone(bolt, fake, db):
    action = _action(db)
    bolt.interact(button(user=REP, action_id=ids.DUE_TOMORROW, value=str(action.id), channel="D0REP00001", ts="1.1"))
    fake.wait_for("chat.update")
    with transaction(db) as s:
        due = s.get(NextAction, action.id).due_at.astimezone(SHANGHAI)
    assert due == datetime.combine(datetime.now(SHANGHAI).date() + timedelta(days=1), time(9), SHANGHAI)


def test_someone_else_cannot_close_your_action(bolt, fake, db):
    action = _action(db)
    bolt.interact(button(user=BOSS, action_id=ids.DUE_DONE, value=str(action.id), channel="D0REP00001", ts="1.1"))
    refusal = fake.wait_for("chat.postEphemeral")[0].params
    assert refusal["user"] == BOSS and refusal["text"] == f"只有这项行动的负责人 <@{REP}> 可以处理它。"
    with transaction(db) as s:
        assert s.get(NextAction, action.id).status == "open"


def test_reschedule_takes_words_and_refuses_nonsense(bolt, fake, db):
    action = _action(db)
    _tick(bolt, action.due_at)
    sent = _dm(fake)
    channel, ts = sent.response["channel"], sent.response["ts"]
    bolt.interact(button(user=REP, action_id=ids.DUE_RESCHEDULE, value=str(action.id), channel=channel, ts=ts, message=sent.params))
    opened = fake.wait_for("views.open")[0].params["view"]
    assert opened["callback_id"] == ids.RESCHEDULE_VIEW and opened["title"]["text"] == "改期"
    meta = json.loads(opened["private_metadata"])
    assert meta == {"action": action.id, "channel": channel, "ts": ts, "item": str(_outbox_ids(db)[0])}

    def submit(text):
        values = {ids.RESCHEDULE_BLOCK: {ids.RESCHEDULE_WHEN: {"type": "plain_text_input", "value": text}}}
        return bolt.interact(view_submission(user=REP, callback_id=ids.RESCHEDULE_VIEW, values=values, private_metadata=meta))

    _, body, _ = submit("随便什么")
    assert json.loads(body)["errors"][ids.RESCHEDULE_BLOCK].startswith("没看懂这个时间")
    _, body, _ = submit("后天下午4点")
    assert body == b""
    with transaction(db) as s:
        saved = s.get(NextAction, action.id)
    expected = datetime.combine(datetime.now(SHANGHAI).date() + timedelta(days=2), time(16), SHANGHAI)
    assert (saved.due_at, saved.status, saved.announce_at) == (expected, "open", expected)
    update = fake.wait_for("chat.update")[0].params
    assert (update["channel"], update["ts"]) == (channel, ts)
    assert "已改期到" in json.dumps(update["blocks"], ensure_ascii=False)
    assert not any(b["type"] == "actions" for b in update["blocks"])


def _outbox_ids(db) -> list[int]:
    with transaction(db) as s:
        return [row.id for row in s.exec(select(Outbox).order_by(Outbox.id))]


def test_slack_errors_leave_the_alert_pending_until_slack_takes_it(bolt, fake, db):
    action = _action(db)
    fake.fail_next("chat.postMessage", status=500)
    report = _tick(bolt, action.due_at)
    assert (report.sent, report.retried) == (0, 1)
    with transaction(db) as s:
        row = s.exec(select(Outbox)).one()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "http_500 internal_error")
    assert row.next_attempt_at == action.due_at + timedelta(seconds=30)
    fake.fail_next("chat.postMessage", retry_after=120)
    assert _tick(bolt, row.next_attempt_at).retried == 1
    with transaction(db) as s:
        row = s.exec(select(Outbox)).one()
    assert row.next_attempt_at == action.due_at + timedelta(seconds=150) and row.last_error == "ratelimited"
    assert _tick(bolt, row.next_attempt_at - timedelta(seconds=1)).sent == 0
    assert _tick(bolt, row.next_attempt_at).sent == 1
    assert _tick(bolt, row.next_attempt_at + timedelta(hours=1)).sent == 0
    delivered = [c for c in fake.calls_to("chat.postMessage") if c.status == 200 and c.response.get("ok")]
    assert len(delivered) == 1


def test_a_permanent_error_is_recorded_and_not_retried(bolt, fake, db):
    action = _action(db)
    fake.fail_next("chat.postMessage", error="channel_not_found")
    assert _tick(bolt, action.due_at).failed == 1
    assert _tick(bolt, action.due_at + timedelta(hours=2)).as_dict()["sent"] == 0
    with transaction(db) as s:
        row = s.exec(select(Outbox)).one()
    assert (row.status, row.last_error) == ("failed", "channel_not_found")


def test_a_timeout_is_retried(bolt, fake, db):
    bolt.client.timeout = 0.3
    action = _action(db)
    slack_answers = threading.Event()  # Slack answers only after the client has given up
    fake.fail_next("chat.postMessage", status=200, hold=slack_answers)
    try:
        assert _tick(bolt, action.due_at).retried == 1
    finally:
        slack_answers.set()
    with transaction(db) as s:
        assert s.exec(select(Outbox)).one().last_error.startswith(("TimeoutError", "SlackRequestError", "URLError"))


def test_an_alert_for_an_action_done_meanwhile_is_dropped(bolt, fake, db):
    action = _action(db)
    fake.fail_next("chat.postMessage", status=503)
    _tick(bolt, action.due_at)
    bolt.interact(button(user=REP, action_id=ids.DUE_DONE, value=str(action.id), channel="D0REP00001", ts="1.1"))
    fake.wait_for("chat.update")
    assert _tick(bolt, action.due_at + timedelta(minutes=5)).skipped == 1
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [503]
