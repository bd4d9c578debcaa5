"""Health on the scheduler (store/health_jobs.py) on SQLite and PostgreSQL: the daily pass at 03:00
in the team's zone, the touched pass and its watermark, the claim taken once (two sessions, two
threads), and the churn-risk rows: once per change, a new one for a new drop, held back by a
snooze or a "not at risk" answer as store/risk.py says."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from store.crm_models import AuditEntry, StageChange
from store.db import session_factory, transaction
from store.grading import Cadence
from store.health import HealthWeights, history
from store.health_jobs import DAILY, KIND, PING, TOUCHED, claim, minute_key, queue_pings, run_due, touched
from store.models import Customer, HealthScore, Interaction, NextAction, NpsResponse, Outbox, RiskResponse, Ticket, TicketEvent
from store.outbox import claim as claim_alerts
from store.risk import Answers, held_back
from store.sla import Calendar

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)   # Monday 10:00 in Shanghai
MIN, DAY = timedelta(minutes=1), timedelta(days=1)
CAL = Calendar(tz="Asia/Shanghai")
RULES = dict(weights=HealthWeights(), cadence=Cadence(), calendar=CAL, drop_points=15)
_n = iter(range(1, 10_000))


def _customer(s, name, *, grade="A", last_days=3, owner="U1", cs=None, stage="mature") -> int:
    created = NOW - 200 * DAY
    row = Customer(code=f"C{name}", name=name, name_norm=name.casefold(), stage=stage, status="stable", grade=grade, owner_id=owner,
                   cs_owner_id=cs, created_by=owner, created_at=created, updated_at=created,
                   last_interaction_at=NOW - last_days * DAY)
    s.add(row)
    s.flush()
    s.add(Interaction(customer_id=row.id, occurred_on=(NOW - last_days * DAY).date(), way="visit", summary="s", author_id=owner,
                      created_at=NOW - last_days * DAY))
    return row.id


def _tickets(s, cid, count, at):
    for _ in range(count):
        s.add(Ticket(code=f"T{next(_n):04d}", customer_id=cid, priority="P1", type="complaint", description="d", status="new",
                     created_by="U1", created_at=at, updated_at=at, sla_business=False, response_minutes=120, resolution_minutes=1440))


def _action(s, cid, due):
    s.add(NextAction(customer_id=cid, title="t", due_at=due, owner_id="U1", created_by="U1", created_at=NOW - DAY,
                     updated_at=NOW - DAY))


def run(db, now):
    return run_due(db=db, now=now, **RULES)


@pytest.fixture
def three(db):
    """X (grade A, last contact 20 days ago, CS owner CS1), Y (grade A, 3 days ago, an action due at
    10:06), V (grade B, 3 days ago), and a lead. X's two actions also fall due at 10:06."""
    with transaction(db) as s:
        ids = {"X": _customer(s, "X", last_days=20, cs="CS1"), "Y": _customer(s, "Y"), "V": _customer(s, "V", grade="B")}
        _customer(s, "lead", stage="lead")
        for cid in (ids["X"], ids["X"], ids["Y"]):
            _action(s, cid, NOW + 6 * MIN)
    return ids


def _scores(db, cid):
    with transaction(db) as s:
        return [(r.score, r.band) for r in reversed(history(session=s, customer_id=cid))]


def _pings(db):
    with transaction(db) as s:
        return [(r.subject, r.recipient, r.due_key, r.data["score"], r.data["drop"], r.data["week_high"], r.data["turned_red"])
                for r in s.exec(select(Outbox).where(Outbox.kind == PING).order_by(Outbox.id))]


def _claims(db):
    with transaction(db) as s:
        return [(r.subject, r.due_key, r.status, r.data["computed"], r.data["written"], r.data["queued"])
                for r in s.exec(select(Outbox).where(Outbox.kind == KIND).order_by(Outbox.id))]


