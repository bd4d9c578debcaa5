"""Churn cases and win-back plans on SQLite and PostgreSQL: validation, the lifecycle status they set,
the win-back action they move, and the monthly review."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from store.db import transaction
from store.errors import DomainError, FieldErrors
from store.lifecycle import WIN_BACK, change_stage, stage_history
from store.models import ChurnCase, Customer, NextAction, WinbackPlan
from store.permissions import Viewer
from store.users import set_manager
from store.winback import PlanRequest, close_plan, mark_churned, monthly_review, plan_of, plan_winback

UTC = timezone.utc
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 1, 31, 8, 0, tzinfo=UTC)  # a month on is 2027-02-28 08:00 (February is short)
REP = Viewer(id="U1")
BOSS = Viewer(id="UB", role="manager", reports=frozenset({"U1"}))
STRANGER = Viewer(id="U9")


def _customer(db, name="星河科技", *, owner="U1", value_tier=None, stage="mature") -> int:
    with transaction(db) as s:
        row = Customer(code=f"C{name}", name=name, name_norm=name, stage=stage, status="stable", owner_id=owner,
                       created_by=owner, created_at=NOW - timedelta(days=400), updated_at=NOW - timedelta(days=400),
                       value_tier=value_tier)
        s.add(row)
        s.flush()
        return row.id


def _mark(db, customer_id, *, viewer=REP, now=NOW, **kw):
    kw = {"reason": "price", "recoverable": True, "lessons": "", **kw}
    with transaction(db) as s:
        done = mark_churned(session=s, viewer=viewer, customer_id=customer_id, now=now, **kw)
        return done.case.id, done.plan.id if done.plan else None


def _refused(fn) -> list[tuple[str, str | None, dict]]:
    with pytest.raises(DomainError) as e:
        fn()
    errors = e.value.errors if isinstance(e.value, FieldErrors) else [e.value]
    return [(x.key, x.field, x.params) for x in errors]


def _state(db, customer_id):
    with transaction(db) as s:
        c = s.get(Customer, customer_id)
        actions = s.exec(select(NextAction).where(NextAction.customer_id == customer_id, NextAction.origin == WIN_BACK)).all()
        cases = s.exec(select(ChurnCase).where(ChurnCase.customer_id == customer_id)).all()
        return (c.stage, c.status), [(a.status, a.owner_id, a.due_at) for a in actions], len(cases)


def test_a_customer_not_recoverable_is_lost_for_good_and_gets_no_plan(db):
    cid = _customer(db)
    plan = PlanRequest(actions={"price"}, deadline=NOW + timedelta(days=7))
    assert _refused(lambda: _mark(db, cid, recoverable=False, plan=plan)) == [("winback_err_not_recoverable", "plan", {})]
    assert _state(db, cid) == (("mature", "stable"), [], 0)  # nothing written
    assert _refused(lambda: _mark(db, cid, viewer=STRANGER, recoverable=False)) == [("err_forbidden", None, {"owner": "U1"})]

    case_id, plan_id = _mark(db, cid, reason="business_change", recoverable=False, lessons="  客户被收购，\u200b总部统一采购  ")
    assert plan_id is None
    # the lifecycle made its win-back action on entering churned; nobody will chase a customer lost for good
    assert _state(db, cid) == (("churned", "lost_for_good"), [("cancelled", "U1", datetime(2027, 3, 1, 1, 0, tzinfo=UTC))], 1)  # 31 Jan + 1 month = Sun 28 Feb: Mon 1 Mar 09:00 Shanghai
    with transaction(db) as s:
        case = s.get(ChurnCase, case_id)
        assert (case.reason, case.recoverable, case.lessons, case.by, case.at) == (
            "business_change", False, "客户被收购，总部统一采购", "U1", NOW)
        change = stage_history(session=s, customer_id=cid)[0]
        assert (change.from_stage, change.to_stage, change.to_status, change.reason) == (
            "mature", "churned", "lost_for_good", "business_change")
    assert _refused(lambda: _winback_later(db, case_id)) == [("winback_err_not_recoverable", "plan", {})]
    assert _refused(lambda: _mark(db, cid, recoverable=False)) == [("winback_err_recorded", "customer", {})]


def _winback_later(db, case_id, *, deadline=NOW + timedelta(days=10), actions=("service_upgrade",), owner_id=None):
    with transaction(db) as s:
        return plan_winback(session=s, viewer=REP, case_id=case_id, now=NOW,
                            plan=PlanRequest(actions=actions, deadline=deadline, owner_id=owner_id)).id


def test_a_recoverable_high_value_customer_needs_a_plan_due_within_a_month(db):
    cid = _customer(db, value_tier="high")
    with transaction(db) as s:
        set_manager(session=s, user_id="U1", manager_id="UB")
    assert _refused(lambda: _mark(db, cid)) == [("winback_err_plan_required", "plan", {})]
    late = PlanRequest(actions={"price"}, deadline=datetime(2027, 2, 28, 8, 1, tzinfo=UTC))
    assert _refused(lambda: _mark(db, cid, plan=late)) == [
        ("winback_err_deadline_month", "deadline", {"latest": "2027-02-28T08:00:00+00:00"})]
    everything_wrong = PlanRequest(actions=set(), deadline=NOW, note="x" * 501)
    assert _refused(lambda: _mark(db, cid, reason="weather", lessons="y" * 2001, plan=everything_wrong)) == [
        ("winback_err_reason", "reason", {"reason": "weather"}),
        ("err_too_long", "lessons", {"limit": 2000, "length": 2001}),
        ("winback_err_actions", "actions", {}),
        ("winback_err_deadline_past", "deadline", {}),
        ("err_too_long", "note", {"limit": 500, "length": 501})]
    assert _refused(lambda: _mark(db, cid, plan=PlanRequest(actions={"price", "discount"}, deadline=NOW + timedelta(days=1)))) == [
        ("winback_err_actions", "actions", {})]
    assert _state(db, cid) == (("mature", "stable"), [], 0)

    deadline = datetime(2027, 2, 28, 8, 0, tzinfo=UTC)  # exactly a month: allowed
    case_id, plan_id = _mark(db, cid, reason="service_quality", lessons="工单响应太慢",
                             plan=PlanRequest(actions=["specific_fix", "price", "price"], deadline=deadline, note="先修打印机"))
    # recoverable: churned, being won back (挽回中) until the plan closes; the win-back action is the plan's now
    assert _state(db, cid) == (("churned", "winning_back"), [("open", "UB", deadline)], 1)
    with transaction(db) as s:  # no failure recorded that did not happen
        assert [(c.from_status, c.to_status) for c in stage_history(session=s, customer_id=cid)] == [("stable", "winning_back")]
    with transaction(db) as s:
        plan = s.get(WinbackPlan, plan_id)
        assert (plan.churn_case_id, plan.owner_id, plan.actions, plan.note, plan.deadline, plan.outcome, plan.created_by) == (
            case_id, "UB", ["price", "specific_fix"], "先修打印机", deadline, None, "U1")
        assert plan_of(session=s, case_id=case_id).id == plan_id


def test_the_plan_owner_defaults_to_the_owner_without_a_manager_and_can_be_chosen(db):
    alone, chosen = _customer(db, "A", owner="U2", value_tier="high"), _customer(db, "B", value_tier="high")
    admin = Viewer(id="UA", role="admin")
    soon = PlanRequest(actions={"service_upgrade"}, deadline=NOW + timedelta(days=3))
    _, first = _mark(db, alone, viewer=admin, plan=soon)
    _, second = _mark(db, chosen, plan=PlanRequest(actions="price", deadline=NOW + timedelta(days=3), owner_id="UCS"))
    with transaction(db) as s:
        one, two = s.get(WinbackPlan, first), s.get(WinbackPlan, second)
        assert (one.owner_id, one.actions, two.owner_id, two.actions) == ("U2", ["service_upgrade"], "UCS", ["price"])


def test_closing_a_plan_sets_the_customers_status(db):
    cid = _customer(db, value_tier="high")
    deadline = NOW + timedelta(days=14)
    _, plan_id = _mark(db, cid, plan=PlanRequest(actions={"price"}, deadline=deadline, owner_id="UCS"))

    def close(viewer, outcome, at=NOW + timedelta(days=10)):
        with transaction(db) as s:
            plan = close_plan(session=s, viewer=viewer, plan_id=plan_id, outcome=outcome, now=at)
            return plan.outcome, plan.closed_at, plan.closed_by

    assert _refused(lambda: close(STRANGER, "won_back")) == [("err_forbidden", None, {"owner": "U1"})]
    assert _refused(lambda: close(REP, "maybe")) == [("winback_err_outcome", "outcome", {"outcome": "maybe"})]
    # the plan's owner may close it without the right to edit the customer
    assert close(Viewer(id="UCS"), "won_back") == ("won_back", NOW + timedelta(days=10), "UCS")
    # won back: the outcome, then back to the stage it left (mature), as needs attention
    assert _state(db, cid) == (("mature", "needs_attention"), [("done", "UCS", deadline)], 1)
    with transaction(db) as s:
        assert [(c.from_stage, c.from_status, c.to_stage, c.to_status, c.reason, c.by)
                for c in stage_history(session=s, customer_id=cid)] == [
            ("churned", "won_back", "mature", "needs_attention", "won_back", "UCS"),
            ("churned", "winning_back", "churned", "won_back", "winback", "UCS"),
            ("mature", "stable", "churned", "winning_back", "price", "U1")]
        review = s.exec(select(NextAction).where(NextAction.customer_id == cid, NextAction.status == "open")).one()
        assert (review.origin, review.due_at) == ("lifecycle:quarterly_review", datetime(2027, 5, 10, 1, 0, tzinfo=UTC))  # won back on 10 Feb + 3 months: Mon 10 May, 09:00 in Shanghai
    assert _refused(lambda: close(REP, "lost_for_good")) == [("winback_err_closed", "outcome", {"outcome": "won_back"})]


def test_a_failed_plan_is_the_only_failure_in_the_history_and_a_converted_customer_returns_as_it_was(db):
    failed, converted = _customer(db, "F", value_tier="high"), _customer(db, "G", value_tier="high", stage="converted")
    with transaction(db) as s:
        s.get(Customer, converted).status = "implementing"
    plan = PlanRequest(actions={"price"}, deadline=NOW + timedelta(days=14))
    _, failed_plan = _mark(db, failed, plan=plan)
    _, converted_plan = _mark(db, converted, plan=plan)
    with transaction(db) as s:
        close_plan(session=s, viewer=REP, plan_id=failed_plan, outcome="win_back_failed", now=NOW + timedelta(days=3))
        close_plan(session=s, viewer=REP, plan_id=converted_plan, outcome="won_back", now=NOW + timedelta(days=3))
    with transaction(db) as s:
        assert [(c.from_status, c.to_status) for c in stage_history(session=s, customer_id=failed)] == [
            ("winning_back", "win_back_failed"), ("stable", "winning_back")]
        assert [(c.from_stage, c.from_status, c.to_stage, c.to_status) for c in stage_history(session=s, customer_id=converted)][0] == (
            "churned", "won_back", "converted", "implementing")
    assert _state(db, failed)[0] == ("churned", "win_back_failed")
    assert _state(db, converted)[0] == ("converted", "implementing")


def test_a_plan_for_a_customer_already_moved_on_only_records_the_outcome(db):
    cid = _customer(db, value_tier="high")
    _, plan_id = _mark(db, cid, plan=PlanRequest(actions={"price"}, deadline=NOW + timedelta(days=14)))
    with transaction(db) as s:
        change_stage(session=s, viewer=REP, customer_id=cid, stage="mature", status="needs_attention", now=NOW + timedelta(days=5))
    with transaction(db) as s:
        close_plan(session=s, viewer=REP, plan_id=plan_id, outcome="won_back", now=NOW + timedelta(days=6))
    # leaving churned cancelled the win-back action; the customer stays where it went
    assert _state(db, cid) == (("mature", "needs_attention"), [("cancelled", "U1", NOW + timedelta(days=14))], 1)


def test_other_recoverable_customers_may_get_a_plan_later_and_one_only(db):
    cid = _customer(db, value_tier="medium")
    with transaction(db) as s:  # already churned by hand: the case keeps the status chosen then
        change_stage(session=s, viewer=REP, customer_id=cid, stage="churned", status="lost_for_good", now=NOW - timedelta(hours=1))
    case_id, plan_id = _mark(db, cid, reason="relationship", recoverable=True)
    assert plan_id is None
    assert _state(db, cid)[0] == ("churned", "winning_back")  # recoverable now: being won back
    assert _refused(lambda: _winback_later(db, case_id, deadline=NOW + timedelta(days=32))) == [
        ("winback_err_deadline_month", "deadline", {"latest": "2027-02-28T08:00:00+00:00"})]
    later = _winback_later(db, case_id)
    assert _state(db, cid) == (("churned", "winning_back"), [("open", "U1", NOW + timedelta(days=10))], 1)
    assert _refused(lambda: _winback_later(db, case_id)) == [("winback_err_has_plan", "plan", {})]
    with transaction(db) as s:
        assert plan_of(session=s, case_id=case_id).id == later
    # given a status, a customer already churned takes it
    other = _customer(db, "C")
    with transaction(db) as s:
        change_stage(session=s, viewer=REP, customer_id=other, stage="churned", status="win_back_failed", now=NOW)
    _mark(db, other, recoverable=False, status="lost_for_good")
    assert _state(db, other)[0] == ("churned", "lost_for_good")
    assert _refused(lambda: _mark(db, _customer(db, "D"), status="stable")) == [
        ("err_status", "status", {"stage": "churned", "status": "stable"})]


def test_the_monthly_review(db):
    start, end = datetime(2026, 11, 1, tzinfo=SH), datetime(2026, 12, 1, tzinfo=SH)  # November in Shanghai

    def at(month, day, hour=10):
        return datetime(2026, month, day, hour, tzinfo=SH)

    def churn(name, when, reason, recoverable, lessons="", owner="U1", plan_closed=None):
        cid = _customer(db, name, owner=owner)
        plan = PlanRequest(actions={"price"}, deadline=when + timedelta(days=20)) if plan_closed else None
        _, plan_id = _mark(db, cid, viewer=Viewer(id="UA", role="admin"), now=when, reason=reason, recoverable=recoverable,
                           lessons=lessons, plan=plan)
        if plan_closed:
            closed_at, outcome = plan_closed
            with transaction(db) as s:
                close_plan(session=s, viewer=Viewer(id="UA", role="admin"), plan_id=plan_id, outcome=outcome, now=closed_at)

    churn("c1", datetime(2026, 10, 31, 23, 59, tzinfo=SH), "price", True, "十月的")       # a minute before November
    churn("c2", start, "price", True, "报价太高")
    churn("c3", at(11, 5), "service_quality", True, plan_closed=(at(11, 20), "won_back"))
    churn("c4", at(11, 10), "service_quality", False, "响应慢")
    churn("c5", at(11, 12), "relationship", True, plan_closed=(at(11, 25), "win_back_failed"))
    churn("c6", at(11, 15), "price", True, plan_closed=(at(12, 2), "won_back"))             # closed in December
    churn("c7", at(10, 20), "other", True, plan_closed=(at(11, 3), "won_back"))             # churned in October
    churn("c8", at(11, 18), "business_change", False, "客户被收购", owner="U2")

    with transaction(db) as s:
        review = monthly_review(session=s, start=start, end=end)
        mine = monthly_review(session=s, start=start, end=end, owner_ids=["U1"])
    assert review.by_reason == {"service_quality": 2, "product_competitiveness": 0, "price": 2, "relationship": 1,
                                "business_change": 1, "other": 0}
    assert (review.churned, review.recoverable) == (6, 4)           # c2 c3 c4 c5 c6 c8; recoverable c2 c3 c5 c6
    # plans closed in November: c3 won back, c5 failed, c7 won back -> 2/3 = 66.67% -> 66.7
    assert (review.plans_closed, review.won_back, review.recovery_rate) == (3, 2, 66.7)
    assert [(x.customer_name, x.reason, x.at, x.recoverable, x.lessons) for x in review.lessons] == [
        ("c2", "price", start, True, "报价太高"),
        ("c4", "service_quality", at(11, 10), False, "响应慢"),
        ("c8", "business_change", at(11, 18), False, "客户被收购")]
    assert (mine.by_reason["business_change"], mine.churned, [x.customer_name for x in mine.lessons]) == (0, 5, ["c2", "c4"])
    with transaction(db) as s:
        empty = monthly_review(session=s, start=datetime(2026, 9, 1, tzinfo=SH), end=datetime(2026, 10, 1, tzinfo=SH))
        with pytest.raises(ValueError):
            monthly_review(session=s, start=end, end=start)
    assert (empty.churned, empty.plans_closed, empty.recovery_rate, empty.lessons) == (0, 0, None, [])
