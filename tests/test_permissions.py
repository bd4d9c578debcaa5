"""Every listener the app registers, replayed by a rep of another team (CRM_VISIBILITY=team, the
default) against another rep's customer, next action, ticket, deal, NPS loop and churn case: each
is refused in the caller's language with who may do it, before anything is read or written.

The table is keyed by what `listeners.register` actually registers: a new action_id, callback_id,
options or shortcut id fails `test_the_table_classifies_every_registered_id` until it is put in
the table, either with a replay and its refusal or as not about a record, with the reason."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot import listeners
from handlers import ids
from handlers.i18n import EN, ZH
from tests.bolt_server import payload
from tests.flows import button, suggestion, view_submission
from tests.permission_world import (ACTION, EDIT, HAND_ON, LOG, NAME, NOW, READ, REP, RISK, SALES, STRANGERS, TICKET, World,
                                    refused, snapshot, teams, told, world)
from tests.record_flows import chosen, in_view, typed


class Registry:
    """Stands in for the Bolt app: records what each listener module registers."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def __getattr__(self, kind: str):
        def register(listener_id):
            self.ids[listener_id] = kind
            return lambda function: function
        return register


def registered() -> dict[str, str]:
    registry = Registry()
    listeners.register(registry)
    return registry.ids


@dataclass
class Ask:
    bolt: object
    fake: object
    w: World
    user: str


def _trigger() -> str:
    return f"trigger.{time.time_ns()}"


def click(action_id: str, value: Callable[[World], object]):
    def send(a: Ask):
        body = button(user=a.user, action_id=action_id, value=str(value(a.w)), channel=SALES, ts="1700000000.000100")
        body.update(response_url=a.fake.response_url("act"), trigger_id=_trigger())
        return a.bolt.interact(body)
    return send


def home_click(action_id: str):
    def send(a: Ask):
        body = payload("block_actions_home")
        body["user"]["id"] = a.user
        body["trigger_id"] = _trigger()
        body["actions"][0].update(action_id=action_id, value=str(a.w.action), block_id=f"{ids.HOME_ACTION_BLOCK}.{a.w.action}")
        return a.bolt.interact(body)
    return send


def home_menu(choice: str):
    """A choice in the overflow menu of an action on the Home tab."""
    def send(a: Ask):
        body = payload("block_actions_home")
        body["user"]["id"] = a.user
        body["trigger_id"] = _trigger()
        body["actions"] = [{"action_id": ids.HOME_ACTION_MENU, "block_id": f"{ids.HOME_ACTION_BLOCK}.{a.w.action}",
                            "type": "overflow", "action_ts": "1700000100.000200",
                            "selected_option": {"text": {"type": "plain_text", "text": choice}, "value": f"{choice}:{a.w.action}"}}]
        return a.bolt.interact(body)
    return send


def inside(callback_id: str, action_id: str, meta: Callable[[World], dict], *, value=None, selected=None):
    """A click or a pick inside a modal whose metadata points at the other rep's record."""
    def send(a: Ask):
        view = {**payload("view_submission")["view"], "callback_id": callback_id, "private_metadata": json.dumps(meta(a.w))}
        return in_view(a.bolt, user=a.user, view=view, action_id=action_id, block_id="b",
                       value=None if value is None else str(value(a.w)), selected=selected)
    return send


def submit(callback_id: str, meta: Callable[[World], dict], values: Callable[[World], dict]):
    def send(a: Ask):
        body = view_submission(user=a.user, callback_id=callback_id, values=values(a.w), private_metadata=meta(a.w))
        return a.bolt.interact(body)
    return send


def field(block: str, action: str, value: dict) -> dict:
    return {block: {action: value}}


def picked_customer(block: str, action: str, **more: dict) -> Callable[[World], dict]:
    return lambda w: {**field(block, action, chosen(f"{ids.CUSTOMER_EXISTING}{w.customer}", "external_select")), **more}


def suggest(action_id: str, block_id: str):
    def send(a: Ask):
        body = suggestion(user=a.user, value="星河")
        body.update(action_id=action_id, block_id=block_id)
        return a.bolt.interact(body)
    return send


def shortcut(a: Ask):
    body = payload("message_action")
    body["user"]["id"] = a.user
    body.update(trigger_id=_trigger(), response_url=a.fake.response_url("act"))
    return a.bolt.interact(body)


