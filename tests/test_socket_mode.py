"""The real Bolt app over Socket Mode (the README's default) against a local Socket Mode server:
each envelope is acknowledged within 3 s; `/crm log` and its modal, a button on the due alert and
the Home tab work through it; a dropped connection is opened again."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlmodel import select

from handlers import ids
from handlers.delivery.jobs import tick
from store.db import transaction
from store.models import Interaction, NextAction
from tests.bolt_server import payload
from tests.conftest import REP, REP_EN
from tests.fake_socket_mode import FakeSocketMode
from tests.flows import button, log_state, view_submission

SHANGHAI = ZoneInfo("Asia/Shanghai")


def log_form(owner: str) -> tuple[dict, datetime]:
    """A visit today (the form refuses a later day) leaving an action due in a day: (state, due)."""
    due = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    state = log_state(customer="n:星河科技", day=datetime.now(SHANGHAI).date(), summary="拜访张总", action="发送报价",
                      due=due, owner=owner)
    return state, due


# slack_sdk's Socket Mode client paces itself with timed waits (Event.wait, Queue.get with a
# timeout), whose deadlines libfaketime's shifted monotonic clock puts 400 days away (the waits
# never end) or in the past (they spin). Nothing here depends on the date: every instant is taken
# from the clock the test runs under.
pytestmark = pytest.mark.skipif("faketime" in os.environ.get("LD_PRELOAD", ""),
                                reason="libfaketime shifts the deadlines of slack_sdk's Socket Mode client's timed waits")


@pytest.fixture
def socket_mode(bolt, fake):
    server = FakeSocketMode()
    fake.socket_url = server.url
    handler = SocketModeHandler(bolt.app, "xapp-test", ping_interval=1)
    handler.connect()
    server.wait_connected(1)
    yield server
    handler.close()
    server.stop()


def command(text: str, *, user: str, fake) -> dict:
    fields = payload("slash_command")
    fields.update(text=text, user_id=user, response_url=fake.response_url("cmd"), trigger_id="trigger.socket")
    return fields


def acked(server: FakeSocketMode, kind: str, body: dict) -> dict:
    ack, seconds = server.ack(server.send(kind, body))
    assert seconds < 3, f"{kind} acknowledged after {seconds:.2f} s"
    return ack


def test_crm_log_through_the_socket_opens_the_modal_and_saves_the_submission(socket_mode, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    acked(socket_mode, "slash_commands", command("log", user=REP, fake=fake))
    view = fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == ids.LOG_VIEW and view["title"]["text"] == "记录客户互动"
    state, _ = log_form(REP)
    ack = acked(socket_mode, "interactive", view_submission(user=REP, callback_id=ids.LOG_VIEW, values=state))
    assert ack.get("payload") in (None, {}, "")  # the modal closes: no errors
    with transaction(db) as s:
        assert s.exec(select(Interaction)).one().summary == "拜访张总"
        assert s.exec(select(NextAction)).one().title == "发送报价"
    confirmation = fake.wait_for("chat.postMessage")[0].params
    assert confirmation["channel"] == REP and "发送报价" in json.dumps(confirmation["blocks"], ensure_ascii=False)


def test_an_english_user_gets_the_modal_in_english_through_the_socket(socket_mode, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    acked(socket_mode, "slash_commands", command("log", user=REP_EN, fake=fake))
    assert fake.wait_for("views.open")[0].params["view"]["title"]["text"] == "Log interaction"


def test_a_button_on_the_due_alert_through_the_socket(socket_mode, bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    state, due = log_form(REP)
    acked(socket_mode, "interactive", view_submission(user=REP, callback_id=ids.LOG_VIEW, values=state))
    fake.wait_for("chat.postMessage")
    fake.reset()
    assert tick(client=bolt.client, db=db, defaults=bolt.defaults, now=due).sent == 1
    alert = fake.wait_for("chat.postMessage")[0]
    with transaction(db) as s:
        action = s.exec(select(NextAction)).one()
    acked(socket_mode, "interactive", button(user=REP, action_id=ids.DUE_DONE, value=str(action.id),
                                             channel=alert.response["channel"], ts=alert.response["ts"], message=alert.params))
    updated = fake.wait_for("chat.update")[0].params
    assert "已于" in json.dumps(updated["blocks"], ensure_ascii=False)
    with transaction(db) as s:
        assert s.get(NextAction, action.id).done_at is not None


def test_app_home_opened_through_the_socket_publishes_the_home_tab(socket_mode, fake):
    body = payload("app_home_opened")
    body["event"]["user"] = REP_EN
    acked(socket_mode, "events_api", body)
    published = fake.wait_for("views.publish")[0].params
    assert published["user_id"] == REP_EN and published["view"]["type"] == "home"


def test_a_dropped_connection_is_opened_again_and_served(socket_mode, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    opened = len(fake.calls_to("apps.connections.open"))
    socket_mode.drop()
    socket_mode.wait_connected(2)
    assert len(fake.calls_to("apps.connections.open")) == opened + 1
    acked(socket_mode, "slash_commands", command("log", user=REP, fake=fake))
    assert fake.wait_for("views.open")[0].params["view"]["callback_id"] == ids.LOG_VIEW
