"""Forged and corrupted Slack payloads, for every view and button the app registers (read from
listeners.register, so a new one is covered without editing this file): each answer is a 200, no
error reaches the app's last-resort handler, and not a row changes."""
from __future__ import annotations

import json

import pytest

from handlers import ids
from tests.bolt_server import sign
from tests.conftest import REP
from tests.flows import button, suggestion, view_submission
from tests.payload_probe import ErrorLog, input_ids, registered, rows
from tests.record_flows import SALES, customer

HUGE = 999999999999999999999
# private_metadata as a forger might send it: not JSON, JSON that is not an object, every key the
# views use with the wrong type, ids past 64 bits.
KEYS = ("customer", "customer_id", "case", "plan", "deal", "action", "outbox", "contact")
BAD_METADATA = {
    "not-json": "{not json",
    "list": json.dumps([1, 2, 3]),
    "string": json.dumps("customer"),
    "wrong-types": json.dumps({**{k: ["1"] for k in KEYS}, "channel": 42, "ts": [], "item": {}, "source_ts": 7,
                               "thread_ts": 8, "mode": 9}),
    "huge-ids": json.dumps({**{k: HUGE for k in KEYS}, "channel": SALES}),
    "id-strings": json.dumps({**{k: f"c:{HUGE}" for k in KEYS}, "channel": SALES}),
    "deep": "[" * 100000 + "]" * 100000,
}
# Every input the app knows, each answered with a value of the wrong type.
GARBAGE_VALUES = {
    "numbers": {"value": 42, "selected_option": {"value": 7}, "selected_user": 42, "selected_date": 20261231,
                "selected_date_time": 10**13, "selected_options": 5, "selected_users": "U0REP00001"},
    "lists": {"value": ["a"], "selected_option": ["c:1"], "selected_user": ["U0REP00001"], "selected_date": ["2026-12-31"],
              "selected_date_time": [1], "selected_options": [1, "x"], "selected_users": [42]},
    "objects": {"value": {"text": "x"}, "selected_option": {"value": f"c:{HUGE}"}, "selected_user": "42",
             "selected_date": "99999-01-01", "selected_date_time": 10**13, "selected_options": [{"value": f"c:{HUGE}"}]},
}
REGISTERED = registered()
# Actions clicked inside an open modal: they read its private_metadata.
_IN_MODALS = {ids.CONTACT_PICK, ids.DEAL_MOVE_STAGE, ids.DEAL_MOVE_OPEN, ids.CHURN_RECOVERABLE}


def _values(kind: str) -> dict:
    return {block: {action: {"type": "plain_text_input", **GARBAGE_VALUES[kind]}} for block, action in input_ids()}


def _submission(callback_id: str, *, metadata: str, values: dict | None) -> dict:
    body = view_submission(user=REP, callback_id=callback_id, values=values or {})
    body["view"]["private_metadata"] = metadata
    if values is None:
        del body["view"]["state"]
    return body


def test_the_registry_lists_every_view_the_issue_names():
    named = {"crm_customer_edit", "crm_reschedule", "crm_risk_not_at_risk", "crm_ticket", "crm_stage", "crm_deal",
             "crm_deal_move", "crm_need", "crm_grade", "crm_contact", "crm_churn", "crm_retention_plan", "crm_log",
             "crm_nps", "crm_customer_new"}
    assert named <= set(REGISTERED["view"])
    assert {ids.CARD_LOG, ids.DUE_DONE, ids.TICKET_TAKE, ids.RISK_NOT_AT_RISK} <= set(REGISTERED["action"])


@pytest.mark.parametrize("callback_id", REGISTERED["view"])
def test_a_forged_view_submission_gets_200_and_changes_nothing(bolt, fake, db, remember, callback_id):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP)
    fair = json.dumps({k: galaxy.id for k in KEYS} | {"channel": SALES})
    cases = [(name, meta, None) for name, meta in BAD_METADATA.items()]          # bad metadata, no state at all
    cases += [(name, meta, {}) for name, meta in BAD_METADATA.items()]           # bad metadata, an empty form
    cases += [(f"{kind} values", fair, _values(kind)) for kind in GARBAGE_VALUES]  # fair metadata, values of the wrong type
    cases += [("no state", fair, None)]
    before = rows(db)
    with ErrorLog() as errors:
        answers = {name + ("" if values is None else " +state"): bolt.interact(_submission(callback_id, metadata=meta, values=values))[0]
                   for name, meta, values in cases}
        bolt.executor.shutdown(wait=True)  # what the listeners do after their ack, done
    assert answers == {name: 200 for name in answers}
    assert errors.lines == []
    assert rows(db) == before


def _click(fake, action_id: str, value: str) -> dict:
    body = button(user=REP, action_id=action_id, value=value, channel=SALES, ts="1700000000.000100")
    body["response_url"] = fake.response_url("click")
    return body