CUSTOMER = lambda w: w.customer  # noqa: E731
ACTION_ID = lambda w: w.action  # noqa: E731
TICKET_ID = lambda w: w.ticket  # noqa: E731
ON_CUSTOMER = lambda w: {"customer": w.customer, "channel": SALES}  # noqa: E731
RISK_VALUE = lambda w: f"{w.customer}:1"  # noqa: E731
DUE_META = lambda w: {"action": w.action, "channel": SALES, "ts": "1700000000.000100"}  # noqa: E731

# id -> the replays of it and what each is told.
REFUSED: dict[str, list[tuple[Callable[[Ask], tuple], dict[str, str]]]] = {
    ids.CARD_LOG: [(click(ids.CARD_LOG, CUSTOMER), EDIT)],
    ids.CARD_EDIT: [(click(ids.CARD_EDIT, CUSTOMER), EDIT)],
    ids.CARD_HISTORY: [(click(ids.CARD_HISTORY, CUSTOMER), READ)],
    ids.CARD_STAGE: [(click(ids.CARD_STAGE, CUSTOMER), EDIT)],
    ids.CARD_GRADE: [(click(ids.CARD_GRADE, CUSTOMER), EDIT)],
    ids.CARD_NEED: [(click(ids.CARD_NEED, CUSTOMER), EDIT)],
    ids.CARD_DEAL: [(click(ids.CARD_DEAL, CUSTOMER), READ)],
    ids.CARD_CONTACT: [(click(ids.CARD_CONTACT, CUSTOMER), READ)],
    ids.CARD_CHURN: [(click(ids.CARD_CHURN, CUSTOMER), EDIT)],
    ids.CARD_WINBACK: [(click(ids.CARD_WINBACK, lambda w: w.churned), READ)],
    ids.CARD_PICKER: [(lambda a: a.bolt.interact(_picker(a)), READ)],
    ids.CHURN_RECOVERABLE: [(inside(ids.CHURN_VIEW, ids.CHURN_RECOVERABLE, ON_CUSTOMER, selected=ids.CHURN_YES), EDIT)],
    ids.CONTACT_PICK: [(inside(ids.CONTACT_VIEW, ids.CONTACT_PICK, ON_CUSTOMER, selected=ids.CONTACT_NEW), READ)],
    ids.DEAL_MOVE_OPEN: [(inside(ids.DEAL_VIEW, ids.DEAL_MOVE_OPEN, ON_CUSTOMER, value=lambda w: w.deal), EDIT)],
    ids.DEAL_MOVE_STAGE: [(inside(ids.DEAL_MOVE_VIEW, ids.DEAL_MOVE_STAGE, lambda w: {"deal": w.deal, "channel": SALES},
                                  selected="won"), EDIT)],
    ids.DUE_DONE: [(click(ids.DUE_DONE, ACTION_ID), ACTION), (home_click(ids.DUE_DONE), ACTION)],
    ids.DUE_SNOOZE: [(click(ids.DUE_SNOOZE, ACTION_ID), ACTION), (home_click(ids.DUE_SNOOZE), ACTION)],
    ids.DUE_TOMORROW: [(click(ids.DUE_TOMORROW, ACTION_ID), ACTION)],
    ids.DUE_RESCHEDULE: [(click(ids.DUE_RESCHEDULE, ACTION_ID), ACTION)],
    ids.HOME_ACTION_MENU: [(home_menu(choice), ACTION) for choice in ids.HOME_MENU_VERBS],
    ids.NPS_LOOP_DONE: [(click(ids.NPS_LOOP_DONE, lambda w: f"{w.response}:{w.loop}"), ACTION)],
    **{action_id: [(click(action_id, TICKET_ID), TICKET)] for action_id in (
        ids.TICKET_TAKE, ids.TICKET_REPLIED, ids.TICKET_PENDING, ids.TICKET_RESUME, ids.TICKET_SOLVED, ids.TICKET_CLOSE)},
    **{action_id: [(click(action_id, RISK_VALUE), RISK)] for action_id in (
        ids.RISK_WINBACK, ids.RISK_LOG, ids.RISK_SNOOZE, ids.RISK_NOT_AT_RISK)},
    ids.LOG_VIEW: [(submit(ids.LOG_VIEW, lambda w: {"channel": SALES}, lambda w: _log_values(w)), LOG)],
    ids.NPS_VIEW: [(submit(ids.NPS_VIEW, lambda w: {"channel": SALES}, picked_customer(
        ids.NPS_CUSTOMER_BLOCK, ids.NPS_CUSTOMER, **field(ids.NPS_SCORE_BLOCK, ids.NPS_SCORE, chosen("0")))), EDIT)],
    ids.TICKET_VIEW: [(submit(ids.TICKET_VIEW, lambda w: {"channel": SALES}, picked_customer(
        ids.TICKET_CUSTOMER_BLOCK, ids.TICKET_CUSTOMER, **field(ids.TICKET_PRIORITY_BLOCK, ids.TICKET_PRIORITY, chosen("P2")),
        **field(ids.TICKET_TYPE_BLOCK, ids.TICKET_TYPE, chosen("complaint")),
        **field(ids.TICKET_DESCRIPTION_BLOCK, ids.TICKET_DESCRIPTION, typed("坏了")))), READ)],
    ids.CUSTOMER_NEW_VIEW: [(submit(ids.CUSTOMER_NEW_VIEW, lambda w: {"channel": SALES}, lambda w: {
        **field(ids.CUST_NAME_BLOCK, ids.CUST_NAME, typed("新客户")), **field(ids.CUST_SOURCE_BLOCK, ids.CUST_SOURCE, chosen("exhibition")),
        **field(ids.CUST_OWNER_BLOCK, ids.CUST_OWNER, {"type": "users_select", "selected_user": REP})}), HAND_ON)],
    ids.CUSTOMER_EDIT_VIEW: [(submit(ids.CUSTOMER_EDIT_VIEW, lambda w: {"customer_id": w.customer, "channel": SALES}, lambda w: {
        **field(ids.CUST_NAME_BLOCK, ids.CUST_NAME, typed("改名")), **field(ids.CUST_SOURCE_BLOCK, ids.CUST_SOURCE, chosen("exhibition"))}),
        EDIT)],
    ids.STAGE_VIEW: [(submit(ids.STAGE_VIEW, ON_CUSTOMER, lambda w: {
        **field(ids.STAGE_STAGE_BLOCK, ids.STAGE_STAGE, chosen("nurturing")),
        **field(ids.STAGE_STATUS_BLOCK, ids.STAGE_STATUS, chosen("to_nurture"))}), EDIT),
        (submit(ids.STAGE_VIEW, ON_CUSTOMER, lambda w: field(ids.STAGE_STAGE_BLOCK, ids.STAGE_STAGE, chosen("churned"))), EDIT)],
    ids.GRADE_VIEW: [(submit(ids.GRADE_VIEW, ON_CUSTOMER, lambda w: {
        **field(ids.GRADE_MODE_BLOCK, ids.GRADE_MODE, chosen(ids.GRADE_BY_HAND, "radio_buttons")),
        **field(ids.GRADE_GRADE_BLOCK, ids.GRADE_GRADE, chosen("A"))}), EDIT)],
    ids.NEED_VIEW: [(submit(ids.NEED_VIEW, ON_CUSTOMER, lambda w: field(ids.NEED_DESCRIPTION_BLOCK, ids.NEED_DESCRIPTION, typed("要"))),
                     EDIT)],
    ids.DEAL_VIEW: [(submit(ids.DEAL_VIEW, ON_CUSTOMER, lambda w: {
        **field(ids.DEAL_TITLE_BLOCK, ids.DEAL_TITLE, typed("二期")), **field(ids.DEAL_AMOUNT_BLOCK, ids.DEAL_AMOUNT, typed("10"))}),
        EDIT)],
    ids.DEAL_MOVE_VIEW: [(submit(ids.DEAL_MOVE_VIEW, lambda w: {"deal": w.deal, "channel": SALES},
                                 lambda w: field(ids.DEAL_MOVE_STAGE_BLOCK, ids.DEAL_MOVE_STAGE, chosen("proposal"))), EDIT)],
    ids.CONTACT_VIEW: [(submit(ids.CONTACT_VIEW, ON_CUSTOMER, lambda w: field(ids.CONTACT_NAME_BLOCK, ids.CONTACT_NAME, typed("李"))), EDIT),
                       (submit(ids.CONTACT_VIEW, ON_CUSTOMER, lambda w: {
                           **field(ids.CONTACT_PICK_BLOCK, ids.CONTACT_PICK, chosen(str(w.contact))),
                           **field(ids.CONTACT_NAME_BLOCK, ids.CONTACT_NAME, typed("李"))}), EDIT)],
    ids.CHURN_VIEW: [(submit(ids.CHURN_VIEW, ON_CUSTOMER, lambda w: {
        **field(ids.CHURN_REASON_BLOCK, ids.CHURN_REASON, chosen("price")),
        **field(ids.CHURN_RECOVERABLE_BLOCK, ids.CHURN_RECOVERABLE, chosen(ids.CHURN_NO, "radio_buttons"))}), EDIT)],
    ids.WINBACK_PLAN_VIEW: [(submit(ids.WINBACK_PLAN_VIEW, lambda w: {"customer": w.churned, "case": w.case, "channel": SALES},
                                    lambda w: {}), EDIT)],
    ids.WINBACK_CLOSE_VIEW: [(submit(ids.WINBACK_CLOSE_VIEW, lambda w: {"plan": w.plan, "channel": SALES},
                                     lambda w: field(ids.WINBACK_OUTCOME_BLOCK, ids.WINBACK_OUTCOME, chosen("won_back"))), EDIT)],
    ids.RETENTION_VIEW: [(submit(ids.RETENTION_VIEW, lambda w: {"customer": w.customer, "source": {}}, lambda w: {}), EDIT)],
    ids.RISK_REASON_VIEW: [(submit(ids.RISK_REASON_VIEW, lambda w: {"customer": w.customer, "outbox": 1, "channel": SALES},
                                   lambda w: field(ids.RISK_REASON_BLOCK, ids.RISK_REASON, typed("没事"))), RISK)],
    ids.RESCHEDULE_VIEW: [(submit(ids.RESCHEDULE_VIEW, DUE_META, lambda w: field(ids.RESCHEDULE_BLOCK, ids.RESCHEDULE_WHEN,
                                                                                 typed("2031-01-05 10:00"))), ACTION)],
}

