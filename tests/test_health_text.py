"""Health reasons in words: every code store.health can store is phrased in both languages."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from handlers.i18n import CATALOG
from handlers.health.text import band_text, reason_text, reasons_text, segment_text
from store.health import CODES, HealthWeights, score_of, Facts
from store.rfm import SEGMENTS

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_reason_a_score_can_store_has_words(locale):
    facts = [
        Facts(grade="A", last_contact_at=datetime(2026, 10, 7, tzinfo=timezone.utc), nps=(4, 8), open_tickets=2, breaches=1,
              recent_interactions=1, prior_interactions=9, overdue_actions=2,
              oldest_overdue_at=datetime(2026, 11, 1, tzinfo=timezone.utc), rfm=(1, 2, 2)),
        Facts(grade=None, last_contact_at=datetime(2026, 11, 19, tzinfo=timezone.utc), contacted=False),
    ]
    seen = set()
    for f in facts:
        for part in score_of(f, now=NOW, weights=HealthWeights(rfm_min_customers=0)).components:
            text = reason_text(locale, part["code"], part["params"])
            assert "{" not in text and text
            seen.add(part["code"])
    assert {"recency_late", "nps_down", "tickets", "interactions_down", "actions_overdue", "rfm", "recency_never"} <= seen
    assert sorted(k for k in CATALOG if k.startswith("health_reason_")) == sorted(f"health_reason_{c}" for c in CODES)
    assert sorted(k for k in CATALOG if k.startswith("rfm_segment_")) == sorted(f"rfm_segment_{s}" for s in SEGMENTS)
    assert segment_text(locale, "cant_lose") == {"zh-CN": "不能失去的客户", "en": "can't lose them"}[locale]


def test_reasons_read_as_stored_with_the_score_and_dates_in_the_readers_zone():
    from handlers.context import Profile

    shanghai, new_york = Profile("U1", "Asia/Shanghai", "zh-CN"), Profile("U2", "America/New_York", "en-US")
    # the last contact at 17:00 UTC on 6 Dec is 7 Dec in Shanghai, still 6 Dec in New York
    params = {"days": 100, "cadence_days": 14, "since": "2026-12-06T17:00:00+00:00"}
    assert reason_text("zh-CN", "recency_late", params, profile=shanghai) == "已 100 天未联系（跟进周期 14 天，上次 2026年12月7日）"
    assert reason_text("en", "recency_late", params, profile=new_york) == \
        "no contact for 100 days (cadence 14 days, last on Dec 6, 2026)"
    # rows stored before the instant was kept give the date as it was
    old = {"days": 40, "cadence_days": 14, "since": "2026-10-07"}
    assert reason_text("en", "recency_late", old, profile=new_york) == "no contact for 40 days (cadence 14 days, last on Oct 7, 2026)"
    # the numbers are those stored with the score, not brought up to another day
    assert reason_text("zh-CN", "actions_overdue", {"count": 2, "oldest_days": 3, "oldest_on": "2026-11-01"}, profile=shanghai) == \
        "2 个待办逾期，最早的已逾期 3 天"
    assert reasons_text("en", [("nps_down", {"score": 4, "previous": 8}), ("rfm", {"cell": "1-2-2", "segment": "lost"})]) == \
        "NPS fell from 8 to 4; RFM 1-2-2: lost"
    assert band_text("zh-CN", "red") == "🔴 危险" and band_text("en", None) == "—"


def test_the_customer_card_shows_health_its_trend_and_what_pulls_it_down(db):
    """Three stored scores: 72 green (1 Oct), 53 yellow (1 Nov), then the latest from these facts at NOW:
    recency 0 (44 days against A's 7-day cadence, past 3 cadences: cost 25 x 100), NPS 10x4 + 5x(4-8) = 20
    (cost 20 x 80), RFM 1-2-2 "lost" 0 (cost 15 x 100), tickets 100-2x10-20 = 60, interactions 100x1x90/(9x30)
    = 33, actions 100-2x25 = 50, renewal 100 (a won deal renews later): (400 + 900 + 330 + 500 + 500) / 100 = 26.3 -> 26, red."""
    from bot.hooks import features_hooks
    from handlers.context import Profile
    from handlers.customers.cards import card_blocks, load_card
    from store.customers import create_customer
    from store.db import transaction
    from store.models import HealthScore
    from store.permissions import Viewer

    facts = Facts(grade="A", last_contact_at=datetime(2026, 10, 7, tzinfo=timezone.utc), nps=(4, 8), open_tickets=2,
                  breaches=1, recent_interactions=1, prior_interactions=9, overdue_actions=2,
                  oldest_overdue_at=datetime(2026, 11, 1, tzinfo=timezone.utc), rfm=(1, 2, 2), renews=True)
    latest = score_of(facts, now=NOW, weights=HealthWeights(rfm_min_customers=0))
    assert (latest.score, latest.band, latest.rfm_cell, latest.segment) == (26, "red", "1-2-2", "lost")
    with transaction(db) as s:
        c = create_customer(session=s, name="远山制造", owner_id="U0REP00001", created_by="U0REP00001",
                            now=datetime(2026, 9, 1, tzinfo=timezone.utc))
        c.stage, c.status, c.grade, c.health_score, c.health_band, c.health_at = "mature", "stable", "A", 26, "red", NOW
        s.add(c)
        for at, score, band, components, cell, segment in (
                (datetime(2026, 10, 1, 2, tzinfo=timezone.utc), 72, "green", [], None, None),
                (datetime(2026, 11, 1, 2, tzinfo=timezone.utc), 53, "yellow", [], None, None),
                (NOW, 26, "red", list(latest.components), "1-2-2", "lost")):
            s.add(HealthScore(customer_id=c.id, computed_at=at, score=score, band=band, components=components,
                              rfm_cell=cell, segment=segment))
        s.flush()
        for locale, tz, expected, math in (
                ("zh-CN", "Asia/Shanghai",
                 "*健康分* 26 · 🔴 危险 · RFM 1-2-2（已流失客户）（2026年11月20日 评分）\n"
                 "各项得分 × 权重：联系近况 0 分 × 25 · NPS 20 分 × 20 · 工单 60 分 × 15 · 互动频次 33 分 × 10 · "
                 "逾期待办 50 分 × 10 · 续约 100 分 × 5 · RFM 0 分 × 15\n"
                 "走势：72（2026年10月1日） → 53（2026年11月1日） → 26（2026年11月20日）\n"
                 "主要扣分：已 44 天未联系（跟进周期 7 天，上次 2026年10月7日）；NPS 从 8 分降到 4 分；RFM 1-2-2：已流失客户",
                 "ℹ️ 怎么算的：(0×25 + 20×20 + 60×15 + 33×10 + 50×10 + 100×5 + 0×15) ÷ 100 = 2630 ÷ 100 ≈ 26（加权平均，四舍五入）"),
                ("en", "America/New_York",
                 "*Health* 26 · 🔴 red · RFM 1-2-2 (lost) (scored Nov 19, 2026)\n"
                 "Points × weight: recency 0 × 25 · NPS 20 × 20 · tickets 60 × 15 · interactions 33 × 10 · "
                 "overdue actions 50 × 10 · renewal 100 × 5 · RFM 0 × 15\n"
                 "Trend: 72 (Sep 30, 2026) → 53 (Oct 31, 2026) → 26 (Nov 19, 2026)\n"
                 "Pulled down by: no contact for 44 days (cadence 7 days, last on Oct 6, 2026); NPS fell from 8 to 4; "
                 "RFM 1-2-2: lost",
                 "ℹ️ How it is computed: (0×25 + 20×20 + 60×15 + 33×10 + 50×10 + 100×5 + 0×15) ÷ 100 = 2630 ÷ 100 ≈ 26 "
                 "(weighted mean, rounded half up)")):
            profile = Profile(user_id="U0REP00001", tz=tz, locale=locale)
            blocks = card_blocks(load_card(s, c, viewer=Viewer(id="U0REP00001"), cipher=None, parts=features_hooks().card_parts), profile, NOW)
            assert blocks[1]["text"]["text"] == expected
            assert blocks[2]["elements"][0]["text"] == math


@pytest.mark.parametrize("count, en, zh", [
    (1, "1 interaction in 30 days, down from the usual 2.0", "近 30 天互动 1 次，低于平时的 2.0 次"),
    (0, "0 interactions in 30 days, down from the usual 2.0", "近 30 天互动 0 次，低于平时的 2.0 次"),
])
def test_reasons_with_a_count_take_the_english_plural_forms(count, en, zh):
    params = {"count": count, "usual": 2.0, "days": 30}
    assert (reason_text("en", "interactions_down", params), reason_text("zh-CN", "interactions_down", params)) == (en, zh)
    overdue = {"count": 1, "oldest_days": 3}
    assert reason_text("en", "actions_overdue", overdue) == "1 overdue next action, 3 days late"
    assert reason_text("en", "actions_overdue", {**overdue, "count": 2}) == "2 overdue next actions, the oldest 3 days late"
    assert [reason_text(loc, "actions_overdue", {"count": 1, "oldest_days": 1}) for loc in ("en", "zh-CN")] == [
        "1 overdue next action, 1 day late", "1 个待办逾期，最早的已逾期 1 天"]


@pytest.mark.parametrize(("code", "params", "en", "zh"), [
    ("recency_ok", {"days": 1, "cadence_days": 7}, "contacted 1 day ago, within the 7-day cadence", "1 天前联系过，在 7 天的跟进周期内"),
    ("recency_ok", {"days": 3, "cadence_days": 7}, "contacted 3 days ago, within the 7-day cadence", "3 天前联系过，在 7 天的跟进周期内"),
    ("recency_never", {"days": 1}, "no interaction ever logged (1 day since the customer was added)", "从未记录过互动（建档 1 天）"),
    ("renewal_soon", {"days": 1, "on": "2026-12-08"}, "renewal due in 1 day (Dec 8, 2026)", "1 天后（2026年12月8日）到期续约"),
    ("renewal_soon", {"days": 20, "on": "2026-12-27"}, "renewal due in 20 days (Dec 27, 2026)", "20 天后（2026年12月27日）到期续约"),
])
def test_reasons_counting_days_take_the_english_plural_forms(code, params, en, zh):
    from handlers.context import Profile

    said = [reason_text(loc, code, params, profile=Profile(user_id="U1", tz="Asia/Shanghai", locale=loc)) for loc in ("en", "zh-CN")]
    assert said == [en, zh]