@pytest.mark.parametrize("action_id", REGISTERED["action"])
def test_a_button_with_a_garbage_value_gets_200_and_changes_nothing(bolt, fake, db, remember, action_id):
    remember(REP, "Asia/Shanghai", "zh-CN")
    customer(db, "星河科技", owner=REP)
    before = rows(db)
    garbage = ["⑤", "٣", "-1", "0", str(HUGE), f"c:{HUGE}", "1:2:3:4:5", "ticket:⑤:x:y", "{}", "", " " * 3, "<!channel>",
               "9" * 400]
    with ErrorLog() as errors:
        answers = {value: bolt.interact(_click(fake, action_id, value))[0] for value in garbage}
        picked = _click(fake, action_id, "x")
        picked["actions"][0].update(type="static_select", selected_option={"value": f"{HUGE}"})
        answers["select"] = bolt.interact(picked)[0]
        bolt.executor.shutdown(wait=True)
    assert answers == {value: 200 for value in answers}
    assert errors.lines == []
    assert rows(db) == before


@pytest.mark.parametrize("action_id", [a for a in REGISTERED["action"] if a in _IN_MODALS])
def test_a_click_inside_a_modal_with_forged_metadata_gets_200_and_changes_nothing(bolt, fake, db, remember, action_id):
    remember(REP, "Asia/Shanghai", "zh-CN")
    customer(db, "星河科技", owner=REP)
    before = rows(db)
    with ErrorLog() as errors:
        answers = {}
        for name, meta in BAD_METADATA.items():
            body = _click(fake, action_id, "new")
            body["actions"][0].update(type="static_select", selected_option={"value": "new"})
            body["view"] = {"id": "V0FORGED01", "type": "modal", "hash": "1.x", "private_metadata": meta, "state": {"values": {}}}
            answers[name] = bolt.interact(body)[0]
        bolt.executor.shutdown(wait=True)
    assert answers == {name: 200 for name in answers}
    assert (errors.lines, rows(db)) == ([], before)


@pytest.mark.parametrize("action_id", REGISTERED["options"])
def test_a_suggestion_request_with_any_text_is_answered(bolt, fake, db, remember, action_id):
    remember(REP, "Asia/Shanghai", "zh-CN")
    customer(db, "星河科技", owner=REP)
    with ErrorLog() as errors:
        for value in ["⑤", f"c:{HUGE}", "<!channel>", "%", "_", "\\", "'", "\x00", "9" * 3000, ""]:
            body = suggestion(user=REP, value=value)
            body["action_id"] = action_id
            status, answer, _ = bolt.interact(body)
            assert status == 200 and isinstance(json.loads(answer)["options"], list), (value, answer)
    assert errors.lines == []


# Envelopes Bolt itself cannot read (it raised while building or routing the request: a 500).
ENVELOPES = {
    "not JSON": ("{not json", "body is not JSON we accept"),
    "deep": ("[" * 50000 + "]" * 50000, "body is not JSON we accept"),
    "a list": ("[1]", "payload is not a JSON object"),
    "null": ("null", "payload is not a JSON object"),
    "user as text": (json.dumps({"type": "block_actions", "user": "U0REP00001", "actions": []}), "payload field user is not what Slack sends"),
    "no actions": (json.dumps({"type": "block_actions", "user": {"id": REP}, "actions": []}), "payload field actions (empty) is not what Slack sends"),
    "action as text": (json.dumps({"type": "block_actions", "user": {"id": REP}, "actions": ["x"]}), "payload field actions[] is not what Slack sends"),
    "view as text": (json.dumps({"type": "view_submission", "user": {"id": REP}, "view": "x"}), "payload field view is not what Slack sends"),
    "view without type": (json.dumps({"type": "view_submission", "user": {"id": REP}, "view": {"callback_id": "crm_log"}}),
                          "payload field view.type is not what Slack sends"),
    "callback id as list": (json.dumps({"type": "view_submission", "user": {"id": REP}, "view": {"type": "modal", "callback_id": ["crm_log"]}}),
                            "payload field view.callback_id is not what Slack sends"),
    "message as text": (json.dumps({"type": "message_action", "callback_id": ids.TICKET_SHORTCUT, "user": {"id": REP}, "message": "x"}),
                        "payload field message is not what Slack sends"),
}


def test_an_envelope_bolt_cannot_read_is_a_400_that_says_why(bolt, fake, db):
    customer(db, "星河科技", owner=REP)
    before = rows(db)
    with ErrorLog() as errors:
        answers = {name: bolt.signed({"payload": body})[:2] for name, (body, _) in ENVELOPES.items()}
        answers["not UTF-8"] = bolt.post(b"payload=\xff\xfe", sign(b"payload=\xff\xfe"))[:2]  # signed: else a 401 first
    expected = {name: (400, f"Bad Request: {why}".encode()) for name, (_, why) in ENVELOPES.items()}
    assert answers == {**expected, "not UTF-8": (400, b"Bad Request: body is not UTF-8")}
    assert (errors.lines, rows(db)) == ([], before)
    assert fake.calls_to("chat.postMessage") == []