# Not about anyone's record: how it was checked, and why it needs no permission.
NOT_A_RECORD: dict[str, tuple[Callable[[Ask], tuple], str]] = {
    ids.HOME_LOG: (click(ids.HOME_LOG, lambda w: ""), "opens a blank log form"),
    ids.HOME_NEW_CUSTOMER: (click(ids.HOME_NEW_CUSTOMER, lambda w: ""), "opens a blank new-customer form; its owner is checked on save"),
    ids.HOME_NEW_TICKET: (click(ids.HOME_NEW_TICKET, lambda w: ""), "opens a blank ticket form"),
    ids.TICKET_SHORTCUT: (shortcut, "opens a ticket form holding only the message's own text"),
    ids.LOG_CUSTOMER: (suggest(ids.LOG_CUSTOMER, ids.LOG_CUSTOMER_BLOCK), "lists only customers the caller may read"),
    ids.NPS_CUSTOMER: (suggest(ids.NPS_CUSTOMER, ids.NPS_CUSTOMER_BLOCK), "lists only customers the caller may read"),
    ids.TICKET_CUSTOMER: (suggest(ids.TICKET_CUSTOMER, ids.TICKET_CUSTOMER_BLOCK), "lists only customers the caller may read"),
}
# Registered but not ids of a record's listener, with where they are covered.
ELSEWHERE = {
    "app_home_opened": "the Home tab draws only the caller's own (tests/test_home.py)",
    ids.HOME_PREV: "redraws the caller's own Home tab at another page (tests/test_home.py)",
    ids.HOME_NEXT: "redraws the caller's own Home tab at another page (tests/test_home.py)",
    ids.COMMAND: "each /crm subcommand is replayed in tests/test_permission_commands.py",
    ids.RESCHEDULE_WHEN: "redraws the reschedule modal only for the action's owner (tests/test_due_readings.py)",
    ids.LOG_DUE_OTHER: "redraws the caller's own log modal from its own metadata; reads no record",
    ids.DEAL_PAYMENTS: "the deal list's Payments: the same read check as /crm pay (replayed in tests/test_permission_commands.py)",
    ids.PAY_SCHEDULE_OPEN: "a stranger's click is refused and no modal opens (tests/test_payments.py someone_elses_customer)",
    ids.PAY_RECEIVE_OPEN: "an instalment is found only through a deal the caller may read (tests/test_payments.py)",
    ids.PAY_SCHEDULE_VIEW: "store.payments.set_schedule checks the viewer may edit the deal's customer on save (tests/test_payments.py)",
    ids.PAY_RECEIVE_VIEW: "store.payments records a receipt only for a viewer who may edit the customer (tests/test_payments.py)",
    ids.CARD_TAG_REMOVE: "a reader who may not edit is refused and nothing changes (tests/test_behaviour_tags.py)",
    ids.REVIEW_SUMMARY_OPEN: "the caller's own monthly summary; reads no one else's record (tests/test_reviews.py)",
    ids.REVIEW_SUMMARY_VIEW: "saves the caller's own summary for a month that has begun (tests/test_reviews.py)",
    ids.ADMIN_FAILURE_RESEND: "admins only: a rep's click answers 'Only admins can do that.' (tests/test_admin_plain.py)",
    ids.ADMIN_FAILURE_REASSIGN: "admins only: a rep's click answers 'Only admins can do that.' (tests/test_admin_plain.py)",
}


