"""Maintenance cadence by value tier through the scheduler's tick at a stated instant: high (a call a
month, a visit a quarter), medium (a touch every two weeks), low (a touch a quarter) for converted
and mature customers, the grade cadence for the others; the quarterly review of a mature customer
goes to its customer-success owner. The README's periods: 30, 91, 14 and 91 days."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from bot.settings import load_settings

from store.customers import create_customer
from store.db import transaction
from store.lifecycle import change_stage
from store.models import Customer, Interaction, NextAction
from store.permissions import Viewer
from tests.conftest import BOSS, REP
from tests.test_cli import run
from tests.test_payment_jobs import _tick

UTC = timezone.utc
T0 = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)  # 10 Dec, 10:00 in Shanghai


def _customer(db, name: str, *, stage: str, tier: str | None, grade: str = "A", cs_owner: str | None = None,
              touched: tuple[tuple[str, date], ...] = ()) -> int:
    with transaction(db) as s:
        made = create_customer(session=s, name=name, owner_id=REP, created_by=REP, now=T0, cs_owner_id=cs_owner)
        path = {"nurturing": ["nurturing"], "converted": ["converted"], "mature": ["converted", "mature"]}[stage]
        for step in path:
            change_stage(session=s, viewer=Viewer(id=REP), customer_id=made.id, stage=step, now=T0)
        row = s.get(Customer, made.id)
        row.value_tier, row.value_tier_source, row.grade = tier, "manual" if tier else None, grade
        s.add(row)
        for way, day in touched:  # as /crm log writes them (store/interactions.py), without a next action
            at = datetime.combine(day, T0.timetz())
            s.add(Interaction(customer_id=made.id, occurred_on=day, way=way, summary="回访", author_id=REP, created_at=at))
            row.last_interaction_at = max(row.last_interaction_at or at, at)
        s.add(row)
        return made.id


def _care(db) -> dict[int, list[tuple[str, str, str]]]:
    with transaction(db) as s:
        rows = s.exec(select(NextAction).where(NextAction.origin.in_(("care:call", "care:visit", "care:touch", "cadence",
                                                                      "lifecycle:quarterly_review")))
                      .order_by(NextAction.customer_id, NextAction.id)).all()
    out: dict[int, list[tuple[str, str, str]]] = {}
    for a in rows:
        out.setdefault(a.customer_id, []).append((a.origin, a.title, a.owner_id))
    return out


def test_each_tier_gets_its_own_maintenance_and_the_review_goes_to_customer_success(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    high = _customer(db, "高价值客户", stage="converted", tier="high", touched=(("phone", date(2026, 11, 20)),))
    high_called = _customer(db, "久未联系", stage="converted", tier="high", touched=(("visit", date(2026, 10, 1)),))
    medium_ok = _customer(db, "中价值近期", stage="mature", tier="medium", cs_owner=BOSS, touched=(("email", date(2026, 11, 30)),))
    medium_due = _customer(db, "中价值到期", stage="mature", tier="medium", touched=(("meeting", date(2026, 11, 20)),))
    low = _customer(db, "低价值客户", stage="converted", tier="low", touched=(("phone", date(2026, 9, 5)),))
    nurturing = _customer(db, "培育客户", stage="nurturing", tier="high", touched=(("phone", date(2026, 11, 20)),))
    untiered = _customer(db, "未分层客户", stage="converted", tier=None, touched=(("phone", date(2026, 11, 20)),))

    _tick(bolt, NOW)
    care = _care(db)
    # high: a phone call on 11-20 is within 30 days (since 11-10); no visit since 9-10 (91 days): a visit
    assert care[high] == [("care:visit", "高价值客户拜访", REP)]
    # high: a visit on 10-01 is within 91 days; no call since 11-10: a call
    assert care[high_called] == [("care:call", "高价值客户电话回访", REP)]
    # medium: an email on 11-30 is within 14 days (since 11-26); its review (mature) goes to customer success
    assert care[medium_ok] == [("lifecycle:quarterly_review", "季度客户回顾", BOSS)]
    # medium: nothing since 11-20: a touch; no customer-success owner: the review goes to the owner
    assert care[medium_due] == [("lifecycle:quarterly_review", "季度客户回顾", REP),
                                ("care:touch", "中价值客户维护", REP)]
    # low: nothing since 9-05, over 91 days (since 9-10): a quarterly touch
    assert care[low] == [("care:touch", "低价值客户维护", REP)]
    # a nurturing customer with a tier is not maintained by tier (its needs research is still pending, so the
    # grade cadence waits too); a converted customer without a tier keeps the grade cadence (A: 7 days)
    assert nurturing not in care
    assert care[untiered] == [("cadence", "定期跟进", REP)]
    # and a tiered one is not chased by the grade cadence although its grade A's 7 days are long past

    _tick(bolt, NOW.replace(hour=3))  # chased: nothing twice
    assert _care(db) == care


def test_crm_tier_cadence_sets_the_periods_and_turns_a_rule_off(bolt, fake, db, remember, monkeypatch):
    """CRM_TIER_CADENCE=high:call=60,visit=0;low:touch=120: a high customer last called 45 days ago is
    not due (it would be at 30), none gets a visit, a low one last touched 100 days ago is not due (it
    would be at 91); medium keeps its 14 days."""
    monkeypatch.setenv("CRM_TIER_CADENCE", "high:call=60,visit=0;low:touch=120")
    rules = load_settings().tier_cadence
    assert [(r.tier, r.name, r.days) for r in rules] == [("high", "call", 60), ("medium", "touch", 14), ("low", "touch", 120)]
    bolt.defaults = replace(bolt.defaults, care=rules)
    remember(REP, "Asia/Shanghai", "zh-CN")
    called = _customer(db, "四十五天", stage="converted", tier="high", touched=(("phone", date(2026, 10, 26)),))   # 45 days
    lapsed = _customer(db, "六十一天", stage="converted", tier="high", touched=(("phone", date(2026, 10, 10)),))   # 61 days
    low = _customer(db, "一百天", stage="converted", tier="low", touched=(("phone", date(2026, 9, 1)),))           # 100 days
    medium = _customer(db, "中价值到期", stage="converted", tier="medium", touched=(("email", date(2026, 11, 25)),))  # 15 days
    _tick(bolt, NOW)
    care = _care(db)
    assert called not in care and low not in care
    assert care[lapsed] == [("care:call", "高价值客户电话回访", REP)]
    assert care[medium] == [("care:touch", "中价值客户维护", REP)]
    # the template's defaults when the variable is not set
    monkeypatch.delenv("CRM_TIER_CADENCE")
    assert [(r.tier, r.name, r.days) for r in load_settings().tier_cadence] == [
        ("high", "call", 30), ("high", "visit", 91), ("medium", "touch", 14), ("low", "touch", 91)]


@pytest.mark.parametrize(("value", "said"), [
    ("high:call=thirty", "CRM_TIER_CADENCE: 'call=thirty' in 'high:call=thirty' should be days 0..3660 of one of high:call, "
                         "high:visit, medium:touch, low:touch, e.g. high:call=30,visit=91;medium:touch=14"),
    ("medium:call=30", "CRM_TIER_CADENCE: 'call=30' in 'medium:call=30' should be days 0..3660 of one of high:call, "
                       "high:visit, medium:touch, low:touch, e.g. high:call=30,visit=91;medium:touch=14"),
    ("high=30", "CRM_TIER_CADENCE: 'high=30' in 'high=30' should be days 0..3660 of one of high:call, "
                "high:visit, medium:touch, low:touch, e.g. high:call=30,visit=91;medium:touch=14"),
])
def test_a_wrong_crm_tier_cadence_stops_the_bot_with_its_sentence(tmp_path, value, said):
    done = run(["migrate"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}", "CRM_TIER_CADENCE": value}, cwd=tmp_path)
    assert (done.returncode, done.stderr.strip()) == (2, f"Settings: {said}")
