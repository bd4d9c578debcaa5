"""store.figures on SQLite and PostgreSQL: every figure against hand-computed values on small data
sets whose rows are inserted directly with explicit instants.

The week is Period.week(2026-11-18, Asia/Shanghai): Mon 2026-11-16 00:00 +08:00 to the next Monday,
i.e. S = 2026-11-15T16:00Z to E = 2026-11-22T16:00Z; the previous week starts P0 = 2026-11-08T16:00Z.
NOW is Fri 2026-11-20T04:00Z (12:00 in Shanghai). The team of M1 is A1 and A2; B1 reports to M2.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from store.crm_models import AuditEntry, Deal, StageChange
from store.db import transaction
from store.figures import (ActionCounts, Period, Rate, RepLine, Scope, Targets, Trend, Won, deals_moved, detractors, figures,
                           per_rep, sla_breaches, stale_customers)
from store.figures_sla import MET, MISSED, clock_states
from store.grading import Cadence
from store.models import Customer, Interaction, NextAction, NpsResponse, SlackUser, Ticket
from store.sla import Calendar
from store.sla_clock import state
from store.ticket_sla import clocks

UTC = timezone.utc
SH = "Asia/Shanghai"
WEEK = Period.week(date(2026, 11, 18), SH)
S = datetime(2026, 11, 15, 16, tzinfo=UTC)
E = datetime(2026, 11, 22, 16, tzinfo=UTC)
P0 = datetime(2026, 11, 8, 16, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 4, tzinfo=UTC)
US = timedelta(microseconds=1)
CAL = Calendar(tz=SH)  # 09:00-18:00 Mon-Fri, mainland holidays (none in November 2026)
A1, A2, B1, M1, M2 = "UA1", "UA2", "UB1", "UM1", "UM2"
REP, TEAM, ALL = Scope.rep(A1), Scope.team(M1), Scope.everyone()


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _people(s) -> None:
    for uid, manager in ((A1, M1), (A2, M1), (B1, M2), (M1, None), (M2, None)):
        s.add(SlackUser(id=uid, manager_id=manager, role="manager" if manager is None else "rep"))


def _customer(s, n: int, owner: str, created_at: datetime, stage: str = "lead", **kw) -> int:
    c = Customer(id=n, code=f"C{n:06d}", name=f"客户{n}", name_norm=f"客户{n}", owner_id=owner, created_by=owner,
                 created_at=created_at, updated_at=created_at, stage=stage, status=kw.pop("status", "to_nurture"), **kw)
    s.add(c)
    s.flush()
    return n


def _history(s, cid: int, *moves: tuple[datetime, str | None, str]) -> None:
    for at, before, after in moves:
        s.add(StageChange(customer_id=cid, at=at, by="x", from_stage=before, from_status=None if before is None else "s",
                          to_stage=after, to_status="s2" if before == after else "s"))


def _figures(db, scope: Scope, **kw):
    with transaction(db) as s:
        return figures(session=s, period=kw.pop("period", WEEK), scope=scope, now=kw.pop("now", NOW), calendar=CAL, **kw)


# -- periods, scopes, rates ------------------------------------------------------------------------

def test_local_calendar_periods_and_the_previous_one():
    assert (WEEK.start, WEEK.end) == (S, E)
    assert WEEK.previous() == Period(P0, S)
    assert Period.week(date(2026, 11, 18), "UTC") == Period(z(2026, 11, 16), z(2026, 11, 23))
    # an instant is placed in the zone's own calendar: Sunday 17:00Z is Monday 01:00 in Shanghai
    monday_sh = z(2026, 11, 15, 17)
    assert Period.day(monday_sh, SH) == Period(z(2026, 11, 15, 16), z(2026, 11, 16, 16))
    assert Period.day(monday_sh, "UTC") == Period(z(2026, 11, 15), z(2026, 11, 16))
    assert Period.week(monday_sh, SH) == WEEK
    assert Period.week(monday_sh, "UTC") == Period(z(2026, 11, 9), z(2026, 11, 16))
    # March in Shanghai; its previous is February (28 days), not "31 days back"; January's is December
    march = Period.month(date(2026, 3, 10), SH)
    assert march == Period(z(2026, 2, 28, 16), z(2026, 3, 31, 16))
    assert march.previous() == Period(z(2026, 1, 31, 16), z(2026, 2, 28, 16))
    assert Period.month(date(2026, 1, 5), SH).previous() == Period(z(2025, 11, 30, 16), z(2025, 12, 31, 16))
    # New York's week holding the end of DST is 169 hours long
    ny = Period.week(date(2026, 11, 1), "America/New_York")
    assert ny == Period(z(2026, 10, 26, 4), z(2026, 11, 2, 5))
    assert ny.previous() == Period(z(2026, 10, 19, 4), z(2026, 10, 26, 4))
    # a plain period: the same length just before; instants held as UTC
    odd = Period(datetime(2026, 11, 16, 12, tzinfo=ZoneInfo(SH)), datetime(2026, 11, 17, tzinfo=ZoneInfo(SH)))
    assert (odd.start, odd.start.tzinfo) == (z(2026, 11, 16, 4), UTC)
    assert odd.previous() == Period(z(2026, 11, 15, 16), z(2026, 11, 16, 4))  # 12 hours before
    with pytest.raises(ValueError):
        Period(datetime(2026, 11, 16), E)
    with pytest.raises(ValueError):
        Period(E, E)


def test_scopes_resolve_to_owner_ids(db):
    with transaction(db) as s:
        _people(s)
        s.flush()
        assert REP.owner_ids(s) == {A1}
        assert TEAM.owner_ids(s) == {A1, A2}  # the manager's reports, not the manager (as store.nps)
        assert Scope.team("UNOBODY").owner_ids(s) == frozenset()
        assert ALL.owner_ids(s) is None
    with pytest.raises(ValueError):
        Scope("team")
    with pytest.raises(ValueError):
        Scope("boss", "U1")


def test_rates_round_half_up_and_targets_compare_exactly():
    assert [Rate(1, 3).pct, Rate(2, 3).pct, Rate(1, 16).pct, Rate(0, 5).pct, Rate(0, 0).pct] == [33.3, 66.7, 6.3, 0.0, None]
    assert Rate(8999, 10000).pct == 90.0 and Rate(8999, 10000).below(90)  # shown 90.0, still below 90
    assert not Rate(9, 10).below(90) and not Rate(1, 10).above(10) and Rate(1001, 10000).above(10)
    assert not Rate(0, 0).below(90) and not Rate(0, 0).above(0)  # nothing to judge misses nothing


def test_an_empty_period_gives_none_not_a_division_by_zero(db):
    f = _figures(db, REP)
    assert (f.new_leads, f.interactions, f.interactions_by_way, f.overdue_now) == (Trend(0, 0), Trend(0, 0), {}, 0)
    assert f.actions == Trend(ActionCounts(), ActionCounts())
    for rate in (f.completion_rate, f.lead_to_nurturing, f.nurturing_to_converted, f.lead_to_converted, f.repurchase_rate,
                 f.churn_rate, f.high_value_churn_rate, f.retention_rate, f.sla_response, f.sla_resolution):
        assert (rate.value.pct, rate.previous.pct) == (None, None)
    assert set(f.days_in_stage) == {"lead", "nurturing", "converted", "mature", "churned"}
    assert all(t == Trend(None, None) for t in f.days_in_stage.values())
    assert (f.sales_cycle_days, f.median_first_response, f.deals_won) == (Trend(None, None), Trend(None, None), Trend({}, {}))
    assert (f.nps.value.nps, f.nps.previous.nps, f.misses) == (None, None, [])


# -- interactions and next actions -----------------------------------------------------------------

def _work(db) -> None:
    with transaction(db) as s:
        _people(s)
        c1, c3, c4 = (_customer(s, n, owner, z(2026, 1, 1)) for n, owner in ((1, A1), (3, B1), (4, M1)))
        for author, cid, way, at in (
            (A1, c1, "visit", S),                     # i1: the first instant of the week: in
            (A1, c1, "phone", E - US),                # i2: the last microsecond: in
            (A1, c1, "phone", E),                     # i3: the end is the next week's
            (A1, c1, "visit", S - US),                # i4: previous week
            (A2, c1, "email", z(2026, 11, 17, 2)),    # i5: A2's work on A1's customer counts for A2
            (B1, c3, "visit", z(2026, 11, 18)),       # i6
            (M1, c4, "meeting", z(2026, 11, 18)),     # i7: the manager's own, outside the team
            (A2, c1, "visit", P0),                    # i8: previous week's first instant
            (A2, c1, "visit", P0 - US),               # i9: before both
        ):
            # happened on that instant's day in Shanghai (the authors' zone), logged then
            day = at.astimezone(ZoneInfo(SH)).date()
            s.add(Interaction(customer_id=cid, occurred_on=day, way=way, summary="s", author_id=author, created_at=at,
                              logged_on=day))
        for owner, due, status, done in (
            (A1, z(2026, 11, 15, 17), "done", z(2026, 11, 15, 17)),      # a1 done exactly at due: on time
            (A1, z(2026, 11, 17, 2), "done", z(2026, 11, 17, 2, 0, 1)),  # a2 one second late
            (A1, z(2026, 11, 18, 2), "open", None),                      # a3 still open, overdue now
            (A1, z(2026, 11, 21, 2), "open", None),                      # a4 due after NOW: not yet due, left out
            (A1, z(2026, 11, 21, 3), "done", z(2026, 11, 19)),           # a5 due after NOW, done early: on time
            (A1, z(2026, 11, 16, 2), "cancelled", None),                 # a6 cancelled: left out
            (A1, z(2026, 11, 10, 2), "done", z(2026, 11, 10, 1)),        # a7 previous week, on time
            (A1, z(2026, 11, 1), "snoozed", None),                       # a8 older: only overdue now
            (A1, E, "open", None),                                       # a9 due next week
            (A2, z(2026, 11, 16, 3), "open", None),                      # b1 (on A1's customer) overdue
            (A2, z(2026, 11, 12), "done", z(2026, 11, 13)),              # b2 previous week, late
            (B1, z(2026, 11, 17), "done", z(2026, 11, 16)),              # d1 on time
        ):
            s.add(NextAction(customer_id=c1, title="t", due_at=due, owner_id=owner, created_by=owner, status=status,
                             done_at=done, created_at=z(2026, 11, 1), updated_at=z(2026, 11, 1)))


def test_interactions_by_way_for_a_rep_a_team_and_everyone(db):
    _work(db)
    rep, team, everyone = (_figures(db, scope) for scope in (REP, TEAM, ALL))
    # A1: i1 visit, i2 phone this week; i4 visit the week before
    assert rep.interactions == Trend(2, 1)
    assert rep.interactions_by_way == {"phone": Trend(1, 0), "visit": Trend(1, 1)}
    # A1 + A2: i1, i2, i5 | i4, i8
    assert team.interactions == Trend(3, 2)
    assert team.interactions_by_way == {"email": Trend(1, 0), "phone": Trend(1, 0), "visit": Trend(1, 2)}
    # everyone: i1, i2, i5, i6, i7 | i4, i8
    assert everyone.interactions == Trend(5, 2)
    assert everyone.interactions_by_way == {"email": Trend(1, 0), "meeting": Trend(1, 0), "phone": Trend(1, 0),
                                            "visit": Trend(2, 2)}
    # an interaction counts by the day it happened in its author's zone: a week laid out in UTC holds
    # the same days (Mon 11-16 to Sun 11-22: i1 and i2; the week before: i4), not other instants
    utc = _figures(db, REP, period=Period.week(date(2026, 11, 18), "UTC"))
    assert utc.interactions_by_way == {"phone": Trend(1, 0), "visit": Trend(1, 1)}


def test_next_actions_on_time_late_and_overdue(db):
    _work(db)
    rep, team, everyone = (_figures(db, scope) for scope in (REP, TEAM, ALL))
    # A1 this week: on time a1, a5; late a2; still open a3 -> due 4; 2/4. Last week a7 on time.
    assert rep.actions == Trend(ActionCounts(due=4, done_on_time=2, done_late=1, still_open=1), ActionCounts(1, 1, 0, 0))
    assert (rep.completion_rate.value.pct, rep.completion_rate.previous.pct) == (50.0, 100.0)
    assert rep.overdue_now == 2  # a3, a8
    # + A2: b1 still open | b2 late
    assert team.actions == Trend(ActionCounts(5, 2, 1, 2), ActionCounts(2, 1, 1, 0))
    assert (team.completion_rate.value, team.overdue_now) == (Rate(2, 5), 3)  # a3, a8, b1
    # + B1: d1 on time
    assert everyone.actions == Trend(ActionCounts(6, 3, 1, 2), ActionCounts(2, 1, 1, 0))
    assert (everyone.completion_rate.value.pct, everyone.overdue_now) == (50.0, 3)
    # the completion target: 50% exactly meets a 50% minimum, misses 50.1% and the default 90%
    assert "completion_rate" in rep.misses
    assert "completion_rate" not in _figures(db, REP, targets=Targets(completion_min=50)).misses
    assert "completion_rate" in _figures(db, REP, targets=Targets(completion_min=50.1)).misses


def test_per_rep_lines(db):
    _work(db)
    with transaction(db) as s:
        lines = per_rep(session=s, period=WEEK, owner_ids={A1, A2, B1, "UNOBODY"}, now=NOW)
    assert lines == [
        RepLine(A1, logged=2, overdue_now=2, due=4, done_on_time=2, done_late=1),
        RepLine(A2, logged=1, overdue_now=1, due=1, done_on_time=0, done_late=0),
        RepLine(B1, logged=1, overdue_now=0, due=1, done_on_time=1, done_late=0),
        RepLine("UNOBODY", logged=0, overdue_now=0, due=0, done_on_time=0, done_late=0),
    ]


# -- the lifecycle: new leads, funnel, churn, retention, days in stage ----------------------------

def _lifecycle(db) -> None:
    """Current stage = the last move's; 'x' marks a customer's creation (from_stage NULL)."""
    d = z(2026, 1, 1)
    with transaction(db) as s:
        _people(s)
        for n, owner, created, stage, tier, moves in (
            (11, A1, z(2026, 10, 1), "nurturing", None, [(z(2026, 11, 17), "lead", "nurturing")]),          # L1
            (12, A1, z(2026, 11, 16), "converted", None, [(z(2026, 11, 18, 12), "lead", "converted")]),     # L2
            (13, A1, S, "lead", None, []),                                                                  # L3
            (14, A1, z(2026, 11, 10), "converted", None, [(z(2026, 11, 12), "lead", "nurturing"),
                                                          (z(2026, 11, 19), "nurturing", "converted")]),    # L4
            (15, A1, E, "lead", None, []),                                                                  # L5
            (21, A1, d, "churned", "high", [(z(2026, 2, 1), "lead", "converted"), (z(2026, 6, 1), "converted", "mature"),
                                            (z(2026, 11, 20), "mature", "churned")]),                       # K1
            (22, A1, d, "converted", "high", [(z(2026, 3, 1), "lead", "converted"),
                                              (z(2026, 11, 18), "converted", "converted")]),                # K2 status only
            (23, A1, d, "churned", None, [(z(2026, 3, 1), "lead", "converted"), (z(2026, 11, 12), "converted", "churned")]),
            (24, A2, d, "converted", None, [(z(2026, 2, 1), "lead", "converted"), (z(2026, 11, 17), "converted", "churned"),
                                            (z(2026, 11, 19), "churned", "converted")]),                    # K4 won back
            (25, B1, d, "converted", None, [(z(2026, 2, 1), "lead", "converted")]),                         # K5
            (28, B1, d, "churned", None, [(z(2026, 2, 1), "lead", "converted"), (S, "converted", "churned")]),  # K8
        ):
            _customer(s, n, owner, created, stage=stage, value_tier=tier)
            _history(s, n, (created, None, "lead"), *moves)
        _customer(s, 26, A1, z(2025, 1, 1), stage="mature")  # K6: from before the history: no rows at all
        _customer(s, 27, A2, z(2026, 11, 1), stage="converted")  # K7: no creation row, one move
        _history(s, 27, (z(2026, 11, 21), "nurturing", "converted"))


def test_new_leads_and_the_funnel(db):
    _lifecycle(db)
    rep, everyone = _figures(db, REP), _figures(db, ALL)
    # created this week: L2 (11-16), L3 (at S); L5 (at E) is next week's. Last week: L4.
    assert rep.new_leads == everyone.new_leads == Trend(2, 1)
    # leads this week: L1 (lead at S), L2 and L3 (created); moved on: L1 -> nurturing, L2 -> converted
    # last week: L1 (lead at P0), L4 (created 11-10); moved on: L4 -> nurturing (11-12)
    assert rep.lead_to_nurturing == Trend(Rate(2, 3), Rate(1, 2))
    # nurturing this week: L4 (at S), L1 (entered 11-17); on to converted: L4. Last week: L4 (entered), none on.
    assert rep.nurturing_to_converted == Trend(Rate(1, 2), Rate(0, 1))
    # of this week's leads L1, L2, L3, converted this week: L2
    assert rep.lead_to_converted == Trend(Rate(1, 3), Rate(0, 2))
    assert (rep.lead_to_nurturing.value.pct, rep.lead_to_converted.value.pct) == (66.7, 33.3)
    # everyone adds K7 (A2): nurturing at S and at P0 (its one move is 11-21), converted this week
    assert everyone.nurturing_to_converted == Trend(Rate(2, 3), Rate(0, 2))
    assert everyone.lead_to_nurturing == rep.lead_to_nurturing and everyone.lead_to_converted == rep.lead_to_converted


def test_churn_and_retention_overall_and_high_value(db):
    _lifecycle(db)
    rep, team, everyone = (_figures(db, scope) for scope in (REP, TEAM, ALL))
    # A1 active at S: K1 (mature), K2 (converted), K6 (mature, no history); churned this week: K1.
    # active at E: K2, K6. At P0: K1, K2, K3, K6; churned last week: K3; active at S: K1, K2, K6.
    assert rep.churn_rate == Trend(Rate(1, 3), Rate(1, 4))
    assert rep.retention_rate == Trend(Rate(2, 3), Rate(3, 4))
    # high value: K1, K2
    assert rep.high_value_churn_rate == Trend(Rate(1, 2), Rate(0, 2))
    # + K4 (A2): active at S and P0, churned 11-17 and won back 11-19: a churn, and retained at E
    assert team.churn_rate == Trend(Rate(2, 4), Rate(1, 5))
    assert team.retention_rate == Trend(Rate(3, 4), Rate(4, 5))
    # + K5 (B1): active throughout; K8 (B1): churned at S exactly, so active at S and churned this week, and
    # still active at the end of last week. K7 was nurturing at S: not in the cohort.
    assert everyone.churn_rate == Trend(Rate(3, 6), Rate(1, 7))
    assert everyone.retention_rate == Trend(Rate(4, 6), Rate(6, 7))
    assert everyone.churn_rate.previous.pct == 14.3
    assert (everyone.retention_rate.value.pct, everyone.retention_rate.previous.pct) == (66.7, 85.7)
    assert everyone.high_value_churn_rate == Trend(Rate(1, 2), Rate(0, 2))
    # default targets: churn <= 10% and high value <= 5% both missed; met at 50% and 50%, missed just under
    assert {"churn_rate", "high_value_churn_rate"} <= set(everyone.misses)
    met = _figures(db, ALL, targets=Targets(churn_max=50, high_value_churn_max=50))
    assert not {"churn_rate", "high_value_churn_rate"} & set(met.misses)
    missed = _figures(db, ALL, targets=Targets(churn_max=49.9, high_value_churn_max=49.9))
    assert {"churn_rate", "high_value_churn_rate"} <= set(missed.misses)


def test_average_days_in_each_stage_and_the_sales_cycle(db):
    _lifecycle(db)
    rep, everyone = _figures(db, REP), _figures(db, ALL)
    # A1 this week, leaving lead: L1 47 d (10-01 -> 11-17), L2 2.5 d (11-16 -> 11-18 12:00) -> 24.75 -> 24.8
    # leaving nurturing: L4 7 d (11-12 -> 11-19); leaving mature: K1 172 d (06-01 -> 11-20); K2's move is a status
    # last week: leaving lead L4 2 d (11-10 -> 11-12); leaving converted K3 256 d (03-01 -> 11-12)
    assert rep.days_in_stage == {"lead": Trend(24.8, 2.0), "nurturing": Trend(7.0, None), "converted": Trend(None, 256.0),
                                 "mature": Trend(172.0, None), "churned": Trend(None, None)}
    # into converted from lead or nurturing this week: L2 2.5 d and L4 9 d after creation -> 5.75 -> 5.8
    assert rep.sales_cycle_days == Trend(5.8, None)
    # everyone: K4 leaves converted 11-17 after 289 d and churned 11-19 after 2 d; K8 leaves converted at S after
    # 287 d 16 h: (289 + 287.667) / 2 = 288.3; K7 leaves nurturing after 20 d counted from its created_at (no row
    # entered it): nurturing (7 + 20) / 2 = 13.5; cycle (2.5 + 9 + 20) / 3
    assert everyone.days_in_stage == {"lead": Trend(24.8, 2.0), "nurturing": Trend(13.5, None),
                                      "converted": Trend(288.3, 256.0), "mature": Trend(172.0, None),
                                      "churned": Trend(2.0, None)}
    assert everyone.sales_cycle_days == Trend(10.5, None)


# -- deals -------------------------------------------------------------------------------------------

def _deals(db) -> None:
    with transaction(db) as s:
        _people(s)
        for n, owner in ((1, A1), (2, A1), (3, A2)):
            _customer(s, n, owner, z(2026, 1, 1), stage="converted")
        for n, owner, cid, stage, amount, currency, moved, before in (
            (1, A1, 1, "won", "1000.50", "CNY", S, "negotiation"),
            (2, A1, 1, "won", "2000.25", "CNY", E - US, "proposal"),
            (3, A1, 2, "won", "300", "USD", z(2026, 11, 17), "negotiation"),
            (4, A1, 1, "won", "500", "CNY", S - US, "negotiation"),   # last week
            (5, A2, 3, "won", "700", "CNY", z(2026, 11, 18), "negotiation"),
            (6, A1, 1, "lost", "900", "CNY", z(2026, 11, 18), "proposal"),
            (7, A1, 2, "won", "100", "CNY", E, "negotiation"),        # next week
            (8, A1, 1, "negotiation", "50", "CNY", z(2026, 11, 19), None),  # created this week, not moved
        ):
            closed = moved if stage in ("won", "lost") else None
            s.add(Deal(id=n, customer_id=cid, title=f"D{n}", amount=Decimal(amount), currency=currency, stage=stage,
                       owner_id=owner, created_by=owner, stage_changed_at=moved, closed_at=closed,
                       created_at=z(2026, 11, 19) if before is None else z(2026, 10, 1), updated_at=moved))
            if before is not None:
                s.add(AuditEntry(at=moved, by=owner, entity="deal", entity_id=n, customer_id=cid, field="stage", old=before,
                                 new=stage))


def test_deals_won_per_currency_and_repurchase(db):
    _deals(db)
    rep, team = _figures(db, REP), _figures(db, TEAM)
    # A1: D1 + D2 CNY, D3 USD | D4 CNY; D6 lost, D7 next week
    assert rep.deals_won == Trend({"CNY": Won(2, Decimal("3000.75")), "USD": Won(1, Decimal("300.00"))},
                                  {"CNY": Won(1, Decimal("500.00"))})
    assert team.deals_won == Trend({"CNY": Won(3, Decimal("3700.75")), "USD": Won(1, Decimal("300.00"))},
                                   {"CNY": Won(1, Decimal("500.00"))})
    # won before E: customer 1 three deals (D1, D2, D4), customer 2 one (D3; D7 is at E), customer 3 one (D5)
    # won before S: customer 1 one (D4)
    assert rep.repurchase_rate == Trend(Rate(1, 2), Rate(0, 1))
    assert team.repurchase_rate == Trend(Rate(1, 3), Rate(0, 1))


def test_deals_moved_newest_first(db):
    _deals(db)
    with transaction(db) as s:
        page = deals_moved(session=s, period=WEEK, scope=REP, limit=3)
        team = deals_moved(session=s, period=WEEK, scope=TEAM, limit=10)
    assert page.total == 5  # D2, D8, D6, D3, D1
    assert [(m.deal_id, m.from_stage, m.to_stage, m.moved_at) for m in page.items] == [
        (2, "proposal", "won", E - US), (8, None, "negotiation", z(2026, 11, 19)), (6, "proposal", "lost", z(2026, 11, 18))]
    assert (page.items[0].amount, page.items[0].currency, page.items[0].customer_name) == (Decimal("2000.25"), "CNY", "客户1")
    assert [m.deal_id for m in team.items] == [2, 8, 6, 5, 3, 1] and team.total == 6  # D5 and D6 tie: higher id first


# -- NPS -----------------------------------------------------------------------------------------------

def test_nps_for_each_scope_against_the_target_and_its_detractors(db):
    with transaction(db) as s:
        _people(s)
        for n, owner in ((1, A1), (2, A1), (3, A2), (4, B1)):
            _customer(s, n, owner, z(2026, 1, 1), stage="mature")
        for cid, score, at in ((1, 10, S), (1, 9, z(2026, 11, 17)), (2, 8, z(2026, 11, 18)), (2, 3, z(2026, 11, 19)),
                               (3, 6, z(2026, 11, 19, 1)), (4, 10, z(2026, 11, 18)),
                               (1, 10, S - US), (2, 10, P0), (1, 0, E)):
            s.add(NpsResponse(customer_id=cid, score=score, comment=f"c{score}", source="slack", responded_at=at))
    rep, team, everyone = (_figures(db, scope) for scope in (REP, TEAM, ALL))
    # A1: 10, 9, 8, 3 -> (2 - 1) / 4 = 25.0 | 10, 10 -> 100.0; the 0 at E is next week's
    assert (rep.nps.value.responses, rep.nps.value.nps, rep.nps.previous.nps) == (4, 25.0, 100.0)
    # + A2's 6: (2 - 2) / 5 = 0.0; + B1's 10: (3 - 2) / 6 = 16.7
    assert (team.nps.value.nps, everyone.nps.value.nps) == (0.0, 16.7)
    assert "nps" in rep.misses  # below 80
    assert "nps" not in _figures(db, TEAM, targets=Targets(nps_min=0)).misses
    assert "nps" in _figures(db, TEAM, targets=Targets(nps_min=0.1)).misses
    with transaction(db) as s:
        mine = detractors(session=s, period=WEEK, scope=REP)
        ours = detractors(session=s, period=WEEK, scope=TEAM, limit=1)
    assert [(d.customer_id, d.score, d.comment, d.owner_id) for d in mine.items] == [(2, 3, "c3", A1)] and mine.total == 1
    assert [(d.customer_id, d.score) for d in ours.items] == [(3, 6)] and ours.total == 2


# -- tickets: SLA compliance and first-response time ----------------------------------------------

# Shanghai 09:00-18:00 is 01:00Z-10:00Z. Targets: reply 120 min, solve 1440 min. Expected (response,
# resolution): 1 met, 0 missed, None pending (not stopped, not over yet).
TICKETS = [
    # n, customer, business, created, first response, solved, pending since, paused (resp, res), expected
    (1, 1, False, z(2026, 11, 16, 2), z(2026, 11, 16, 4), z(2026, 11, 17, 2), None, (0, 0), (1, 1)),  # both exactly on target
    (2, 1, False, z(2026, 11, 16, 3), z(2026, 11, 16, 5) + US, z(2026, 11, 17, 3, 0, 1), None, (0, 0), (0, 0)),  # 1 µs / 1 s over
    # Mon 17:00 SH: 60 + 60 business min to Tue 10:00 SH; solved Thu 14:00:01 SH, 1 s past 1440 business min
    (3, 1, True, z(2026, 11, 16, 9), z(2026, 11, 17, 2), z(2026, 11, 19, 6, 0, 1), None, (0, 0), (1, 0)),
    # Tue 17:30 SH, reply Wed 11:00 SH: 30 + 120 business min less 30 paused = 120; unsolved: 1290 - 30 by NOW
    (4, 1, True, z(2026, 11, 17, 9, 30), z(2026, 11, 18, 3), None, None, (30, 30), (1, None)),
    (5, 3, True, z(2026, 11, 16, 1), None, None, None, (0, 0), (0, 0)),  # Mon 09:00 SH, untouched: 2340 min by NOW
    (6, 1, True, z(2026, 11, 19, 1, 30), None, None, z(2026, 11, 19, 2), (0, 0), (None, None)),  # paused after 30 min
    (7, 4, True, z(2026, 11, 18, 1), None, None, z(2026, 11, 19, 1), (0, 0), (0, None)),  # paused after 540: over stays over
    (8, 1, False, z(2026, 11, 20, 3, 30), None, None, None, (0, 0), (None, None)),  # 30 min old
    (9, 1, False, z(2026, 11, 10, 2), z(2026, 11, 10, 3), z(2026, 11, 10, 10), None, (0, 0), (1, 1)),  # last week
    (10, 1, False, E, E + timedelta(minutes=1), None, None, (0, 0), (1, None)),  # next week's
    (11, 1, True, S, z(2026, 11, 16, 2), z(2026, 11, 16, 3), None, (0, 0), (1, 1)),  # Mon 00:00 SH: the night is free
    (12, 4, False, z(2026, 11, 18, 2), z(2026, 11, 18, 2) + timedelta(minutes=1100), None, None, (0, 0), (0, 0)),
]


def _tickets(db) -> None:
    with transaction(db) as s:
        _people(s)
        for n, owner in ((1, A1), (3, A2), (4, B1)):
            _customer(s, n, owner, z(2026, 1, 1), stage="mature")
        for n, cid, business, created, replied, solved, pending, (rp, sp), _ in TICKETS:
            status = "solved" if solved else "pending" if pending else "open" if replied else "new"
            s.add(Ticket(id=n, code=f"T{n}", customer_id=cid, priority="P3" if business else "P1", type="enquiry",
                         description="d", status=status, created_by=A1, created_at=created, updated_at=created,
                         first_response_at=replied, solved_at=solved, pending_since=pending, sla_business=business,
                         response_minutes=120, resolution_minutes=1440, response_paused_minutes=rp,
                         resolution_paused_minutes=sp))


def test_sla_clock_states_match_store_sla(db):
    _tickets(db)
    with transaction(db) as s:
        q = clock_states(s, since=P0, until=E + timedelta(days=1), owner_ids=None, now=NOW, calendar=CAL)
        got = {row.id: (row.response, row.resolution) for row in s.execute(select(q))}
        python = {t.id: tuple({"met": MET, "breached": MISSED}.get(state(CAL, c, NOW)) for c in clocks(t).values())
                  for t in s.exec(select(Ticket))}
    assert got == python == {n: expected for n, *_, expected in TICKETS}


def test_sla_compliance_and_median_first_response(db):
    _tickets(db)
    rep, everyone = _figures(db, REP), _figures(db, ALL)
    # A1 (customer 1) created this week: T1 T2 T3 T4 T6 T8 T11. Replies met: T1 T3 T4 T11, missed T2;
    # solutions met T1 T11, missed T2 T3. Last week: T9 met both. T10 (at E) is next week's.
    assert (rep.sla_response, rep.sla_resolution) == (Trend(Rate(4, 5), Rate(1, 1)), Trend(Rate(2, 4), Rate(1, 1)))
    # wall-clock waits: T1 120 min, T2 120 min + 1 µs, T11 600 min, T3 1020 min, T4 1050 min -> the middle one
    assert rep.median_first_response == Trend(timedelta(minutes=600), timedelta(minutes=60))
    # everyone adds T5 (missed both), T7 (reply missed) and T12 (both missed: replied after 1100 min, unsolved 50 h)
    assert (everyone.sla_response, everyone.sla_resolution) == (Trend(Rate(4, 8), Rate(1, 1)), Trend(Rate(2, 6), Rate(1, 1)))
    # six waits: the mean of the middle two, 600 and 1020 min
    assert everyone.median_first_response.value == timedelta(minutes=810)
    assert "sla_response" not in everyone.misses  # no SLA target by default
    assert "sla_response" not in _figures(db, ALL, targets=Targets(sla_response_min=50)).misses
    assert {"sla_response", "sla_resolution"} <= set(_figures(db, ALL, targets=Targets(sla_response_min=50.1,
                                                                                      sla_resolution_min=34)).misses)


def test_sla_breaches_oldest_first(db):
    _tickets(db)
    with transaction(db) as s:
        page = sla_breaches(session=s, period=WEEK, scope=ALL, now=NOW, calendar=CAL, limit=4)
        mine = sla_breaches(session=s, period=WEEK, scope=REP, now=NOW, calendar=CAL)
    assert page.total == 5
    assert [(b.code, b.response_missed, b.resolution_missed, b.owner_id) for b in page.items] == [
        ("T5", True, True, A2), ("T2", True, True, A1), ("T3", False, True, A1), ("T7", True, False, B1)]
    assert [b.code for b in mine.items] == ["T2", "T3"] and mine.total == 2


# -- stale customers ---------------------------------------------------------------------------------

def test_stale_customers_by_grade_cadence(db):
    with transaction(db) as s:
        _people(s)
        for n, owner, grade, stage, last, created in (
            (1, A1, "A", "lead", NOW - timedelta(days=7) - US, z(2026, 1, 1)),  # just over a week: stale
            (2, A1, "A", "lead", NOW - timedelta(days=7), z(2026, 1, 1)),       # exactly a week: not yet
            (3, A1, "B", "nurturing", None, NOW - timedelta(days=15)),          # never touched, created 15 d ago
            (4, A1, "C", "churned", NOW - timedelta(days=31), z(2026, 1, 1)),   # churned: not chased
            (5, A2, "C", "mature", NOW - timedelta(days=40), z(2026, 1, 1)),
            (6, A1, None, "lead", NOW - timedelta(days=400), z(2025, 1, 1)),    # ungraded: no cadence by default
            (7, A1, "B", "lead", NOW - timedelta(days=10), z(2026, 1, 1)),
        ):
            _customer(s, n, owner, created, stage=stage, grade=grade, last_interaction_at=last)
    with transaction(db) as s:
        mine = stale_customers(session=s, scope=REP, now=NOW)
        ours = stale_customers(session=s, scope=TEAM, now=NOW, limit=2)
        all_ = stale_customers(session=s, scope=ALL, now=NOW, cadence=Cadence(ungraded=timedelta(days=365)), limit=1)
    assert [(c.customer_id, c.untouched_since) for c in mine.items] == [(3, NOW - timedelta(days=15)),
                                                                        (1, NOW - timedelta(days=7) - US)]
    assert (mine.items[0].last_interaction_at, mine.total) == (None, 2)
    assert [c.customer_id for c in ours.items] == [5, 3] and ours.total == 3
    assert [c.customer_id for c in all_.items] == [6] and all_.total == 4