def _picker(a: Ask) -> dict:
    body = button(user=a.user, action_id=ids.CARD_PICKER, value="", channel=SALES, ts="1700000000.000100")
    body["actions"][0] = {"type": "static_select", "action_id": ids.CARD_PICKER, "block_id": ids.CARD_PICKER_BLOCK,
                          "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": str(a.w.customer)}}
    body["response_url"] = a.fake.response_url("act")
    return body


def _log_values(w: World) -> dict:
    values = picked_customer(ids.LOG_CUSTOMER_BLOCK, ids.LOG_CUSTOMER)(w)
    values |= field(ids.LOG_WAY_BLOCK, ids.LOG_WAY, chosen("visit"))
    values |= field(ids.LOG_DATE_BLOCK, ids.LOG_DATE, {"type": "datepicker", "selected_date": "2026-11-16"})
    values |= field(ids.LOG_SUMMARY_BLOCK, ids.LOG_SUMMARY, typed("看看"))
    values |= field(ids.LOG_ACTION_BLOCK, ids.LOG_ACTION, typed("再看"))
    values |= field(ids.LOG_DUE_BLOCK, ids.LOG_DUE, {"type": "datetimepicker", "selected_date_time": 1893456000})
    return values | field(ids.LOG_OWNER_BLOCK, ids.LOG_OWNER, {"type": "users_select", "selected_user": REP})


