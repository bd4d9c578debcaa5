"""Value tiers from the yearly won amount, recomputed by the scheduler's tick at 03:00 in the team's
zone, a hand-set tier kept and marked, every change audited; `/crm tier` and the card through signed
requests. Expectations by hand with the README's shares (high 20 %, medium 50 %, rounded up)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.mini_languages import tiers_of
from bot.settings import SettingsError, load_settings
from store.crm_models import AuditEntry
from store.db import transaction
from store.deals import WonTerms, create_deal, move_deal
from store.models import Customer
from store.permissions import Viewer
from store.value_tiers import TierShares, computed_tiers
from tests.block_text import block_texts
from tests.conftest import REP, REP_EN
from tests.record_flows import customer
from tests.test_payment_jobs import _tick

SH = ZoneInfo("Asia/Shanghai")
NIGHT = datetime(2026, 12, 10, 3, 0, tzinfo=SH)
WON_AT = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def _won(db, customer_id: int, owner: str, amount: str, *, currency: str = "CNY", at: datetime = WON_AT) -> None:
    with transaction(db) as s:
        deal = create_deal(session=s, viewer=Viewer(id=owner), customer_id=customer_id, title="合同", amount=amount, currency=currency,
                           stage="negotiation", now=at)
        move_deal(session=s, viewer=Viewer(id=owner), deal_id=deal.id, stage="won", now=at,
                  won=WonTerms(contract_no="HT", signed_on=at.date()))


def _ten(db) -> list[int]:
    """Customers K1..K10 of REP, K<i> having won i x 10,000 CNY on 20 Nov."""
    ids = []
    for i in range(1, 11):
        made = customer(db, f"客户K{i}", owner=REP, stage="nurturing")
        _won(db, made.id, REP, str(i * 10000))
        ids.append(made.id)
    return ids


def _tiers(db, ids) -> list[tuple[str | None, str | None]]:
    with transaction(db) as s:
        return [(s.get(Customer, i).value_tier, s.get(Customer, i).value_tier_source) for i in ids]


def test_ten_customers_two_high_five_medium_three_low_and_the_pass_runs_once_a_night(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    ids = _ten(db)
    old = customer(db, "老客户", owner=REP, stage="nurturing")  # won 400 days ago: not in the year
    _won(db, old.id, REP, "999999", at=NIGHT - timedelta(days=400))
    usd = customer(db, "Galaxy Tech", owner=REP, stage="nurturing")  # alone in USD: rank 1 <= ceil(1 x 20 %) = 1
    _won(db, usd.id, REP, "500", currency="USD")
    assert _tick(bolt, NIGHT - timedelta(minutes=1)).tiers_changed == 0  # 02:59: not yet
    assert _tiers(db, ids)[0] == (None, None)
    assert _tick(bolt, NIGHT).tiers_changed == 11
    # ranks 10, 9 -> high (ceil(10 x 20 %) = 2); 8..4 -> medium (up to ceil(10 x 70 %) = 7); 3, 2, 1 -> low
    assert [tier for tier, _ in _tiers(db, ids)] == ["low"] * 3 + ["medium"] * 5 + ["high"] * 2
    assert {source for _, source in _tiers(db, ids)} == {"auto"}
    assert _tiers(db, [old.id, usd.id]) == [(None, None), ("high", "auto")]
    assert _tick(bolt, NIGHT + timedelta(hours=1)).tiers_changed == 0  # once a night
    with transaction(db) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.customer_id == ids[9], AuditEntry.field == "value_tier")).all()
    assert [(e.by, e.old, e.new) for e in entries] == [("crm", None, "high")]


def test_a_hand_set_tier_is_kept_marked_and_audited_and_auto_hands_it_back(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    ids = _ten(db)
    bolt.now = NIGHT.astimezone(timezone.utc) - timedelta(hours=2)
    fake.reset()
    bolt.command("tier 客户K9 低", user=REP)
    with transaction(db) as s:
        code = s.get(Customer, ids[8]).code
    assert fake.wait_for("response_url:cmd")[0].params["text"] == (
        f"✅ *客户K9*（{code}）的价值分层：未分层 → 低价值（手动设置，每晚计算时保留）。")
    _tick(bolt, NIGHT)
    # K9 keeps its hand-set low; it still holds rank 2, so K8 stays medium
    assert [tier for tier, _ in _tiers(db, ids)] == ["low"] * 3 + ["medium"] * 5 + ["low", "high"]
    assert _tiers(db, [ids[8]]) == [("low", "manual")]
    fake.reset()
    bolt.command(f"show {code}", user=REP)
    card = "\n".join(block_texts(fake.wait_for("response_url:cmd")[0].params.get("blocks") or []))
    assert "低价值（手动设置）" in card
    with transaction(db) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.customer_id == ids[8]).order_by(AuditEntry.id)).all()
    assert [(e.by, e.field, e.old, e.new) for e in entries if e.field.startswith("value_tier")] == [
        (REP, "value_tier", None, "low"), (REP, "value_tier_source", None, "manual")]

    fake.reset()
    bolt.command("tier 客户K9 auto", user=REP)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == (
        f"✅ *客户K9*（{code}）的价值分层交回自动计算：今晚起按年度赢单金额重新分层（当前 低价值）。")
    _tick(bolt, NIGHT + timedelta(days=1))
    assert _tiers(db, [ids[8]]) == [("high", "auto")]

    galaxy = customer(db, "Galaxy Tech", owner=REP_EN, stage="nurturing")
    for text, said in (("tier Galaxy Tech platinum", "Usage: `/crm tier <customer> high|medium|low|auto`, e.g. `/crm tier Galaxy Tech high`."),
                       ("tier 客户K9 high", None),  # someone else's customer
                       ("tier Galaxy Tech medium", f"✅ Value tier of *Galaxy Tech* ({galaxy.code}): no tier → Medium value "
                                                  "(set by hand, kept by the nightly computation).")):
        fake.reset()
        bolt.command(text, user=REP_EN)
        reply = fake.wait_for("response_url:cmd")[0].params["text"]
        assert reply == said if said else reply.startswith("Only the owner")
    assert _tiers(db, [ids[8]]) == [("high", "auto")]


def test_shares_come_from_crm_value_tiers(bolt, db):
    ids = _ten(db)
    with transaction(db) as s:
        tiers = computed_tiers(session=s, now=NIGHT, shares=TierShares(high=10, medium=30))
    # ceil(10 x 10 %) = 1 high; up to ceil(10 x 40 %) = 4 medium
    assert [tiers[i] for i in ids] == ["low"] * 6 + ["medium"] * 3 + ["high"]
    assert tiers_of("high=10,medium=30") == TierShares(10, 30)
    assert tiers_of("") == TierShares(20, 50)
    bolt.defaults = replace(bolt.defaults, tiers=TierShares(high=10, medium=30))
    assert _tick(bolt, NIGHT).tiers_changed == 10


@pytest.mark.parametrize(("value", "said"), [
    ("high=60,medium=50", "CRM_VALUE_TIERS: high and medium are 0 or more and add up to at most 100"),
    ("top=20", "CRM_VALUE_TIERS: 'top=20' should be high or medium = a whole percent"),
    ("high=-5", "CRM_VALUE_TIERS: 'high=-5' should be high or medium = a whole percent"),
])
def test_a_wrong_crm_value_tiers_stops_the_bot_with_its_sentence(monkeypatch, value, said):
    monkeypatch.setenv("CRM_VALUE_TIERS", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value) == said
