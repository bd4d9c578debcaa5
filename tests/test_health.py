"""Customer health on SQLite and PostgreSQL: hand-computed scores, bands, explanations, history,
the listing for /crm risk, and revision 0004 upgrading a 0003 database without loss."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import count

import pytest

from store.db import transaction
from store.health import CODES, COMPONENTS, Facts, HealthWeights, gather, history, reason, recompute, reasons_of, score_of
from store.health_watch import at_risk
from store.models import Customer, Deal, Interaction, NextAction, NpsResponse, Ticket

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai; "today" is 2026-11-16
TODAY = NOW.date()
DAYS = timedelta(days=1)
HOURS = timedelta(hours=1)
# The scores below use RFM over four customers: the default asks for ten before RFM counts.
W = HealthWeights(rfm_min_customers=4)
_codes = count(1)


def _customer(s, name, *, stage="mature", grade=None, owner="U1", created=NOW - 200 * DAYS, last=None, **kw) -> int:
    row = Customer(code=f"C{name}", name=name, name_norm=name.casefold(), stage=stage, status=kw.pop("status", "stable"),
                   grade=grade, owner_id=owner, created_by=owner, created_at=created, updated_at=created,
                   last_interaction_at=last, **kw)
    s.add(row)
    s.flush()
    return row.id


def _met(s, cid, *days_ago):
    for d in days_ago:
        s.add(Interaction(customer_id=cid, occurred_on=TODAY - timedelta(days=d), way="visit", summary="s", author_id="U1",
                          created_at=NOW - d * DAYS))


def _nps(s, cid, score, at):
    s.add(NpsResponse(customer_id=cid, score=score, source="slack", responded_at=at, created_at=at))


def _ticket(s, cid, *, created, status="open", business=False, first=None, solved=None, closed=None, pending=None):
    s.add(Ticket(code=f"T{next(_codes):04d}", customer_id=cid, priority="P2" if business else "P1", type="complaint",
                 description="d", status=status, created_by="U1", created_at=created, updated_at=created,
                 sla_business=business, response_minutes=120, resolution_minutes=1440, first_response_at=first,
                 solved_at=solved, closed_at=closed, pending_since=pending))


def _action(s, cid, due, status="open"):
    s.add(NextAction(customer_id=cid, title="t", due_at=due, owner_id="U1", created_by="U1", status=status,
                     created_at=NOW - 30 * DAYS, updated_at=NOW - 30 * DAYS))


def _deal(s, cid, signed_on, amount, *, renewal_on=None, stage="won"):
    s.add(Deal(customer_id=cid, title="d", amount=Decimal(amount), stage=stage, owner_id="U1", created_by="U1",
               stage_changed_at=NOW - 300 * DAYS, signed_on=signed_on, renewal_on=renewal_on))


@pytest.fixture
def five(db):
    """Customers A-E (active), F (churned, with an old stored score) and G (a lead)."""
    with transaction(db) as s:
        ids = {}
        # A, grade B (cadence 14 days), last contact 40 days ago
        a = ids["A"] = _customer(s, "A", grade="B", last=NOW - 40 * DAYS)
        _met(s, a, 40, 50, 60, 70, 80, 119, 120)                  # 6 in the 90 days before the last 30; 120 is out
        _nps(s, a, 8, NOW - 60 * DAYS)
        _nps(s, a, 3, NOW - 5 * DAYS)
        _ticket(s, a, created=NOW - 10 * DAYS, first=NOW - 10 * DAYS + HOURS)           # open, unsolved for 10 days: 1 breach
        _ticket(s, a, created=NOW - 20 * DAYS, status="solved", first=NOW - 20 * DAYS + 3 * HOURS,
                solved=NOW - 20 * DAYS + 10 * HOURS)                                      # replied after 3 h: 1 breach
        _ticket(s, a, created=NOW - 100 * DAYS, status="closed", first=NOW - 100 * DAYS + 5 * HOURS,
                solved=NOW - 98 * DAYS, closed=NOW - 98 * DAYS)                           # older than 90 days
        _action(s, a, NOW - 3 * DAYS)
        _action(s, a, NOW - 10 * DAYS, status="snoozed")
        _action(s, a, NOW + DAYS)
        _action(s, a, NOW - 20 * DAYS, status="done")
        _deal(s, a, date(2025, 6, 1), 10000, renewal_on=date(2026, 12, 1))               # renewal in 15 days
        # B, grade A (cadence 7 days), last contact 3 days ago
        b = ids["B"] = _customer(s, "B", grade="A", last=NOW - 3 * DAYS)
        _met(s, b, 3, 10, 20, 29, 30, 31, 45, 60, 75, 90, 100)    # 4 in the last 30 days (29 is in, 30 is not), 7 before
        _nps(s, b, 7, NOW - 100 * DAYS)
        _nps(s, b, 9, NOW - 20 * DAYS)
        # Friday 17:00 Shanghai, replied Monday 09:30, solved Monday 15:00: 90 and 420 business minutes, both
        # met (64.5 wall-clock hours to the reply would have been a breach)
        _ticket(s, b, created=datetime(2026, 11, 6, 9, 0, tzinfo=UTC), business=True, status="solved",
                first=datetime(2026, 11, 9, 1, 30, tzinfo=UTC), solved=datetime(2026, 11, 9, 7, 0, tzinfo=UTC))
        _ticket(s, b, created=NOW - 3 * DAYS, status="closed", closed=NOW - 3 * DAYS + HOURS)  # closed at once: clocks stop
        _action(s, b, NOW + DAYS)
        for signed, renewal in ((date(2026, 1, 15), None), (date(2026, 5, 20), None), (date(2026, 9, 1), date(2027, 2, 14))):
            _deal(s, b, signed, 100000, renewal_on=renewal)
        _deal(s, b, None, 999999, stage="lost")
        # C, grade C (cadence 30 days), last contact 45 days ago, converted
        c = ids["C"] = _customer(s, "C", stage="converted", status="delivered", grade="C", last=NOW - 45 * DAYS)
        _met(s, c, 45, 60, 100)
        _nps(s, c, 2, NOW - 400 * DAYS)                           # older than a year: not counted
        _nps(s, c, 6, NOW - 10 * DAYS)
        _ticket(s, c, created=NOW - 30 * 60 * timedelta(seconds=1), status="new")
        _ticket(s, c, created=NOW - 45 * 60 * timedelta(seconds=1), status="new")
        _deal(s, c, date(2026, 4, 1), 20000, renewal_on=date(2026, 11, 10))             # renewal passed
        _deal(s, c, date(2026, 10, 20), 30000)
        _deal(s, c, None, 5000, renewal_on=date(2026, 12, 10), stage="negotiation")     # not won
        # D, ungraded (30 days), never contacted, created 50 days ago, owned by U2
        d = ids["D"] = _customer(s, "D", owner="U2", created=NOW - 50 * DAYS)
        _ticket(s, d, created=NOW - 90 * 60 * timedelta(seconds=1), status="new")       # 90 min: nothing breached yet
        _ticket(s, d, created=NOW - 5 * HOURS, first=NOW - 5 * HOURS + 30 * 60 * timedelta(seconds=1))
        _ticket(s, d, created=NOW - 2 * DAYS, status="pending", first=NOW - 2 * DAYS + 3 * HOURS,
                pending=NOW - 2 * DAYS + 20 * HOURS)  # reply late: 1 breach; 20 h used, then paused: resolution not
        _ticket(s, d, created=NOW - 30 * DAYS, status="closed", first=NOW - 30 * DAYS + HOURS,
                solved=NOW - 30 * DAYS + 30 * HOURS, closed=NOW - 29 * DAYS)            # solved after 30 h: 1 breach
        for due in (NOW - 2 * DAYS, NOW - 5 * DAYS, NOW - HOURS):
            _action(s, d, due)
        _deal(s, d, date(2026, 3, 1), 20000)
        # E, grade A, last contact 8 days ago, no deal and no NPS
        e = ids["E"] = _customer(s, "E", grade="A", last=NOW - 8 * DAYS)
        _met(s, e, 8)
        # F churned (its stored score goes), G a lead (never scored); their won deals are not in RFM
        f = ids["F"] = _customer(s, "F", stage="churned", status="lost_for_good", health_score=50, health_band="yellow",
                                 health_at=NOW - DAYS)
        _deal(s, f, date(2026, 11, 1), 5000000)
        g = ids["G"] = _customer(s, "G", stage="lead", status="to_nurture")
        _deal(s, g, date(2026, 11, 2), 4000000)
    return ids


def _parts(components):
    return [(c["name"], c["points"], c["code"], c["params"]) for c in components]


# RFM over A-D (four rows: NTILE(5) gives 1-4):
#   R by last sign date: A 2025-06-01, D 2026-03-01, B 2026-09-01, C 2026-10-20     -> A1 D2 B3 C4
#   F by deals: A 1, D 1 (tie, by id), C 2, B 3                                      -> A1 D2 C3 B4
#   M by amount: A 10,000, D 20,000, C 50,000, B 300,000                             -> A1 D2 C3 B4
#   A 1-1-1 lost 0, B 3-4-4 loyal 90, C 4-3-3 potential_loyalist 80, D 2-2-2 hibernating 15
EXPLAINED = {
    "A": [("recency", 7, "recency_late", {"days": 40, "cadence_days": 14, "since": "2026-10-07T02:00:00+00:00"}),  # 100*(42-40)/28 = 7.1 -> 7
          ("nps", 5, "nps_down", {"score": 3, "previous": 8}),                # 10*3 + 5*(3-8) = 5
          ("tickets", 50, "tickets", {"open": 1, "breaches": 2, "days": 90}),  # 100 - 10 - 2*20
          ("interactions", 0, "interactions_down", {"count": 0, "usual": 2.0, "days": 30}),  # 0 against 6/3
          ("actions", 50, "actions_overdue", {"count": 2, "oldest_days": 10, "oldest_on": "2026-11-06"}),  # 100 - 2*25
          ("renewal", 25, "renewal_soon", {"days": 15, "on": "2026-12-01"}),   # 100*15/60
          ("rfm", 0, "rfm", {"cell": "1-1-1", "segment": "lost"})],
    "B": [("recency", 100, "recency_ok", {"days": 3, "cadence_days": 7, "since": "2026-11-13T02:00:00+00:00"}),
          ("nps", 100, "nps_up", {"score": 9, "previous": 7}),                # 90 + 5*2 = 100
          ("tickets", 100, "tickets_none", {"open": 0, "breaches": 0, "days": 90}),
          ("interactions", 100, "interactions_up", {"count": 4, "usual": 2.3, "days": 30}),  # 100*4/(7/3) > 100
          ("actions", 100, "actions_none", {}),
          ("renewal", 100, "renewal_none", {"days": 60}),                     # 2027-02-14 is 90 days away
          ("rfm", 90, "rfm", {"cell": "3-4-4", "segment": "loyal"})],
    "C": [("recency", 75, "recency_late", {"days": 45, "cadence_days": 30, "since": "2026-10-02T02:00:00+00:00"}),  # 100*(90-45)/60
          ("nps", 60, "nps_first", {"score": 6}),
          ("tickets", 80, "tickets", {"open": 2, "breaches": 0, "days": 90}),
          ("interactions", 0, "interactions_down", {"count": 0, "usual": 1.0, "days": 30}),
          ("actions", 100, "actions_none", {}),
          ("renewal", 100, "renewal_none", {"days": 60}),
          ("rfm", 80, "rfm", {"cell": "4-3-3", "segment": "potential_loyalist"})],
    "D": [("recency", 67, "recency_never", {"days": 50, "cadence_days": 30, "since": "2026-09-27T02:00:00+00:00"}),  # 100*(90-50)/60 = 66.7 -> 67
          ("nps", None, "nps_none", {}),
          ("tickets", 30, "tickets", {"open": 3, "breaches": 2, "days": 90}),   # 100 - 3*10 - 2*20
          ("interactions", 0, "interactions_none", {"count": 0, "usual": 0.0, "days": 30}),
          ("actions", 25, "actions_overdue", {"count": 3, "oldest_days": 5, "oldest_on": "2026-11-11"}),
          ("renewal", None, "renewal_nothing", {}),
          ("rfm", 15, "rfm", {"cell": "2-2-2", "segment": "hibernating"})],
    "E": [("recency", 93, "recency_late", {"days": 8, "cadence_days": 7, "since": "2026-11-08T02:00:00+00:00"}),   # 100*(21-8)/14 = 92.9 -> 93
          ("nps", None, "nps_none", {}),
          ("tickets", 100, "tickets_none", {"open": 0, "breaches": 0, "days": 90}),
          ("interactions", 100, "interactions_new", {"count": 1, "usual": 0.0, "days": 30}),
          ("actions", 100, "actions_none", {}),
          ("renewal", None, "renewal_nothing", {}),
          ("rfm", None, "rfm_none", {})],
}
SCORES = {
    # A: 25*7 + 20*5 + 15*50 + 10*0 + 10*50 + 5*25 + 15*0 = 175+100+750+0+500+125+0 = 1650; /100 = 16.5 -> 17
    "A": (17, "red"),
    # B: 25*100 + 20*100 + 15*100 + 10*100 + 10*100 + 5*100 + 15*90 = 9850; /100 = 98.5 -> 99 (half up)
    "B": (99, "green"),
    # C: 25*75 + 20*60 + 15*80 + 10*0 + 10*100 + 5*100 + 15*80 = 1875+1200+1200+0+1000+500+1200 = 6975; 69.75 -> 70
    "C": (70, "green"),
    # D: no NPS, no won deal with a renewal date, weights 100 - 20 - 5 = 75: 25*67 + 15*30 + 10*0 + 10*25 + 15*15
    #    = 1675+450+0+250+225 = 2600; 2600/75 = 34.67 -> 35
    "D": (35, "red"),
    # E: no NPS, no RFM, no renewal date, weights 60: 25*93 + 15*100 + 10*100 + 10*100 = 5825; 5825/60 = 97.08 -> 97
    "E": (97, "green"),
}


def test_hand_computed_scores_bands_and_explanations(db, five):
    with transaction(db) as s:
        report = recompute(session=s, now=NOW, weights=W)
    assert (report.computed, report.written, report.cleared, report.bands) == (5, 5, 1, {"green": 3, "yellow": 0, "red": 2})
    with transaction(db) as s:
        rows = {name: history(session=s, customer_id=cid) for name, cid in five.items()}
        customers = {name: s.get(Customer, cid) for name, cid in five.items()}
    for name, (score, band) in SCORES.items():
        (row,) = rows[name]
        assert (row.score, row.band, row.previous_score, row.previous_band, row.computed_at) == (score, band, None, None, NOW)
        assert _parts(row.components) == EXPLAINED[name], name
        assert [c["weight"] for c in row.components] == [25, 20, 15, 10, 10, 5, 15]
        cust = customers[name]
        assert (cust.health_score, cust.health_band, cust.health_at) == (score, band, NOW)
    assert [(rows[n][0].rfm_cell, rows[n][0].segment) for n in "ABCDE"] == [
        ("1-1-1", "lost"), ("3-4-4", "loyal"), ("4-3-3", "potential_loyalist"), ("2-2-2", "hibernating"), (None, None)]
    # F lost its stored score; G, a lead, was never scored; nobody's updated_at moved
    assert [(customers[n].health_score, customers[n].health_band, customers[n].health_at) for n in "FG"] == [(None,) * 3] * 2
    assert rows["F"] == rows["G"] == []
    assert {customers[n].updated_at for n in "ABCDEFG"} <= {NOW - 200 * DAYS, NOW - 50 * DAYS}


def test_the_reasons_are_the_components_that_cost_most(db, five):
    with transaction(db) as s:
        recompute(session=s, now=NOW, weights=W)
        rows = {name: history(session=s, customer_id=five[name])[0] for name in "ABD"}
    # A costs: recency 25*93 = 2325, nps 20*95 = 1900, rfm 15*100 = 1500, interactions 1000, tickets 750, ...
    assert reasons_of(rows["A"].components) == [("recency_late", {"days": 40, "cadence_days": 14, "since": "2026-10-07T02:00:00+00:00"}),
                                                ("nps_down", {"score": 3, "previous": 8}),
                                                ("rfm", {"cell": "1-1-1", "segment": "lost"})]
    # D costs: rfm 15*85 = 1275, tickets 15*70 = 1050, interactions 1000, recency 25*33 = 825, actions 750
    assert reasons_of(rows["D"].components) == [("rfm", {"cell": "2-2-2", "segment": "hibernating"}),
                                                ("tickets", {"open": 3, "breaches": 2, "days": 90}),
                                                ("interactions_none", {"count": 0, "usual": 0.0, "days": 30})]
    # B: only RFM costs anything (15*10)
    assert reasons_of(rows["B"].components, 3) == [("rfm", {"cell": "3-4-4", "segment": "loyal"})]


def test_with_the_default_weights_four_customers_are_too_few_for_rfm(db, five):
    with transaction(db) as s:
        facts = gather(session=s, now=NOW)
    assert sorted(facts) == sorted(five[n] for n in "ABCDE")
    health = score_of(facts[five["A"]], now=NOW)
    # A without RFM: weights 85, 1650/85 = 19.41 -> 19
    assert (health.score, health.band, health.rfm_cell, reason(health.components[-1])) == (19, "red", None, ("rfm_none", {}))
    a = facts[five["A"]]
    assert (a.nps, a.open_tickets, a.breaches, a.recent_interactions, a.prior_interactions, a.overdue_actions,
            a.oldest_overdue_at, a.renewal_on) == ((3, 8), 1, 2, 0, 6, 2, NOW - 10 * DAYS, date(2026, 12, 1))


def test_band_boundaries_and_weights():
    w = HealthWeights()
    assert [w.band(s) for s in (0, 39, 40, 69, 70, 100)] == ["red", "red", "yellow", "yellow", "green", "green"]
    assert [HealthWeights(green_min=80, yellow_min=50).band(s) for s in (49, 50, 79, 80)] == ["red", "yellow", "yellow", "green"]
    assert sum(w.weight(name) for name in COMPONENTS) == 100
    for bad in (dict(yellow_min=70), dict(green_min=101), dict(nps=-1), dict(recency=2.5),
                dict(recency=0, tickets=0, interactions=0, actions=0, renewal=0), dict(recency_zero_cadences=1)):
        with pytest.raises(ValueError):
            HealthWeights(**bad)
    # the recency line: grade A (7 days), zero at 21 days
    facts = lambda days: Facts(grade="A", last_contact_at=NOW - days * DAYS)  # noqa: E731
    assert [score_of(facts(d), now=NOW).components[0]["points"] for d in (7, 8, 14, 20, 21, 60)] == [100, 93, 50, 7, 0, 0]
    assert len(set(CODES)) == len(CODES) == 22



def test_the_breach_shortcut_agrees_with_store_sla():
    import random

    from store.health import WorkingTime
    from store.sla import Calendar
    from store.sla_clock import Clock, state

    rng, cal = random.Random(3), Calendar()  # Shanghai 09:00-18:00, Monday-Friday, China's holidays and make-up days
    # windows for all the days the clocks run on, and for only some of them (store.sla walks the rest)
    whole, part = WorkingTime(cal, date(2026, 8, 31), date(2026, 12, 31)), WorkingTime(cal, date(2026, 9, 20), date(2026, 10, 12))
    agree = breached = 0
    for _ in range(3000):
        # September to November 2026: National Day week and its make-up working Sunday included
        start = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 90 * 24 * 60), seconds=rng.randint(0, 59))
        end = start + timedelta(minutes=rng.choice((rng.randint(0, 600), rng.randint(0, 20 * 24 * 60))))
        target, paused, business = rng.choice((120, 1440, rng.randint(1, 3000))), rng.choice((0, rng.randint(0, 600))), rng.random() < 0.8
        expected = state(cal, Clock(started_at=start, target_minutes=target, business=business, paused_minutes=paused,
                                    stopped_at=end), end) == "breached"
        clock = dict(started_at=start, end=end, target_minutes=target, paused_minutes=paused, business=business)
        agree += whole.breached(**clock) == part.breached(**clock) == expected
        breached += expected
    assert agree == 3000 and 600 < breached < 2400  # both outcomes well represented
    # a reply at 18:30 on a Friday to a clock due at 18:00 is on time; Monday 09:00:00.000001 is not
    friday_9 = datetime(2026, 11, 13, 1, 0, tzinfo=UTC)  # Friday 09:00 in Shanghai; 540 minutes -> due 18:00
    on = lambda end: whole.breached(started_at=friday_9, end=end, target_minutes=540, paused_minutes=0, business=True)  # noqa: E731
    assert [on(friday_9 + 9 * HOURS), on(friday_9 + 9.5 * HOURS), on(datetime(2026, 11, 16, 1, 0, tzinfo=UTC)),
            on(datetime(2026, 11, 16, 1, 0, 0, 1, tzinfo=UTC))] == [False, False, False, True]

def test_history_is_kept_when_the_score_or_band_changes(db, five):
    with transaction(db) as s:
        recompute(session=s, now=NOW, weights=W)
    with transaction(db) as s:  # the same instant again: nothing to write
        again = recompute(session=s, now=NOW, weights=W)
    assert (again.computed, again.written, again.cleared) == (5, 0, 0)
    # 23 hours on (01:00 UTC: "today" is now 2026-11-17), three scores changed:
    #   A: renewal 14 days away: 100*14/60 = 23.3 -> 23; 1650 - 5*(25-23) = 1640 -> 16.4 -> 16
    #   C: both tickets past 2 h without a reply: open 2, breaches 2 -> 100-20-40 = 40;
    #      6975 - 15*(80-40) = 6375 -> 63.75 -> 64, yellow
    #   D: the 90-minute ticket is now 24.5 h old (both clocks), the 5-hour one 28 h (resolution):
    #      breaches 5 -> 100-30-100 < 0 -> 0; 1675 + 0 + 0 + 250 + 225 = 2150; /75 = 28.7 -> 29
    # B's interactions moved (29 days ago is now the month before: 3 against 8/3) but its points did not
    with transaction(db) as s:
        later = recompute(session=s, now=NOW + 23 * HOURS, weights=W)
    assert (later.written, later.bands) == (3, {"green": 2, "yellow": 1, "red": 2})
    # a day on: E (9 days: 100*12/14 = 85.7 -> 86; 5825 - 25*7 = 5650; /60 = 94.2 -> 94), C (46 days:
    # 100*(90-46)/60 = 73.3 -> 73; both tickets now past 24 h as well: breaches 4 -> 100-20-80 = 0;
    # 25*73 + 1200 + 0 + 0 + 1000 + 500 + 1200 = 5725 -> 57.25 -> 57) and D (51 days: 100*39/60 = 65;
    # 2150 - 25*2 = 2100; /75 = 28) changed. A's recency fell (41 days: 100*1/28 = 3.6 -> 4; 1640 - 25*3
    # = 1565 -> 15.65 -> 16) but not its score; B held too
    with transaction(db) as s:
        day = recompute(session=s, now=NOW + DAYS, weights=W)
    assert day.written == 3
    with transaction(db) as s:
        kept = {n: [(h.computed_at, h.score, h.band, h.previous_score, h.previous_band)
                    for h in history(session=s, customer_id=five[n])] for n in "ABCDE"}
        stored = {n: (c.health_at, c.health_score, c.health_band) for n in "ABCDE" for c in [s.get(Customer, five[n])]}
    assert kept == {
        "A": [(NOW + 23 * HOURS, 16, "red", 17, "red"), (NOW, 17, "red", None, None)],
        "B": [(NOW, 99, "green", None, None)],
        "C": [(NOW + DAYS, 57, "yellow", 64, "yellow"), (NOW + 23 * HOURS, 64, "yellow", 70, "green"),
              (NOW, 70, "green", None, None)],
        "D": [(NOW + DAYS, 28, "red", 29, "red"), (NOW + 23 * HOURS, 29, "red", 35, "red"), (NOW, 35, "red", None, None)],
        "E": [(NOW + DAYS, 94, "green", 97, "green"), (NOW, 97, "green", None, None)],
    }
    # the customer holds its latest row's score, band and time
    assert stored == {n: rows[0][:3] for n, rows in kept.items()}


def test_recompute_for_some_customers(db, five):
    with transaction(db) as s:
        report = recompute(session=s, now=NOW, weights=W, customer_ids=[five["E"], five["F"], five["G"]])
    assert (report.computed, report.written, report.cleared, report.bands) == (1, 1, 1, {"green": 1, "yellow": 0, "red": 0})
    with transaction(db) as s:
        assert [h.score for h in history(session=s, customer_id=five["E"])] == [97]
        assert history(session=s, customer_id=five["A"]) == []
        assert s.get(Customer, five["F"]).health_score is None


def test_at_risk_lists_yellow_and_red_by_score_with_reasons(db, five):
    with transaction(db) as s:
        recompute(session=s, now=NOW, weights=W)
    with transaction(db) as s:
        everyone = at_risk(session=s, scope_owner_ids=None, limit=10)
        u2 = at_risk(session=s, scope_owner_ids=["U2"], limit=10)
        first = at_risk(session=s, scope_owner_ids=["U1", "U2"], limit=1)
        nobody = at_risk(session=s, scope_owner_ids=[], limit=10)
    assert [(r.name, r.score, r.band, r.owner_id, r.at, r.rfm_cell, r.segment) for r in everyone] == [
        ("A", 17, "red", "U1", NOW, "1-1-1", "lost"), ("D", 35, "red", "U2", NOW, "2-2-2", "hibernating")]
    assert everyone[0].reasons == [("recency_late", {"days": 40, "cadence_days": 14, "since": "2026-10-07T02:00:00+00:00"}),
                                   ("nps_down", {"score": 3, "previous": 8}),
                                   ("rfm", {"cell": "1-1-1", "segment": "lost"})]
    assert [r.name for r in u2] == ["D"] and [r.name for r in first] == ["A"] and nobody == []
    with transaction(db) as s:
        recompute(session=s, now=NOW + 23 * HOURS, weights=W)
        recompute(session=s, now=NOW + DAYS, weights=W)
    with transaction(db) as s:
        later = at_risk(session=s, scope_owner_ids=None, limit=10)
    # A's latest row is from NOW + 23 h (its score held a day on), D's and C's from NOW + 1 day: reasons
    # come from those rows
    assert [(r.name, r.score, r.band, r.at) for r in later] == [
        ("A", 16, "red", NOW + 23 * HOURS), ("D", 28, "red", NOW + DAYS), ("C", 57, "yellow", NOW + DAYS)]
    assert later[1].reasons == [("tickets", {"open": 3, "breaches": 5, "days": 90}),
                                ("rfm", {"cell": "2-2-2", "segment": "hibernating"}),
                                ("interactions_none", {"count": 0, "usual": 0.0, "days": 30})]


# -- changes: turns to red and weekly drops ------------------------------------------------------

def _steady(s, name, *, grade="A", last_days=1, nps=None, overdue=0, created=NOW - 200 * DAYS):
    """A mature customer with no tickets and one won deal renewing in over a year (renewal: 100); contact
    `last_days` ago (None: never)."""
    cid = _customer(s, name, grade=grade, last=None if last_days is None else NOW - last_days * DAYS, created=created)
    _deal(s, cid, date(2026, 1, 5), 1000, renewal_on=date(2028, 1, 5))
    if last_days is not None and last_days <= 1:
        _met(s, cid, last_days)
    if nps is not None:
        _nps(s, cid, nps, NOW - 10 * DAYS)
    for _ in range(overdue):
        _action(s, cid, NOW - DAYS)
    return cid


def _changes(db, since, drop_points, **kw):
    from store.health_watch import changes
    with transaction(db) as s:
        return [(c.name, c.score, c.band, c.previous_score, c.previous_band, c.turned_red, c.drop, c.week_high, c.at)
                for c in changes(session=s, since=since, drop_points=drop_points, **kw)]


def _recompute(db, at):
    """Default weights: RFM needs 10 customers with won deals, more than these tests make."""
    with transaction(db) as s:
        return recompute(session=s, now=at, weights=HealthWeights())


def test_changes_finds_turns_to_red_and_drops_of_15_points(db):
    # Default weights without RFM (no deals) or NPS where there is none. At NOW:
    #   P: all 100 but NPS 9 (90): 8500 - 200 = 8300; /85 = 97.6 -> 98 green
    #   Q: 10 days (100*11/14 = 78.6 -> 79), NPS 2 (20), no interactions (0), 3 overdue (25):
    #      25*79 + 20*20 + 15*100 + 0 + 10*25 + 5*100 = 1975+400+1500+250+500 = 4625; /85 = 54.4 -> 54 yellow
    #   R: 15 days (100*6/14 = 42.9 -> 43), NPS 2, no interactions, 2 overdue (50):
    #      1075 + 400 + 1500 + 0 + 500 + 500 = 3975; /85 = 46.8 -> 47 yellow
    #   S: ungraded, all 100, no NPS: 100, and still 100 three days on
    with transaction(db) as s:
        ids = {"P": _steady(s, "P", nps=9), "Q": _steady(s, "Q", last_days=10, nps=2, overdue=3),
               "R": _steady(s, "R", last_days=15, nps=2, overdue=2), "S": _steady(s, "S", grade=None)}
    assert _recompute(db, NOW).written == 4
    with transaction(db) as s:
        _nps(s, ids["P"], 2, NOW + 2 * DAYS)                          # P's customer turns detractor
        for _ in range(2):                                           # Q: two tickets nobody answers
            _ticket(s, ids["Q"], created=NOW + DAYS, status="new")
        _action(s, ids["R"], NOW + 2 * DAYS)                          # R: a third action falls overdue
        # V: newly converted, never contacted (created 100 days ago), 4 overdue actions:
        #    0 + 15*100 + 0 + 0 + 5*100 = 2000; /65 = 30.8 -> 31, red at its first score
        ids["V"] = _steady(s, "V", grade=None, last_days=None, overdue=4, created=NOW - 100 * DAYS)
    # Three days on:
    #   P: NPS 2 after 9: 20 + 5*(2-9) < 0 -> 0; 8300 - 20*90 = 6500; /85 = 76.5 -> 76: 22 below 98
    #   Q: 13 days (100*8/14 = 57.1 -> 57); 2 open tickets 48 h old, both clocks broken: 100-20-80 = 0;
    #      1425 + 400 + 0 + 0 + 250 + 500 = 2575; /85 = 30.3 -> 30: red, 24 below 54
    #   R: 18 days (100*3/14 = 21.4 -> 21), 3 overdue (25): 525 + 400 + 1500 + 0 + 250 + 500 = 3175;
    #      /85 = 37.4 -> 37: red, only 10 below 47
    assert _recompute(db, NOW + 3 * DAYS).written == 4  # S did not change: no row
    t3 = NOW + 3 * DAYS
    assert _changes(db, NOW + DAYS, 15) == [
        ("Q", 30, "red", 54, "yellow", True, 24, 54, t3),
        ("V", 31, "red", None, None, True, None, None, t3),
        ("R", 37, "red", 47, "yellow", True, None, 47, t3),
        ("P", 76, "green", 98, "green", False, 22, 98, t3)]
    with transaction(db) as s:
        from store.health_watch import changes
        found = {c.name: c.reasons for c in changes(session=s, since=NOW + DAYS, drop_points=15)}
    # Q's costs: nps 20*80 = 1600, tickets 15*100 = 1500, recency 25*43 = 1075, interactions 1000, actions 750
    assert found["Q"] == [("nps_first", {"score": 2}), ("tickets", {"open": 2, "breaches": 4, "days": 90}),
                          ("recency_late", {"days": 13, "cadence_days": 7, "since": "2026-11-06T02:00:00+00:00"})]
    assert found["P"] == [("nps_down", {"score": 2, "previous": 9})]
    assert [c[0] for c in _changes(db, NOW + DAYS, 25)] == ["Q", "V", "R"]  # P's 22 is not 25
    assert _changes(db, t3 + timedelta(minutes=1), 15) == []
    # A day later P's customer is happy again (10 after 2: 100 -> P at 100) and no longer a change;
    # Q fell again (14 days: 50 -> 1250 + 400 + 0 + 0 + 250 + 500 = 2400; /85 = 28.2 -> 28, 26 below
    # the 54 of the week), R too (19 days: 14 -> 350 + 400 + 1500 + 250 + 500 = 3000; /85 = 35.3 -> 35)
    with transaction(db) as s:
        _nps(s, ids["P"], 10, NOW + 3 * DAYS + 12 * HOURS)
    _recompute(db, NOW + 4 * DAYS)
    t4 = NOW + 4 * DAYS
    assert _changes(db, NOW + DAYS, 15) == [
        ("Q", 28, "red", 30, "red", True, 26, 54, t4),
        ("V", 31, "red", None, None, True, None, None, t3),
        ("R", 35, "red", 37, "red", True, None, 47, t4)]


def test_a_drop_counts_within_the_week_before(db):
    # U: ungraded, contact a day ago, NPS 9: 8300/85 = 97.6 -> 98
    with transaction(db) as s:
        u = _steady(s, "U", grade=None, nps=9)
    _recompute(db, NOW)
    # five days on, an unanswered ticket 2 days old: 100-10-40 = 50; 8300 - 15*50 = 7550; /85 = 88.8 -> 89
    with transaction(db) as s:
        _ticket(s, u, created=NOW + 3 * DAYS, status="new")
    _recompute(db, NOW + 5 * DAYS)
    # ten days on, another: open 2, breaches 4: 0; 8300 - 1500 = 6800; /85 = 80
    with transaction(db) as s:
        _ticket(s, u, created=NOW + 8 * DAYS, status="new")
    _recompute(db, NOW + 10 * DAYS)
    t10 = NOW + 10 * DAYS
    # the week before day 10 holds day 5's 89: 9 points, not 15 (day 0's 98 is ten days back)
    assert _changes(db, NOW + 6 * DAYS, 15) == []
    assert _changes(db, NOW + 6 * DAYS, 9) == [("U", 80, "green", 89, "green", False, 9, 89, t10)]
    assert _changes(db, NOW + 6 * DAYS, 15, week=timedelta(days=11)) == [("U", 80, "green", 89, "green", False, 18, 98, t10)]


# -- revision 0004 ---------------------------------------------------------------------------------

def _rows_0003(t0: datetime) -> dict[str, list[dict]]:
    customer = dict(company="", industry="", region="", source="", owner_id="U1", created_by="U1", contact_title="",
                    cultural_notes="", search_norm="", phone_enc=None, email_enc=None)
    return {
        "slack_user": [dict(id="U1", name="wang", email="", tz="Asia/Shanghai", locale="zh-CN", fetched_at=t0, role="rep",
                            manager_id=None, quiet_hours=None)],
        "customer": [
            dict(customer, id=1, code="C202611001", name="星河科技", name_norm="星河科技", stage="mature", status="stable",
                 grade="A", created_at=t0, updated_at=t0, stage_changed_at=t0, value_tier="high", last_interaction_at=t0),
            dict(customer, id=2, code="C202611002", name="Galaxy", name_norm="galaxy", stage="churned", status="win_back_failed",
                 grade=None, created_at=t0, updated_at=t0 + HOURS, stage_changed_at=None, value_tier=None,
                 last_interaction_at=None),
        ],
        "interaction": [dict(id=1, customer_id=1, occurred_on=date(2026, 11, 2), way="visit", participants="", summary="拜访",
                             feedback="", author_id="U1", created_at=t0)],
        "nps_response": [dict(id=1, customer_id=1, score=9, comment="", source="slack", external_id=None, responded_at=t0,
                              recorded_by="U1", created_at=t0)],
        "deal": [dict(id=1, customer_id=1, title="年度合同", amount=Decimal("120000.50"), currency="CNY", stage="won",
                      expected_close_on=None, owner_id="U1", created_by="U1", stage_changed_at=t0, closed_at=t0,
                      lost_reason=None, contract_no="HT-1", signed_on=date(2026, 11, 2), payment_terms="", service_start=None,
                      service_end=None, renewal_on=date(2027, 11, 2), created_at=t0, updated_at=t0)],
        "stage_change": [dict(id=1, customer_id=2, at=t0, by="U1", from_stage="mature", from_status="stable", to_stage="churned",
                              to_status="win_back_failed", reason="price")],
    }


def test_upgrade_from_0003_keeps_every_row_and_adds_empty_health(empty_database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import MetaData, inspect, select
    from sqlmodel import SQLModel

    from store.migrate import current_head, upgrade

    database, t0 = empty_database, datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    upgrade(database.url, "0003")
    meta = MetaData()
    meta.reflect(database.engine)
    with database.engine.begin() as conn:
        for name, rows in _rows_0003(t0).items():
            conn.execute(meta.tables[name].insert(), rows)
            if database.backend == "postgresql" and "id" in rows[0] and isinstance(rows[0]["id"], int):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")

    def snapshot(tables: MetaData) -> dict[str, list[tuple]]:
        """Every row of every table 0003 made, in the columns 0003 gave it."""
        with database.engine.connect() as conn:
            return {name: [tuple(r) for r in conn.execute(select(*(tables.tables[name].c[c.name] for c in old.columns))
                                                          .order_by(*old.primary_key.columns.keys()))]
                    for name, old in meta.tables.items() if name != "alembic_version"}

    before = snapshot(meta)
    assert sum(len(rows) for rows in before.values()) == 11  # the rows above and 0002's four SLA policies

    upgrade(database.url)

    after = MetaData()
    after.reflect(database.engine)
    assert snapshot(after) == before
    with database.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata) == []
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == current_head()
    assert {"health_score", "churn_case", "winback_plan"} <= set(inspect(database.engine).get_table_names())
    with transaction(database.factory) as s:
        assert [(c.health_score, c.health_band, c.health_at) for c in (s.get(Customer, 1), s.get(Customer, 2))] == [(None,) * 3] * 2
        report = recompute(session=s, now=NOW)
        assert (report.computed, report.written, report.cleared) == (1, 1, 0)
        star = s.get(Customer, 1)
        s.refresh(star)
        assert (star.name, star.value_tier, star.updated_at, star.health_at) == ("星河科技", "high", t0, NOW)
