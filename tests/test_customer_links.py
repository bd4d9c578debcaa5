"""Lists of customers link to their cards: one select of the customers a message or view names;
choosing one shows the card to the chooser, if they may read that customer."""
from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import ids
from handlers.refs import card_picker
from store.customers import create_customer
from store.db import transaction
from tests.bolt_server import payload
from tests.conftest import REP, REP_EN

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=SH)


def _customer(db, name: str, owner: str) -> tuple[int, str]:
    with transaction(db) as s:
        c = create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=NOW)
        return c.id, c.code


def _pick(bolt, fake, *, user: str, customer_id: int, home: bool) -> None:
    body = payload("block_actions_home" if home else "block_actions")
    body["user"]["id"] = user
    picker = card_picker([(customer_id, "x", "C1")], "en")
    body["actions"] = [{"action_id": ids.CARD_PICKER, "block_id": ids.CARD_PICKER_BLOCK, "type": "static_select",
                        "selected_option": picker["elements"][0]["options"][0], "action_ts": "1700000100.000200"}]
    if not home:
        body["container"].update(channel_id="C0SALES001")
        body["channel"]["id"] = "C0SALES001"
        body["response_url"] = fake.response_url("pick")
    body["trigger_id"] = f"trigger.{time.time_ns()}"
    fake.reset()
    status, answer, _ = bolt.interact(body)
    assert (status, answer) == (200, b"")


def test_the_picker_lists_each_customer_once_within_block_kit_limits():
    many = [(n, f"客户{n}" * 30, f"C2026110{n:03d}") for n in range(1, 151)]
    block = card_picker(many + many[:3], "zh-CN")
    options = block["elements"][0]["options"]
    assert len(options) == 100 and [o["value"] for o in options] == [str(n) for n in range(1, 101)]
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    assert options[0]["text"]["text"].endswith("(C2026110001)")
    assert block["elements"][0]["placeholder"]["text"] == "打开客户卡片…"
    assert card_picker([], "en") is None


def test_choosing_a_customer_shows_its_card_in_a_message_and_from_home(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    customer_id, code = _customer(db, "星河科技", REP)
    _pick(bolt, fake, user=REP, customer_id=customer_id, home=False)
    answer = fake.wait_for("response_url:pick")[0].params
    assert answer["text"] == f"客户 星河科技（{code}）：线索期 · 待培育"
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert any(b["type"] == "actions" and b["block_id"] == ids.CARD_ACTIONS_BLOCK for b in answer["blocks"])
    _pick(bolt, fake, user=REP, customer_id=customer_id, home=True)
    dm = fake.wait_for("chat.postMessage")[0].params
    assert (dm["channel"], dm["text"]) == (REP, f"客户 星河科技（{code}）：线索期 · 待培育")


def test_a_customer_the_chooser_may_not_read_is_refused_in_their_language(db, fake, remember, monkeypatch):
    from tests.bolt_server import BoltServer

    monkeypatch.setenv("CRM_VISIBILITY", "own")
    server = BoltServer(db=db, fake=fake)
    try:
        remember(REP_EN, "America/New_York", "en-US")
        customer_id, _ = _customer(db, "星河科技", REP)
        _pick(server, fake, user=REP_EN, customer_id=customer_id, home=False)
        assert fake.wait_for("response_url:pick")[0].params["text"] == (
            f"Only the owner <@{REP}>, their manager or an admin can see this customer.")  # not the customer's name
        _pick(server, fake, user=REP_EN, customer_id=999999, home=False)
        assert fake.wait_for("response_url:pick")[0].params["text"] == "That customer no longer exists; search again."
    finally:
        server.stop()
