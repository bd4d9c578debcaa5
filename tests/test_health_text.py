"""Health reasons in words: every code store.health can store is phrased in both languages."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from handlers.i18n import CATALOG
from handlers.health_text import band_text, reason_text, reasons_text, segment_text
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
            text = reason_text(locale, part["code"], part["params"], now=NOW)
            assert "{" not in text and text
            seen.add(part["code"])
    assert {"recency_late", "nps_down", "tickets", "interactions_down", "actions_overdue", "rfm", "recency_never"} <= seen
    assert sorted(k for k in CATALOG if k.startswith("health_reason_")) == sorted(f"health_reason_{c}" for c in CODES)
    assert sorted(k for k in CATALOG if k.startswith("rfm_segment_")) == sorted(f"rfm_segment_{s}" for s in SEGMENTS)
    assert segment_text(locale, "cant_lose") == {"zh-CN": "不能失去的客户", "en": "can't lose them"}[locale]


def test_reasons_read_as_of_today_from_an_older_row():
    params = {"days": 40, "cadence_days": 14, "since": "2026-10-07"}
    assert reason_text("en", "recency_late", params) == "no contact for 40 days (cadence 14 days, last on 2026-10-07)"
    assert reason_text("en", "recency_late", params, now=NOW) == "no contact for 44 days (cadence 14 days, last on 2026-10-07)"
    assert reason_text("zh-CN", "actions_overdue", {"count": 2, "oldest_days": 3, "oldest_on": "2026-11-01"}, now=NOW) == \
        "2 个待办逾期，最早的已逾期 19 天"
    assert reasons_text("en", [("nps_down", {"score": 4, "previous": 8}), ("rfm", {"cell": "1-2-2", "segment": "lost"})]) == \
        "NPS fell from 8 to 4; RFM 1-2-2: lost"
    assert band_text("zh-CN", "red") == "🔴 危险" and band_text("en", None) == "—"