def test_daily_and_touched_passes_queue_one_ping_per_change(db, three):
    x, y = three["X"], three["Y"]
    # Daily, at 10:00 Shanghai: every active customer (the lead is not scored).
    # X: recency 20 days against A's 7 (zero at 21): 100*(21-20)/14 = 7.1 -> 7; interactions 1 in 30 days, none
    #    before: 100; no tickets, overdue actions: 100; no NPS, no RFM, no won deal with a renewal date: left out
    #    (weights 25+15+10+10 = 60): 25*7 + 15*100 + 10*100 + 10*100 = 3675; 3675/60 = 61.25 -> 61 yellow
    # Y, V: every component 100 -> 100 green
    assert run(db, NOW).__dict__ == {"kind": DAILY, "computed": 3, "written": 3, "queued": 0}
    assert _scores(db, x) == [(61, "yellow")]

    # 10:05: NPS 0 and three P1 tickets for X; at 10:06 X's two actions and Y's one fall due.
    with transaction(db) as s:
        s.add(NpsResponse(customer_id=x, score=0, source="slack", responded_at=NOW + 5 * MIN, created_at=NOW + 5 * MIN))
        _tickets(s, x, 3, NOW + 5 * MIN)
    t1 = NOW + 10 * MIN
    # X: nps 0 (weight 20 joins: 80); tickets 100 - 3*10 = 70 (5 minutes of a 2-hour reply: no breach); actions 100 - 2*25 = 50
    #    25*7 + 20*0 + 15*70 + 10*100 + 10*50 = 2725; 2725/80 = 34.06 -> 34 red: turned red, and 61 - 34 = 27 >= 15
    # Y: actions 75: 25*100 + 15*100 + 10*100 + 10*75 = 5750; /60 = 95.8 -> 96 green. V untouched.
    assert run(db, t1).__dict__ == {"kind": TOUCHED, "computed": 2, "written": 2, "queued": 1}
    assert _scores(db, x) == [(61, "yellow"), (34, "red")] and _scores(db, y) == [(100, "green"), (96, "green")]
    assert _pings(db) == [(f"customer:{x}", "CS1", t1.isoformat(), 34, 27, 61, True)]

    # the same minute again: the claim is taken; a minute later the two passes back reach 10:00: computed again, nothing new
    assert run(db, t1).__dict__ == {"kind": None, "computed": 0, "written": 0, "queued": 0}
    assert run(db, t1 + MIN).__dict__ == {"kind": TOUCHED, "computed": 2, "written": 0, "queued": 0}
    # then the watermark is 10:10: nothing touched since, so no pass and no claim row
    assert run(db, t1 + 2 * MIN).__dict__ == {"kind": None, "computed": 0, "written": 0, "queued": 0}
    assert len(_claims(db)) == 3

    # a new drop: two more tickets at 10:17, pass at 10:22. tickets 100 - 5*10 = 50:
    # 175 + 0 + 15*50 + 1000 + 500 = 2425; /80 = 30.3 -> 30: the week's high 61 - 30 = 31
    with transaction(db) as s:
        _tickets(s, x, 2, NOW + 17 * MIN)
    t2 = NOW + 22 * MIN
    assert run(db, t2).__dict__ == {"kind": TOUCHED, "computed": 1, "written": 1, "queued": 1}
    assert _pings(db)[1] == (f"customer:{x}", "CS1", t2.isoformat(), 30, 31, 61, False)
    assert _claims(db) == [(DAILY, "2026-11-16", "skipped", 3, 3, 0), (TOUCHED, minute_key(t1), "skipped", 2, 2, 1),
                           (TOUCHED, minute_key(t1 + MIN), "skipped", 2, 0, 0), (TOUCHED, minute_key(t2), "skipped", 1, 1, 1)]
    # delivery never takes a claim row
    with transaction(db) as s:
        assert sorted(r.kind for r in claim_alerts(session=s, now=t2 + DAY)) == [PING, PING]


