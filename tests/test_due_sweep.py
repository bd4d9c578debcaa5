"""The scheduler's due sweep and its compare-and-set, and how stored datetimes read back, on
SQLite and (with TEST_DATABASE_URL) PostgreSQL: no Slack involved."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert, select, text
from sqlmodel import select as select_model

from handlers.delivery.jobs import queue_due_actions
from store.actions import claim_announcements, reschedule
from store.alert_kinds import ACTION_DUE
from store.db import transaction
from store.models import Customer, NextAction, Outbox

NOW = datetime(2026, 11, 22, 8, 0, 0, 250000, tzinfo=timezone.utc)


def _actions(db, n: int, *, due: datetime = NOW) -> list[int]:
    with transaction(db) as s:
        s.execute(insert(Customer), [dict(code=f"C{i:09d}", name=f"客户{i}", name_norm=f"客户{i}", company="", industry="", region="",
                                          source="", stage="lead", owner_id="U1", created_by="U1", created_at=NOW, updated_at=NOW)
                                     for i in range(n)])
        first = s.execute(text("select min(id) from customer")).scalar()
        s.execute(insert(NextAction), [dict(customer_id=first + i, title=f"跟进{i}", due_at=due + timedelta(seconds=i), announce_at=due,
                                            owner_id=f"U{i % 3}", created_by="U1", status="open", created_at=NOW, updated_at=NOW)
                                       for i in range(n)])
    with transaction(db) as s:
        return list(s.exec(select_model(NextAction.id).order_by(NextAction.id)))


def test_every_due_action_is_queued_once_under_its_due_time(db):
    ids = _actions(db, 25)
    assert queue_due_actions(db=db, now=NOW) == 25
    assert queue_due_actions(db=db, now=NOW + timedelta(minutes=1)) == 0  # announce_at was cleared: nothing read again
    with transaction(db) as s:
        rows = s.execute(select(Outbox.kind, Outbox.subject, Outbox.due_key, Outbox.recipient, Outbox.status, Outbox.data)
                         .order_by(Outbox.id)).all()
        left = s.exec(select_model(NextAction).where(NextAction.announce_at.is_not(None))).all()
    assert [tuple(r) for r in rows] == [(ACTION_DUE, f"next_action:{aid}", (NOW + timedelta(seconds=i)).isoformat(), f"U{i % 3}", "pending", {})
                                        for i, aid in enumerate(ids)]
    assert left == []


def test_an_action_moved_while_the_sweep_runs_keeps_its_new_time(database):
    """The owner snoozes one of two due actions while the sweep claims them. PostgreSQL: the sweep
    skips the row the move holds locked (queued: the other only) and the move's new time stands.
    SQLite writes one at a time: the move comes after the sweep, and its new time stands too."""
    db = database.factory
    moved, kept = _actions(db, 2, due=NOW - timedelta(hours=1))
    later = NOW + timedelta(days=1)
    mover = db()
    try:
        if database.backend == "postgresql":  # the move holds its row (SELECT ... FOR UPDATE) until it commits
            reschedule(session=mover, action_id=moved, user_id="U1", due_at=later, now=NOW, snooze=True)
        assert queue_due_actions(db=db, now=NOW) == (1 if database.backend == "postgresql" else 2)
        if database.backend == "sqlite":
            reschedule(session=mover, action_id=moved, user_id="U1", due_at=later, now=NOW, snooze=True)
        mover.commit()
    finally:
        mover.close()
    with transaction(db) as s:
        after = {a.id: a.announce_at for a in s.exec(select_model(NextAction))}
        subjects = s.exec(select_model(Outbox.subject).order_by(Outbox.id)).all()
    assert after == {moved: later, kept: None}
    assert subjects == ([f"next_action:{kept}"] if database.backend == "postgresql" else [f"next_action:{moved}", f"next_action:{kept}"])
    assert queue_due_actions(db=db, now=later) == 1  # the moved one, at its new time
    with transaction(db) as s:
        assert s.exec(select_model(Outbox.due_key).where(Outbox.subject == f"next_action:{moved}")
                      .order_by(Outbox.id)).all()[-1] == later.isoformat()


def test_two_sweeps_at_once_claim_each_action_once(database):
    """Two replicas' sweeps at the same moment: the first has claimed 25 (its alerts not queued yet,
    its transaction open); PostgreSQL: the second skips what the first holds; SQLite: the second
    runs after the first commits. No action is taken by both, none is left."""
    db = database.factory
    ids = _actions(db, 40)
    first = db()
    try:
        taken = claim_announcements(session=first, now=NOW, limit=25)
        if database.backend == "postgresql":  # the first holds its 25 uncommitted: the second takes the other 15
            assert queue_due_actions(db=db, now=NOW) == 15
        first.commit()
    finally:
        first.close()
    if database.backend == "sqlite":
        assert queue_due_actions(db=db, now=NOW) == 15
    assert sorted(aid for aid, _, _ in taken) == ids[:25]
    assert queue_due_actions(db=db, now=NOW) == 0
    with transaction(db) as s:
        queued = s.exec(select_model(Outbox.subject)).all()
    assert sorted(queued) == sorted(f"next_action:{aid}" for aid in ids[25:])


def test_stored_times_read_back_aware_in_utc_whatever_wrote_them(database):
    """The fast reading (store/types.py) and its general path give the same aware UTC values:
    SQLite text with an offset or a bare date, a PostgreSQL session in another zone."""
    db = database.factory
    aid = _actions(db, 1)[0]
    with database.engine.begin() as conn:
        if database.backend == "sqlite":
            conn.execute(text("UPDATE next_action SET due_at = '2026-11-22 16:00:00+08:00', done_at = '2026-11-23' WHERE id = :id"),
                         {"id": aid})
        else:
            conn.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
            conn.execute(text("UPDATE next_action SET due_at = '2026-11-22 16:00:00+08:00', done_at = '2026-11-23 00:00:00+00' "
                              "WHERE id = :id"), {"id": aid})
    with database.engine.connect() as conn:
        if database.backend == "postgresql":
            conn.execute(text("SET TIME ZONE 'Asia/Shanghai'"))  # a session that does not answer in UTC
        row = conn.execute(select(NextAction.due_at, NextAction.done_at, NextAction.created_at).where(NextAction.id == aid)).one()
        conn.rollback()
    assert tuple(row) == (datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc), datetime.combine(date(2026, 11, 23), datetime.min.time(), timezone.utc),
                          NOW)
    assert all(v.tzinfo is timezone.utc for v in row)
    with transaction(db) as s:  # and through the ORM, on a session the bot opens
        action = s.get(NextAction, aid)
        assert (action.due_at, action.created_at.tzinfo) == (datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc), timezone.utc)
