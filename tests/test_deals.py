"""Deals and needs on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from store.audit import history
from store.customers import create_customer
from store.db import transaction
from store.deals import WonTerms, create_deal, deals_of, move_deal, update_deal
from store.errors import DomainError, FieldErrors
from store.interactions import log_interaction
from store.lifecycle import TimeLimits, change_stage, stage_history
from store.models import Customer, Deal, NextAction
from store.needs import add_need, needs_of, update_need
from store.permissions import Viewer

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
REP = Viewer(id="U1")
TERMS = WonTerms(contract_no=" HT-2026-001 ", signed_on=date(2026, 11, 20), payment_terms="30% 预付，70% 验收后",
                 service_start=date(2026, 12, 1), service_end=date(2027, 11, 30), renewal_on=date(2027, 10, 31))


def _customer(db, owner="U1"):
    with transaction(db) as s:
        return create_customer(session=s, name="星河科技", owner_id=owner, created_by=owner, now=NOW).id


def _deal(db, cid, **kw):
    fields = dict(title="年度服务合同", amount=Decimal("1234567.89"), now=NOW)
    fields.update(kw)
    with transaction(db) as s:
        return create_deal(session=s, viewer=REP, customer_id=cid, **fields).id


def _move(db, deal_id, stage, at, **kw):
    with transaction(db) as s:
        return move_deal(session=s, viewer=REP, deal_id=deal_id, stage=stage, now=at, **kw)


def _signing(db, cid):
    with transaction(db) as s:
        rows = s.exec(select(NextAction).where(NextAction.customer_id == cid).order_by(NextAction.id)).all()
        return [(a.origin, a.status, a.due_at) for a in rows]


def test_amounts_are_exact_decimals(db):
    cid = _customer(db)
    big = _deal(db, cid, amount="9,999,999,999,999.99", currency=" usd ")
    small = _deal(db, cid, amount=Decimal("0.10"))
    whole = _deal(db, cid, amount=120000)
    with transaction(db) as s:
        got = {d.id: (d.amount, d.currency, d.stage) for d in s.exec(select(Deal))}
        raw = s.execute(text("SELECT amount FROM deal WHERE id = :i"), {"i": small}).scalar_one()
    assert got == {big: (Decimal("9999999999999.99"), "USD", "qualification"),
                   small: (Decimal("0.10"), "CNY", "qualification"),
                   whole: (Decimal("120000.00"), "CNY", "qualification")}
    assert Decimal(str(raw)) == Decimal("0.1")


@pytest.mark.parametrize("amount", [12.5, -1, "1.005", "abc", Decimal("NaN"), True, None, "10000000000000000"])
def test_bad_amounts_are_refused(db, amount):
    cid = _customer(db)
    with pytest.raises(FieldErrors) as caught:
        _deal(db, cid, amount=amount, title="", currency="RMB1")
    amount_error = (("err_required" if amount is None else "err_amount_too_big" if amount == "10000000000000000" else "err_amount"),
                    "amount")
    assert [(e.key, e.field) for e in caught.value.errors] == [("err_required", "title"), amount_error, ("err_currency", "currency")]


def test_negotiation_asks_for_signing_within_a_week(db):
    cid = _customer(db)
    deal_id = _deal(db, cid)
    _move(db, deal_id, "proposal", NOW + timedelta(days=1))
    assert _signing(db, cid) == []
    _move(db, deal_id, "negotiation", NOW + timedelta(days=2))
    origin = f"lifecycle:signing:{deal_id}"
    # due on the owner's working day a week later, at the start of the working hours (Shanghai, 09:00)
    wed_25, mon_23, mon_30 = (datetime(2026, 11, d, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")) for d in (25, 23, 30))
    assert _signing(db, cid) == [(origin, "open", wed_25)]
    _move(db, deal_id, "proposal", NOW + timedelta(days=3))
    _move(db, deal_id, "negotiation", NOW + timedelta(days=4), limits=TimeLimits(signing=timedelta(days=3)))
    assert _signing(db, cid) == [(origin, "cancelled", wed_25), (origin, "open", mon_23)]
    with transaction(db) as s:
        action = s.exec(select(NextAction).where(NextAction.status == "open")).one()
        assert (action.owner_id, action.kind, action.title) == ("U1", "signing", "推进签约")
    other = _deal(db, cid, stage="negotiation", now=NOW + timedelta(days=5))  # a second deal has its own
    # a week after Saturday 21 November is a Saturday: Monday 30 November
    assert _signing(db, cid)[2] == (f"lifecycle:signing:{other}", "open", mon_30)


def test_winning_needs_the_contract_and_converts_the_customer(db):
    cid = _customer(db)
    with transaction(db) as s:
        change_stage(session=s, viewer=REP, customer_id=cid, stage="nurturing", status="clear_intent", now=NOW)
    deal_id = _deal(db, cid, stage="negotiation", now=NOW + timedelta(hours=1))
    with pytest.raises(FieldErrors) as caught:
        _move(db, deal_id, "won", NOW + timedelta(days=1))
    assert [(e.key, e.field) for e in caught.value.errors] == [("err_contract_required", "contract_no"), ("err_required", "signed_on")]
    with pytest.raises(FieldErrors) as caught:
        _move(db, deal_id, "won", NOW + timedelta(days=1),
              won=WonTerms(contract_no="HT", signed_on=date(2026, 11, 20), service_start=date(2027, 1, 2), service_end=date(2027, 1, 1)))
    assert [(e.key, e.field) for e in caught.value.errors] == [("err_service_period", "service_end")]

    won_at = NOW + timedelta(days=2)
    _move(db, deal_id, "won", won_at, won=TERMS)
    with transaction(db) as s:
        deal = s.get(Deal, deal_id)
        customer = s.get(Customer, cid)
        assert (deal.stage, deal.closed_at, deal.contract_no, deal.signed_on, deal.payment_terms, deal.service_start,
                deal.service_end, deal.renewal_on) == ("won", won_at, "HT-2026-001", date(2026, 11, 20), "30% 预付，70% 验收后",
                                                       date(2026, 12, 1), date(2027, 11, 30), date(2027, 10, 31))
        assert (customer.stage, customer.status, customer.stage_changed_at) == ("converted", "signed", won_at)
        last = stage_history(session=s, customer_id=cid)[0]
        assert (last.from_stage, last.from_status, last.to_stage, last.to_status, last.by, last.at, last.reason) == (
            "nurturing", "clear_intent", "converted", "signed", "U1", won_at, "deal won: 年度服务合同")
        entries = [(e.entity, e.field, e.old, e.new) for e in history(session=s, customer_id=cid) if e.at == won_at]
    assert entries == [
        ("customer", "status", "clear_intent", "signed"), ("customer", "stage", "nurturing", "converted"),
        ("deal", "renewal_on", None, "2027-10-31"), ("deal", "service_end", None, "2027-11-30"),
        ("deal", "service_start", None, "2026-12-01"), ("deal", "payment_terms", None, "30% 预付，70% 验收后"),
        ("deal", "signed_on", None, "2026-11-20"), ("deal", "contract_no", None, "HT-2026-001"),
        ("deal", "stage", "negotiation", "won"),
    ]
    signing = [a for a in _signing(db, cid) if a[0].startswith("lifecycle:signing")]
    assert signing == [(f"lifecycle:signing:{deal_id}", "done", datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))]  # Mon 23 Nov, 09:00
    with pytest.raises(DomainError) as caught:
        _move(db, deal_id, "lost", won_at)
    assert caught.value.key == "err_deal_closed" and caught.value.params == {"stage": "won"}


def test_winning_leaves_a_mature_customer_mature_and_losing_keeps_the_reason(db):
    cid = _customer(db)
    with transaction(db) as s:
        change_stage(session=s, viewer=REP, customer_id=cid, stage="converted", now=NOW)
        change_stage(session=s, viewer=REP, customer_id=cid, stage="mature", status="high_loyalty", now=NOW)
    upsell = _deal(db, cid, stage="proposal")
    lost = _deal(db, cid, stage="negotiation")
    _move(db, upsell, "won", NOW + timedelta(days=1), won=TERMS)
    _move(db, lost, "lost", NOW + timedelta(days=2), lost_reason=" 预算被砍 ")
    with transaction(db) as s:
        customer = s.get(Customer, cid)
        assert (customer.stage, customer.status) == ("mature", "high_loyalty")
        gone = s.get(Deal, lost)
        assert (gone.stage, gone.lost_reason, gone.closed_at) == ("lost", "预算被砍", NOW + timedelta(days=2))
        assert [d.id for d in deals_of(session=s, customer_id=cid)] == [lost, upsell]  # most recently closed first
    assert [a[1] for a in _signing(db, cid) if a[0] == f"lifecycle:signing:{lost}"] == ["cancelled"]


def test_deal_changes_are_audited_and_strangers_refused(db):
    cid = _customer(db)
    deal_id = _deal(db, cid)
    with transaction(db) as s:
        update_deal(session=s, viewer=REP, deal_id=deal_id, now=NOW + timedelta(hours=1), amount="1300000",
                    expected_close_on=date(2026, 12, 31))
        entries = [(e.entity, e.entity_id, e.field, e.old, e.new) for e in history(session=s, customer_id=cid)][:3]
    assert entries == [("deal", deal_id, "expected_close_on", None, "2026-12-31"),
                       ("deal", deal_id, "amount", "1234567.89", "1300000.00"),
                       ("deal", deal_id, "created", None, "年度服务合同 1234567.89 CNY qualification")]
    stranger = Viewer(id="U_OTHER", visibility="all")
    for call in (lambda s: create_deal(session=s, viewer=stranger, customer_id=cid, title="x", amount=1, now=NOW),
                 lambda s: move_deal(session=s, viewer=stranger, deal_id=deal_id, stage="proposal", now=NOW)):
        with pytest.raises(DomainError) as caught:
            with transaction(db) as s:
                call(s)
        assert caught.value.key == "err_forbidden"
    with pytest.raises(DomainError) as caught:
        _move(db, deal_id, "signed", NOW)
    assert caught.value.key == "err_deal_stage"


def test_needs_link_to_their_interaction_and_keep_their_status(db):
    with transaction(db) as s:
        logged = log_interaction(session=s, author_id="U1", customer_id=None, new_customer_name="星河科技", way="visit",
                                 occurred_on=date(2026, 11, 16), summary="拜访", feedback="", participants="",
                                 action_title="报价", due_at=NOW + timedelta(days=1), action_owner_id="U1", now=NOW)
    cid, interaction_id = logged.customer.id, logged.interaction.id
    other = _customer(db)
    with transaction(db) as s:
        crm = add_need(session=s, viewer=REP, customer_id=cid, description="需要 CRM 与 ERP 对接", priority="high",
                       interaction_id=interaction_id, now=NOW)
        training = add_need(session=s, viewer=REP, customer_id=cid, description="培训", kind="potential",
                            priority="low", now=NOW)
        report = add_need(session=s, viewer=REP, customer_id=cid, description="报表", now=NOW + timedelta(minutes=1))
    assert (crm.interaction_id, crm.kind, crm.status) == (interaction_id, "current", "not_started")
    with pytest.raises(DomainError) as caught:
        with transaction(db) as s:
            add_need(session=s, viewer=REP, customer_id=other, description="x", interaction_id=interaction_id, now=NOW)
    assert caught.value.key == "err_interaction"
    with pytest.raises(FieldErrors) as caught:
        with transaction(db) as s:
            add_need(session=s, viewer=REP, customer_id=cid, description=" ", kind="future", priority="urgent",
                     status="done", now=NOW)
    assert [e.key for e in caught.value.errors] == ["err_required", "err_need_kind", "err_need_priority", "err_need_status"]
    later = NOW + timedelta(hours=2)
    with transaction(db) as s:
        update_need(session=s, viewer=REP, need_id=crm.id, status="in_progress", now=later)
        update_need(session=s, viewer=REP, need_id=report.id, status="abandoned", now=later)
        update_need(session=s, viewer=REP, need_id=crm.id, status="resolved", now=later + timedelta(minutes=1))
    with transaction(db) as s:
        assert [(n.description, n.status) for n in needs_of(session=s, customer_id=cid)] == [
            ("需要 CRM 与 ERP 对接", "resolved"), ("报表", "abandoned"), ("培训", "not_started")]
        assert [n.id for n in needs_of(session=s, customer_id=cid, open_only=True)] == [training.id]
        entries = [(e.entity_id, e.field, e.old, e.new) for e in history(session=s, customer_id=cid)][:3]
    assert entries == [(crm.id, "status", "in_progress", "resolved"), (report.id, "status", "not_started", "abandoned"),
                       (crm.id, "status", "not_started", "in_progress")]