def test_the_daily_pass_runs_once_a_day_from_three_in_the_teams_zone(db, three):
    assert run(db, NOW).kind == DAILY
    assert run(db, NOW + MIN).kind is None                       # nothing touched since
    before_three = datetime(2026, 11, 16, 18, 59, tzinfo=UTC)     # Tuesday 02:59 in Shanghai
    assert run(db, before_three).kind == TOUCHED                  # X's and Y's actions fell due at 10:06
    assert run(db, before_three + MIN).kind == DAILY              # 03:00
    assert run(db, before_three + 2 * MIN).kind is None
    assert [c[:2] for c in _claims(db)] == [(DAILY, "2026-11-16"), (TOUCHED, minute_key(before_three)), (DAILY, "2026-11-17")]


def test_a_first_pass_before_three_scores_everyone(db, three):
    early = datetime(2026, 11, 15, 18, 0, tzinfo=UTC)  # Monday 02:00 in Shanghai: no daily pass yet, and none ever ran
    assert run(db, early).__dict__ == {"kind": TOUCHED, "computed": 3, "written": 3, "queued": 0}


def test_the_very_first_pass_sets_the_baseline_without_pings(db):
    with transaction(db) as s:
        r = _customer(s, "R", last_days=25)
        _tickets(s, r, 6, NOW - DAY)
        for _ in range(4):
            _action(s, r, NOW - DAY)
    # recency 25 days against A's 7 (zero at 21): 0; six tickets open for exactly a day, each past its 2-hour reply (the
    # 24-hour solution is not yet over): 100 - 6*10 - 6*20 -> 0; interactions 1 in 30 days, none before: 100;
    # actions 100 - 4*25 = 0; no renewal date: left out. 25*0 + 15*0 + 10*100 + 10*0 = 1000; /60 = 16.7 -> 17 red,
    # turned red from no score: but the first pass only sets the baseline
    assert run(db, NOW).__dict__ == {"kind": DAILY, "computed": 1, "written": 1, "queued": 0}
    assert _scores(db, r) == [(17, "red")] and _pings(db) == []


def test_touched_finds_each_kind_of_event_through_its_index(db):
    since = NOW
    with transaction(db) as s:
        c = {name: _customer(s, name) for name in "ABCDEFGHIJKL"}
        old_ticket = Ticket(code="T9001", customer_id=c["D"], priority="P2", type="enquiry", description="d", created_by="U1",
                            created_at=NOW - 5 * DAY, updated_at=NOW - 5 * DAY, response_minutes=120, resolution_minutes=1440)
        s.add(old_ticket)
        s.add(NextAction(customer_id=c["H"], title="t", due_at=NOW - 30 * DAY, owner_id="U1", created_by="U1", status="done",
                         created_at=NOW - 40 * DAY, updated_at=NOW - 40 * DAY))
        s.add(NextAction(customer_id=c["L"], title="t", due_at=NOW - 100 * DAY, owner_id="U1", created_by="U1", status="open",
                         created_at=NOW - 120 * DAY, updated_at=NOW - 120 * DAY))
        _action(s, c["I"], NOW + 2 * MIN)                                        # falls due within the window
        s.flush()
        marks = {"ticket_event": 0, "next_action": s.exec(select(NextAction.id).order_by(NextAction.id.desc())).first(),
                 "audit_entry": 0}
        done = s.exec(select(NextAction).where(NextAction.customer_id == c["H"])).one()
    # every customer had an interaction 3 days ago: before `since`, so none is touched by it
    with transaction(db) as s:
        s.add(Interaction(customer_id=c["A"], occurred_on=NOW.date(), way="phone", summary="s", author_id="U1", created_at=NOW + MIN))
        s.add(NpsResponse(customer_id=c["B"], score=9, source="slack", responded_at=NOW + MIN, created_at=NOW + MIN))
        s.add(NpsResponse(customer_id=c["K"], score=9, source="csv", responded_at=NOW - 9 * DAY, created_at=NOW + MIN))  # backdated
        _tickets(s, c["C"], 1, NOW + MIN)
        s.add(TicketEvent(ticket_id=old_ticket.id, at=NOW + MIN, by="U1", kind="taken"))
        _action(s, c["E"], NOW + 30 * DAY)                                       # created (a new id)
        s.add(AuditEntry(at=NOW + MIN, by="U1", entity="deal", entity_id=1, customer_id=c["F"], field="stage", old="a", new="won"))
        s.add(StageChange(customer_id=c["G"], at=NOW + MIN, by="U1", from_stage="mature", to_stage="churned", to_status="lost_for_good"))
        done.status, done.updated_at = "done", NOW + MIN                          # an overdue action done
        s.add(done)
    with transaction(db) as s:
        found = touched(session=s, since=since, marks=marks, now=NOW + 5 * MIN)
    # K's answer dates from before `since` (a backdated import: the daily pass takes it); L's action fell due long ago
    assert found == {c[k] for k in "ABCDEFGHI"}


