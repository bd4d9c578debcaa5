"""NPS in the store, no Slack: recording once per source id, categories and rounding, and the
aggregates in SQL per customer, owner, team and period against hand-computed numbers."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from store.customers import create_customer
from store.types import utcnow
from store.db import transaction
from store.errors import DomainError
from store.models import Customer, NpsResponse
from store.nps import (NpsStats, category, nps_by_customer, nps_by_owner, nps_for_team, nps_stats, nps_summary, nps_value,
                       record_response)
from store.users import set_manager
from tests.conftest import BOSS, REP, REP_EN

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
SOLO = "U0SOLO0005"


def _customer(db, name: str, owner: str = REP) -> Customer:
    with transaction(db) as s:
        return create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=utcnow())


def _sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


NOW = datetime(2026, 12, 5, tzinfo=UTC)


def test_scores_are_checked_and_a_source_id_is_recorded_once(db):
    galaxy = _customer(db, "星河科技")

    def rec(**kw):
        fields = dict(customer_id=galaxy.id, score=9, comment="", source="webhook", external_id=None, responded_at=NOW,
                      recorded_by=None, now=NOW) | kw
        with transaction(db) as s:
            return record_response(session=s, **fields)

    for bad in (-1, 11, True, 7.5, "", "ten"):
        with pytest.raises(DomainError) as e:
            rec(score=bad)
        assert (e.value.key, e.value.field) == ("nps_err_score", "score")
    with pytest.raises(DomainError) as e:
        rec(comment="长" * 2001, responded_at=NOW + timedelta(minutes=6))
    assert [(x.key, x.field) for x in e.value.errors] == [("err_too_long", "comment"), ("nps_err_future", "responded_at")]
    with pytest.raises(DomainError) as e:
        rec(customer_id=424242)
    assert e.value.key == "nps_err_customer_unknown"
    first, created = rec(score="10", external_id="abc", comment="  好  ", responded_at=NOW + timedelta(minutes=5))
    assert (first.score, first.comment, created) == (10, "好", True)
    same, created = rec(score=0, external_id="abc")
    assert (same.id, same.score, created) == (first.id, 10, False)
    other_source, created = rec(source="csv", external_id="abc")
    assert created and other_source.id != first.id
    assert rec()[1] and rec()[1]  # no external id: nothing to deduplicate on
    with transaction(db) as s:
        assert len(s.exec(select(NpsResponse)).all()) == 4


def test_two_writers_with_the_same_id_record_it_once(db):
    galaxy = _customer(db, "星河科技")
    results, errors = [], []

    def writer() -> None:
        try:
            with transaction(db) as s:
                results.append(record_response(session=s, customer_id=galaxy.id, score=3, comment="", source="webhook",
                                               external_id="same", responded_at=NOW, recorded_by=None, now=NOW)[1])
        except Exception as e:  # noqa: BLE001 - the test reports it
            errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and sorted(results) == [False, False, False, True]


def test_categories_and_rounding():
    assert [category(n) for n in range(11)] == ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2
    assert nps_value(0, 0, 0) is None
    assert (nps_value(1, 0, 8), nps_value(1, 0, 16), nps_value(0, 1, 16), nps_value(2, 1, 3), nps_value(1, 1, 2)) == (12.5, 6.3, -6.3, 33.3, 0.0)
    assert NpsStats().nps is None and NpsStats(4, 4, 0, 0).nps == 100.0


START, END = _sh(2026, 11, 1, 0, 0), _sh(2026, 12, 1, 0, 0)


@pytest.fixture
def survey(db):
    """A (REP): 10 at the period's first instant, 9, 6, 3, and 10 one second before the period;
    B (REP): 8, 7, 9; C (REP_EN): 5, 9, 9, 9, 8, 10, and 0 at the period's end (outside);
    D (SOLO): 6. REP and REP_EN report to BOSS; SOLO to nobody."""
    with transaction(db) as s:
        for rep in (REP, REP_EN):
            set_manager(session=s, user_id=rep, manager_id=BOSS)
    a, b, c, d = (_customer(db, n, o) for n, o in (("A", REP), ("B", REP), ("C", REP_EN), ("D", SOLO)))
    plan = [(a, 10, START), (a, 9, _sh(2026, 11, 5, 9, 0)), (a, 6, _sh(2026, 11, 10, 9, 0)), (a, 3, _sh(2026, 11, 20, 9, 0)),
            (a, 10, START - timedelta(seconds=1)),
            (b, 8, _sh(2026, 11, 3, 9, 0)), (b, 7, _sh(2026, 11, 4, 9, 0)), (b, 9, _sh(2026, 11, 6, 9, 0)),
            *[(c, score, _sh(2026, 11, 7 + n, 9, 0)) for n, score in enumerate((5, 9, 9, 9, 8, 10))], (c, 0, END),
            (d, 6, _sh(2026, 11, 15, 23, 59))]
    with transaction(db) as s:
        for n, (customer, score, at) in enumerate(plan):
            record_response(session=s, customer_id=customer.id, score=score, comment="", source="csv", external_id=f"s{n}",
                            responded_at=at, recorded_by=None, now=NOW)
    return {"A": a.id, "B": b.id, "C": c.id, "D": d.id}


def test_aggregates_per_customer_owner_team_and_period(db, survey):
    with transaction(db) as s:
        per_customer = nps_by_customer(session=s, start=START, end=END)
        per_owner = nps_by_owner(session=s, start=START, end=END)
        team = nps_for_team(session=s, manager_id=BOSS, start=START, end=END)
        nobody = nps_for_team(session=s, manager_id=SOLO, start=START, end=END)
        overall = nps_stats(session=s, start=START, end=END)
        a_ever = nps_stats(session=s, customer_id=survey["A"])
        c_ever = nps_stats(session=s, customer_id=survey["C"])
        rep_ever = nps_by_customer(session=s, owner_id=REP)
        october = nps_stats(session=s, start=_sh(2026, 10, 1, 0, 0), end=START)
    assert {name: (st.responses, st.promoters, st.passives, st.detractors, st.nps) for name, st in
            ((k, per_customer[v]) for k, v in survey.items())} == {
        "A": (4, 2, 0, 2, 0.0), "B": (3, 1, 2, 0, 33.3), "C": (6, 4, 1, 1, 50.0), "D": (1, 0, 0, 1, -100.0)}
    assert {k: (v.responses, v.nps) for k, v in per_owner.items()} == {REP: (7, 14.3), REP_EN: (6, 50.0), SOLO: (1, -100.0)}
    assert (team.responses, team.promoters, team.passives, team.detractors, team.nps) == (13, 7, 3, 3, 30.8)
    assert (nobody, nobody.nps) == (NpsStats(), None)
    assert (overall.responses, overall.promoters, overall.passives, overall.detractors, overall.nps) == (14, 7, 3, 4, 21.4)
    assert (a_ever.responses, a_ever.nps, c_ever.responses, c_ever.nps) == (5, 20.0, 7, 28.6)
    assert {k: v.responses for k, v in rep_ever.items()} == {survey["A"]: 5, survey["B"]: 3}
    assert (october.responses, october.nps) == (1, 100.0)


def test_summary_for_the_digests(db, survey):
    with transaction(db) as s:
        everyone = nps_summary(session=s, start=START, end=END)
        team = nps_summary(session=s, start=START, end=END, manager_id=BOSS)
        mine = nps_summary(session=s, start=START, end=END, owner_id=REP)
        with pytest.raises(ValueError):
            nps_summary(session=s, start=END, end=START)
    assert (everyone.overall.nps, everyone.previous.responses, everyone.previous.nps) == (21.4, 1, 100.0)
    assert {k: v.nps for k, v in everyone.by_owner.items()} == {REP: 14.3, REP_EN: 50.0, SOLO: -100.0}
    assert (team.overall.responses, team.overall.nps, sorted(team.by_owner)) == (13, 30.8, [REP, REP_EN])
    assert (mine.overall.responses, mine.overall.nps, mine.previous.nps, list(mine.by_owner)) == (7, 14.3, 100.0, [REP])
