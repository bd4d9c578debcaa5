"""Digest subscriptions in the store: the sending instants (across daylight-saving changes and
month ends), the period each digest covers, and queueing each digest once — twice in a row, from
a replica whose view is stale, and from two threads at once."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event
from sqlmodel import select

from store.db import make_engine, session_factory, transaction
from store.digest_models import DigestSubscription
from store.digests import last_due, next_due, period_of, queue_due, subscribe, subscriptions, unsubscribe
from store.errors import DomainError
from store.models import Outbox

UTC = timezone.utc
SH = "Asia/Shanghai"
NY = "America/New_York"
U = lambda *a: datetime(*a, tzinfo=UTC)  # noqa: E731


def sub(cadence: str = "daily", at_time: str = "09:00", tz: str = SH) -> DigestSubscription:
    return DigestSubscription(channel_id="C1", cadence=cadence, at_time=at_time, tz=tz, locale="zh-CN", created_by="U1",
                              created_at=U(2026, 1, 1), next_due_at=U(2026, 1, 1))


# -- when -----------------------------------------------------------------------------------------

def test_daily_is_every_day_at_the_local_time_strictly_after():
    s = sub()
    assert next_due(s, U(2026, 11, 23, 0, 30)) == U(2026, 11, 23, 1, 0)   # 08:30 in Shanghai -> 09:00 today
    assert next_due(s, U(2026, 11, 23, 1, 0)) == U(2026, 11, 24, 1, 0)    # at 09:00 exactly -> tomorrow
    assert last_due(s, U(2026, 11, 23, 1, 0)) == U(2026, 11, 23, 1, 0)
    assert last_due(s, U(2026, 11, 23, 0, 59)) == U(2026, 11, 22, 1, 0)


def test_daily_keeps_local_time_across_new_yorks_spring_and_autumn_changes():
    s = sub(tz=NY)
    # 2026-03-08: clocks go 02:00 EST -> 03:00 EDT. 09:00 EST is 14:00 UTC, 09:00 EDT 13:00 UTC.
    assert next_due(s, U(2026, 3, 7, 14, 0)) == U(2026, 3, 8, 13, 0)
    # 2026-11-01: clocks go 02:00 EDT -> 01:00 EST.
    assert next_due(s, U(2026, 10, 31, 13, 0)) == U(2026, 11, 1, 14, 0)


def test_a_time_in_the_spring_gap_and_in_the_autumn_repeat_comes_once():
    gap = sub(at_time="02:30", tz=NY)  # 02:30 does not exist on 2026-03-08: read as EST, i.e. 03:30 EDT
    assert next_due(gap, U(2026, 3, 7, 12, 0)) == U(2026, 3, 8, 7, 30)
    assert next_due(gap, U(2026, 3, 8, 7, 30)) == U(2026, 3, 9, 6, 30)
    twice = sub(at_time="01:30", tz=NY)  # 01:30 happens twice on 2026-11-01: the first (EDT) only
    assert next_due(twice, U(2026, 10, 31, 12, 0)) == U(2026, 11, 1, 5, 30)
    assert next_due(twice, U(2026, 11, 1, 5, 30)) == U(2026, 11, 2, 6, 30)


def test_weekly_is_mondays_and_monthly_the_first_across_month_and_year_ends():
    weekly = sub("weekly")
    assert next_due(weekly, U(2026, 11, 25, 3, 0)) == U(2026, 11, 30, 1, 0)  # Wednesday -> Monday 30 Nov 09:00
    assert next_due(weekly, U(2026, 11, 23, 0, 59)) == U(2026, 11, 23, 1, 0)  # Monday 08:59 -> that Monday
    assert next_due(weekly, U(2026, 12, 30, 0, 0)) == U(2027, 1, 4, 1, 0)
    monthly = sub("monthly", at_time="00:00", tz=NY)
    assert next_due(monthly, U(2026, 1, 31, 12, 0)) == U(2026, 2, 1, 5, 0)
    assert next_due(monthly, U(2026, 3, 15, 0, 0)) == U(2026, 4, 1, 4, 0)    # EDT by then
    assert next_due(monthly, U(2026, 12, 31, 23, 0)) == U(2027, 1, 1, 5, 0)
    assert last_due(monthly, U(2027, 1, 1, 4, 59)) == U(2026, 12, 1, 5, 0)


def test_period_is_the_complete_day_week_or_month_just_ended():
    day = period_of(sub(), U(2026, 11, 24, 1, 0))
    assert (day.start, day.end, day.unit, day.tz) == (U(2026, 11, 22, 16, 0), U(2026, 11, 23, 16, 0), "day", SH)
    week = period_of(sub("weekly"), U(2026, 11, 30, 1, 0))
    assert (week.start, week.end) == (U(2026, 11, 22, 16, 0), U(2026, 11, 29, 16, 0))
    month = period_of(sub("monthly"), U(2026, 12, 1, 1, 0))
    assert (month.start, month.end, month.unit) == (U(2026, 10, 31, 16, 0), U(2026, 11, 30, 16, 0), "month")
    ny_week = period_of(sub("weekly", tz=NY), U(2026, 11, 2, 14, 0))  # 26 Oct 00:00 EDT .. 2 Nov 00:00 EST
    assert (ny_week.start, ny_week.end) == (U(2026, 10, 26, 4, 0), U(2026, 11, 2, 5, 0))
    ny_march = period_of(sub("monthly", tz=NY), U(2026, 4, 1, 13, 0))
    assert (ny_march.start, ny_march.end) == (U(2026, 3, 1, 5, 0), U(2026, 4, 1, 4, 0))


# -- subscriptions --------------------------------------------------------------------------------

def _subscribe(s, **kw):
    args = dict(channel_id="C0SALES001", cadence="daily", team_of="U0BOSS0003", at_time="09:00", tz=SH, locale="zh-CN",
                by="U0BOSS0003", now=U(2026, 11, 23, 2, 0))
    return subscribe(session=s, **{**args, **kw})


def test_subscribe_validates_and_subscribing_again_changes_the_time(db):
    with transaction(db) as s:
        first = _subscribe(s, at_time="9:00")
        assert (first.at_time, first.next_due_at) == ("09:00", U(2026, 11, 24, 1, 0))
        again = _subscribe(s, at_time="17:30")
        assert again.id == first.id and (again.at_time, again.next_due_at) == ("17:30", U(2026, 11, 23, 9, 30))
        other = _subscribe(s, cadence="weekly", team_of="")
        assert other.id != first.id and other.next_due_at == U(2026, 11, 30, 1, 0)
        for bad in ("25:00", "9am", "09:60", ""):
            with pytest.raises(DomainError) as e:
                _subscribe(s, at_time=bad)
            assert e.value.key == "digest_err_time"
        with pytest.raises(DomainError) as e:
            _subscribe(s, cadence="hourly")
        assert e.value.key == "digest_err_cadence"
    with transaction(db) as s:
        assert [(x.cadence, x.team_of, x.at_time) for x in subscriptions(session=s)] == [
            ("daily", "U0BOSS0003", "17:30"), ("weekly", "", "09:00")]
        assert [x.cadence for x in subscriptions(session=s, team_of="")] == ["weekly"]
        assert [x.cadence for x in unsubscribe(session=s, channel_id="C0SALES001", cadence="weekly")] == ["weekly"]
        assert unsubscribe(session=s, channel_id="C0OTHER01") == []
    with transaction(db) as s:
        assert [x.cadence for x in subscriptions(session=s)] == ["daily"]


# -- queueing once --------------------------------------------------------------------------------

def _outbox(db) -> list[tuple]:
    with transaction(db) as s:
        return [(r.kind, r.subject, r.due_key, r.recipient, r.data) for r in s.exec(select(Outbox).order_by(Outbox.id))]


def _next(db, sub_id: int) -> datetime:
    with transaction(db) as s:
        return s.get(DigestSubscription, sub_id).next_due_at


def test_queue_due_queues_the_digest_and_its_charts_once_and_moves_on(db):
    with transaction(db) as s:
        sub_id = _subscribe(s).id  # next: 24 Nov 09:00 Shanghai
    with transaction(db) as s:
        assert queue_due(session=s, now=U(2026, 11, 24, 0, 59)) == 0
    with transaction(db) as s:
        assert queue_due(session=s, now=U(2026, 11, 24, 1, 0)) == 1
    with transaction(db) as s:
        assert queue_due(session=s, now=U(2026, 11, 24, 1, 0)) == 0
    with transaction(db) as s:
        assert queue_due(session=s, now=U(2026, 11, 24, 1, 1)) == 0
    data = {"subscription": sub_id, "start": "2026-11-22T16:00:00+00:00", "end": "2026-11-23T16:00:00+00:00",
            "unit": "day", "tz": SH}
    assert _outbox(db) == [("digest", f"digest:{sub_id}", "2026-11-22T16:00:00+00:00", "C0SALES001", data),
                           ("digest_chart", f"digest:{sub_id}", "2026-11-22T16:00:00+00:00", "C0SALES001", data)]
    assert _next(db, sub_id) == U(2026, 11, 25, 1, 0)


def test_a_digest_due_days_ago_is_sent_once_for_the_latest_period(db):
    with transaction(db) as s:
        sub_id = _subscribe(s).id  # next: 24 Nov 09:00; the bot comes back on 27 Nov at 08:00 Shanghai
    with transaction(db) as s:
        assert queue_due(session=s, now=U(2026, 11, 27, 0, 0)) == 1
    # the latest sending instant was 26 Nov 09:00: the digest of 25 Nov; the next is 27 Nov 09:00
    assert [row[2] for row in _outbox(db)] == ["2026-11-24T16:00:00+00:00"] * 2
    assert _next(db, sub_id) == U(2026, 11, 27, 1, 0)
    with transaction(db) as s:
        assert queue_due(session=s, now=U(2026, 11, 27, 1, 0)) == 1
    assert [row[2] for row in _outbox(db)][2:] == ["2026-11-25T16:00:00+00:00"] * 2


def test_a_replica_with_a_stale_view_loses_the_compare_and_set(database):
    """Replica B reads the subscription as due; before its UPDATE runs, replica A queues the digest
    and commits. B's compare-and-set then matches nothing and B queues nothing."""
    db = database.factory
    with transaction(db) as s:
        sub_id = _subscribe(s).id
    now = U(2026, 11, 24, 1, 0)
    other = make_engine(database.url)
    results, b_wrote = {}, []

    def replica_a_first(conn, cursor, statement, *args):
        b_wrote.append(statement.lstrip().split("(")[0].split(" SET")[0].upper())
        if statement.lstrip().upper().startswith("UPDATE DIGEST_SUBSCRIPTION") and "a" not in results:
            with transaction(db) as s:  # replica A, on its own connection, runs and commits meanwhile
                results["a"] = queue_due(session=s, now=now)

    event.listen(other, "before_cursor_execute", replica_a_first)
    try:
        with transaction(session_factory(other)) as s:
            results["b"] = queue_due(session=s, now=now)
    finally:
        other.dispose()
    assert results == {"a": 1, "b": 0}
    assert not any(s.startswith("INSERT") for s in b_wrote)  # B lost the compare-and-set: it did not even try to queue
    assert "UPDATE DIGEST_SUBSCRIPTION" in b_wrote
    assert [row[0] for row in _outbox(db)] == ["digest", "digest_chart"]
    assert _next(db, sub_id) == U(2026, 11, 25, 1, 0)


def test_two_replicas_ticking_at_once_queue_it_once(database):
    if database.backend != "postgresql":
        pytest.skip("two writers at once: PostgreSQL (SQLite serialises writers; the stale-view test covers it)")
    db = database.factory
    with transaction(db) as s:
        for n in range(5):
            _subscribe(s, channel_id=f"C0SALES00{n}")
    engines = [make_engine(database.url) for _ in range(2)]
    barrier, counts = threading.Barrier(2), []

    def replica(engine):
        barrier.wait()
        with transaction(session_factory(engine)) as s:
            counts.append(queue_due(session=s, now=U(2026, 11, 24, 1, 0) + timedelta(seconds=1)))

    threads = [threading.Thread(target=replica, args=(e,)) for e in engines]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    for e in engines:
        e.dispose()
    assert sum(counts) == 5 and len(counts) == 2
    assert sorted(row[0] for row in _outbox(db)) == ["digest"] * 5 + ["digest_chart"] * 5