def test_a_churned_customer_loses_its_score_on_the_next_pass(db, three):
    run(db, NOW)
    with transaction(db) as s:
        v = s.get(Customer, three["V"])
        v.stage = "churned"
        s.add(v)
        s.add(StageChange(customer_id=v.id, at=NOW + MIN, by="U1", from_stage="mature", to_stage="churned", to_status="lost_for_good"))
    assert run(db, NOW + 2 * MIN).__dict__ == {"kind": TOUCHED, "computed": 0, "written": 0, "queued": 0}
    with transaction(db) as s:
        assert s.get(Customer, three["V"]).health_score is None


def test_the_watermark_survives_a_restart(database, three):
    run(database.factory, NOW)
    with transaction(database.factory) as s:
        s.add(NpsResponse(customer_id=three["V"], score=10, source="slack", responded_at=NOW + MIN, created_at=NOW + MIN))
    database.engine.dispose()                     # a new process: nothing kept in memory
    fresh = session_factory(database.engine)
    # V and (the actions due at 10:06) X and Y; not everyone
    assert run(fresh, NOW + 7 * MIN).__dict__ == {"kind": TOUCHED, "computed": 3, "written": 2, "queued": 0}
    assert run(fresh, NOW + 8 * MIN).computed == 3   # two passes back: the daily one
    assert run(fresh, NOW + 9 * MIN).kind is None


def test_a_claim_is_taken_once_by_two_sessions(database, three):
    db = database.factory
    key = "2026-11-16"
    first = db()
    try:
        assert claim(session=first, subject=DAILY, due_key=key, now=NOW) is not None
        if database.backend == "postgresql":  # while the first holds it, another replica gets nothing, whatever the key
            got = {}

            def other():
                with transaction(db) as s:
                    got["daily"] = claim(session=s, subject=DAILY, due_key=key, now=NOW)
                    got["touched"] = claim(session=s, subject=TOUCHED, due_key=minute_key(NOW), now=NOW)

            thread = threading.Thread(target=other)
            thread.start()
            thread.join(10)
            assert got == {"daily": None, "touched": None}
        first.commit()
    finally:
        first.close()
    with transaction(db) as s:
        assert claim(session=s, subject=DAILY, due_key=key, now=NOW + MIN) is None
        assert claim(session=s, subject=TOUCHED, due_key=minute_key(NOW + MIN), now=NOW + MIN) is not None


def test_two_threads_run_the_daily_pass_once(database, three):
    if database.backend != "postgresql":
        pytest.skip("SQLite has one writer: the second thread would wait for the first, which the claim test covers")
    db, barrier, reports = database.factory, threading.Barrier(2), []

    def replica():
        barrier.wait()
        reports.append(run(db, NOW))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(str(r.kind) for r in reports) == ["None", DAILY]
    with transaction(db) as s:
        assert len(s.exec(select(HealthScore)).all()) == 3
    assert [c[:2] for c in _claims(db)] == [(DAILY, "2026-11-16")]


# -- what holds a ping back -------------------------------------------------------------------------