def test_the_table_classifies_every_registered_id():
    app_ids = registered()
    declared = {v for k, v in vars(ids).items() if k.isupper() and isinstance(v, str)}
    classified = set(REFUSED) | set(NOT_A_RECORD) | set(ELSEWHERE)
    assert sorted(set(app_ids) - classified) == [], "registered but not in the permission table"
    assert sorted(classified - set(app_ids)) == [], "in the permission table but no longer registered"
    assert sorted(set(app_ids) - declared - {"app_home_opened"}) == [], "registered ids not declared in handlers/ids.py"
    assert not set(REFUSED) & set(NOT_A_RECORD)


@pytest.mark.parametrize("lang", [ZH, EN])
def test_a_rep_of_another_team_is_refused_everywhere_and_nothing_changes(bolt, fake, db, remember, lang):
    teams(db, fake, remember)
    bolt.now = NOW + timedelta(days=1)  # the day after the world was made: its dates are in the past
    w, user = world(db), STRANGERS[lang]
    ask = Ask(bolt, fake, w, user)
    problems = [problem for listener_id, replays in REFUSED.items() for n, (send, expect) in enumerate(replays)
                for problem in refused(db, fake, f"{listener_id}#{n}", lambda: send(ask), expect[lang], user)]
    assert problems == []


@pytest.mark.parametrize("lang", [ZH, EN])
def test_what_is_not_about_a_record_shows_nothing_of_anyones(bolt, fake, db, remember, lang):
    teams(db, fake, remember)
    w, user = world(db), STRANGERS[lang]
    ask = Ask(bolt, fake, w, user)
    for listener_id, (send, _reason) in NOT_A_RECORD.items():
        before = snapshot(db)
        fake.reset()
        status, answer, _ = send(ask)
        if listener_id in (ids.LOG_CUSTOMER, ids.NPS_CUSTOMER, ids.TICKET_CUSTOMER):
            values = [o["value"] for o in json.loads(answer)["options"]]
            assert not [v for v in values if v.startswith(ids.CUSTOMER_EXISTING)], listener_id
        else:
            view = fake.wait_for("views.open")[0].params["view"]
            assert view["callback_id"] in (ids.LOG_VIEW, ids.CUSTOMER_NEW_VIEW, ids.TICKET_VIEW), listener_id
        assert status == 200 and NAME not in json.dumps([c.params for c in fake.calls], ensure_ascii=False) + answer.decode()
        assert snapshot(db) == before and told(fake, answer, user) == [], listener_id
