"""private_metadata is built from ids and refused, never cut, past Slack's 3000 characters; a broken
one read back is a clear error to the user (nothing saved, open it again), never an empty {} that
lets a modal close as if it had saved. Through the real Bolt app and the fake Slack, zh-CN and en."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from handlers import ids
from handlers.blocks import modal
from handlers.payload import METADATA_MAX, dump_metadata
from tests.conftest import REP, REP_EN
from tests.flows import button
from tests.payload_probe import ErrorLog, rows
from tests.record_flows import SALES, customer, submit

ROOT = Path(__file__).resolve().parent.parent
SAID = {"zh-CN": "这个表单或按钮带的数据无法读取，什么都没有保存。请关闭后重新打开（例如重新输入 `/crm` 命令）。",
        "en-US": "The data this form or button carries could not be read, so nothing was saved. Close it and open it again "
                 "(e.g. type the `/crm` command again)."}
USERS = [(REP, "Asia/Shanghai", "zh-CN"), (REP_EN, "America/New_York", "en-US")]


def test_metadata_past_the_limit_is_refused_where_it_is_built_never_cut():
    fits = {"customer": 1, "channel": "x" * (METADATA_MAX - len(json.dumps({"customer": 1, "channel": ""})))}
    assert json.loads(modal(callback_id="v", title="t", submit="s", close="c", blocks=[], metadata=fits)["private_metadata"]) == fits
    with pytest.raises(ValueError, match="private_metadata of 3001 characters, over 3000"):
        dump_metadata({**fits, "channel": fits["channel"] + "x"})


def test_no_handler_cuts_json_to_fit():
    """The old `json.dumps(...)[:3000]` (and any slice of a dump) is gone from the code that builds views."""
    cut = re.compile(r"json\.dumps\([^\n]*\)\s*\[\s*:")
    found = [f"{p.relative_to(ROOT)}:{n}" for folder in ("handlers", "bot") for p in (ROOT / folder).rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if cut.search(line) or "[:3000]" in line]
    assert found == []


@pytest.mark.parametrize("user, tz, locale", USERS)
def test_a_submitted_modal_with_broken_metadata_says_nothing_was_saved(bolt, fake, db, remember, user, tz, locale):
    remember(user, tz, locale)
    galaxy = customer(db, "星河科技", owner=user, stage="converted", status="signed")
    bolt.command(f"churn {galaxy.code}", user=user)
    view = fake.wait_for("views.open")[0].response["view"]
    values = {ids.CHURN_REASON_BLOCK: {ids.CHURN_REASON: {"type": "radio_buttons", "selected_option": {"value": "price"}}},
              ids.CHURN_RECOVERABLE_BLOCK: {ids.CHURN_RECOVERABLE: {"type": "radio_buttons", "selected_option": {"value": ids.CHURN_NO}}},
              ids.CHURN_LESSONS_BLOCK: {ids.CHURN_LESSONS: {"type": "plain_text_input", "value": None}}}
    before = rows(db)
    with ErrorLog() as errors:
        for broken in (view["private_metadata"][:10], "[1, 2]", json.dumps({"customer": "星河科技"})):
            status, body, _ = submit(bolt, user=user, view={**view, "private_metadata": broken}, values=values)
            assert (status, json.loads(body)) == (200, {"response_action": "errors", "errors": {ids.CHURN_REASON_BLOCK: SAID[locale]}})
    assert (errors.lines, rows(db)) == ([], before)
    # the same view with its metadata whole is saved
    assert submit(bolt, user=user, view=view, values=values)[:2] == (200, b"")


@pytest.mark.parametrize("user, tz, locale", USERS)
def test_a_click_inside_a_modal_with_broken_metadata_is_answered_not_ignored(bolt, fake, db, remember, user, tz, locale):
    remember(user, tz, locale)
    customer(db, "星河科技", owner=user, stage="converted", status="signed")
    body = button(user=user, action_id=ids.CHURN_RECOVERABLE, value=ids.CHURN_YES, channel=SALES, ts="1700000000.000100")
    body["actions"][0].update(type="radio_buttons", selected_option={"value": ids.CHURN_YES}, block_id=ids.CHURN_RECOVERABLE_BLOCK)
    body["view"] = {"id": "V0BROKEN01", "type": "modal", "hash": "1.x", "private_metadata": '{"customer": 1', "state": {"values": {}}}
    body["response_url"] = fake.response_url("click")
    assert bolt.interact(body)[0] == 200
    assert fake.wait_for("response_url:click")[0].params["text"] == SAID[locale]
    assert fake.calls_to("views.update") == []


@pytest.mark.parametrize("user, tz, locale", USERS)
def test_a_risk_ping_whose_place_is_not_ids_opens_no_plan(bolt, fake, db, remember, user, tz, locale):
    """The retention plan keeps where the ping is (outbox id, channel, ts) in its metadata: ids only,
    checked where it is built; a ts that is not one is refused, not cut nor dropped."""
    remember(user, tz, locale)
    galaxy = customer(db, "Galaxy Tech", owner=user, stage="converted", status="signed")
    body = button(user=user, action_id=ids.RISK_WINBACK, value=f"{galaxy.id}:7", channel="D0REPEN002", ts="9" * 3000)
    body["response_url"] = fake.response_url("click")
    assert bolt.interact(body)[0] == 200
    assert fake.wait_for("response_url:click")[0].params["text"] == SAID[locale]
    assert fake.calls_to("views.open") == []