def _answer(kind, at, *, until=None, score=None):
    return RiskResponse(customer_id=1, kind=kind, by="U1", at=at, until=until, score=score)


def test_held_back_by_a_running_snooze_or_a_not_at_risk_answer():
    running = Answers(snooze=_answer("snooze", NOW, until=NOW + 7 * DAY))
    over = Answers(snooze=_answer("snooze", NOW - 8 * DAY, until=NOW - DAY))
    fine = Answers(not_at_risk=_answer("not_at_risk", NOW, score=50))
    assert held_back(None, score=10, turned_red=True, at=NOW, now=NOW) is False
    assert held_back(running, score=10, turned_red=True, at=NOW + DAY, now=NOW + DAY) is True
    assert held_back(running, score=10, turned_red=True, at=NOW + 7 * DAY, now=NOW + 7 * DAY) is False  # until == now: over
    assert held_back(over, score=10, turned_red=False, at=NOW, now=NOW) is False
    assert held_back(fine, score=50, turned_red=False, at=NOW + DAY, now=NOW + DAY) is True    # not below 50
    assert held_back(fine, score=49, turned_red=False, at=NOW + DAY, now=NOW + DAY) is False   # fell below it
    assert held_back(fine, score=55, turned_red=True, at=NOW + DAY, now=NOW + DAY) is False    # turned red after it
    assert held_back(fine, score=55, turned_red=True, at=NOW, now=NOW) is True                 # not after it
    assert held_back(Answers(snooze=over.snooze, not_at_risk=fine.not_at_risk), score=50, turned_red=False, at=NOW + DAY,
                     now=NOW + DAY) is True


def _row(s, cid, at, score, band, previous=None, previous_band=None):
    s.add(HealthScore(customer_id=cid, computed_at=at, score=score, band=band, previous_score=previous, previous_band=previous_band,
                      components=[]))
    c = s.get(Customer, cid)
    c.health_score, c.health_band, c.health_at = score, band, at
    s.add(c)


def test_snooze_and_not_at_risk_hold_pings_back(db):
    with transaction(db) as s:
        q, r = _customer(s, "Q", owner="U7"), _customer(s, "R", owner="U8", cs="CS9")
        for cid in (q, r):
            _row(s, cid, NOW - 3 * DAY, 70, "green")
        s.add(RiskResponse(customer_id=q, kind="snooze", by="U7", at=NOW - DAY, until=NOW + 6 * DAY, score=70))
        s.add(RiskResponse(customer_id=r, kind="not_at_risk", by="CS9", at=NOW - DAY, score=52, reason="续约已谈妥"))
        _row(s, q, NOW, 50, "yellow", 70, "green")   # -20: held back by the snooze
        _row(s, r, NOW, 52, "yellow", 70, "green")   # -18: not below 52
    with transaction(db) as s:
        assert queue_pings(session=s, since=NOW, now=NOW, drop_points=15) == 0
    later = NOW + MIN
    with transaction(db) as s:
        _row(s, q, later, 45, "yellow", 50, "yellow")
        _row(s, r, later, 51, "yellow", 52, "yellow")   # below 52: pinged, to the CS owner
    with transaction(db) as s:
        assert queue_pings(session=s, since=later, now=later, drop_points=15) == 1
        assert queue_pings(session=s, since=later, now=later, drop_points=15) == 0  # once per change
    assert _pings(db) == [(f"customer:{r}", "CS9", later.isoformat(), 51, 19, 70, False)]
    after = NOW + 7 * DAY                           # the snooze is over: Q's next fall is pinged, to its owner
    with transaction(db) as s:
        _row(s, q, after, 39, "red", 45, "yellow")
    with transaction(db) as s:
        assert queue_pings(session=s, since=after, now=after, drop_points=15) == 1
    # turned red; the week before: 70 (10 days before `after`: out), 50, 45 -> high 50, 50 - 39 = 11 < 15: not a drop
    assert _pings(db)[1] == (f"customer:{q}", "U7", after.isoformat(), 39, None, 50, True)
