"""The store on SQLite and (with TEST_DATABASE_URL) PostgreSQL: no Slack involved."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from store import outbox
from store.actions import complete, reschedule, to_announce
from store.customers import create_customer, find_exact, search_customers
from store.db import transaction
from store.errors import DomainError, FieldErrors
from store.interactions import log_interaction
from store.models import Customer, Interaction, NextAction, Outbox

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=timezone.utc)


def _log(session, **overrides):
    fields = dict(author_id="U1", customer_id=None, new_customer_name="星河科技", way="visit", occurred_on=date(2026, 11, 22),
                  summary="拜访张总", feedback="", participants="张总", action_title="发送报价",
                  due_at=NOW + timedelta(days=1), action_owner_id="U1", now=NOW)
    fields.update(overrides)
    return log_interaction(session=session, **fields)


def test_customer_codes_follow_the_month_and_never_repeat(db):
    with transaction(db) as s:
        codes = [create_customer(session=s, name=f"客户{i}", owner_id="U1", created_by="U1", now=NOW).code for i in range(3)]
        december = create_customer(session=s, name="十二月", owner_id="U1", created_by="U1", now=NOW.replace(month=12)).code
    assert codes == ["C202611001", "C202611002", "C202611003"]
    assert december == "C202612001"


def test_codes_stay_unique_under_concurrent_writers(db):
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                with transaction(db) as s:
                    create_customer(session=s, name=f"w{n}-{i}", owner_id="U1", created_by="U1", now=NOW)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with transaction(db) as s:
        codes = s.exec(select(Customer.code)).all()
    assert len(codes) == 20 and len(set(codes)) == 20
    assert max(codes) == "C202611020"


def test_exact_lookup_by_name_or_code_and_search(db):
    with transaction(db) as s:
        galaxy = create_customer(session=s, name="Galaxy  Tech", owner_id="U1", created_by="U1", now=NOW)
        create_customer(session=s, name="星河科技", owner_id="U1", created_by="U1", now=NOW)
        create_customer(session=s, name="北方科技集团", owner_id="U1", created_by="U1", now=NOW)
    with transaction(db) as s:
        assert find_exact(session=s, text="galaxy tech").id == galaxy.id
        assert find_exact(session=s, text=galaxy.code.lower()).id == galaxy.id
        assert find_exact(session=s, text="Galaxy") is None
        assert [c.name for c in search_customers(session=s, query="科技")] == ["星河科技", "北方科技集团"]
        assert [c.name for c in search_customers(session=s, query="星河")] == ["星河科技"]
        assert search_customers(session=s, query="100%_") == []


def test_log_writes_customer_interaction_and_action_together(db):
    with transaction(db) as s:
        logged = _log(s)
    with transaction(db) as s:
        action = s.get(NextAction, logged.action.id)
        assert (action.title, action.owner_id, action.status) == ("发送报价", "U1", "open")
        assert action.due_at == NOW + timedelta(days=1) and action.due_at.tzinfo is not None
        assert action.announce_at == action.due_at
        assert s.get(Interaction, logged.interaction.id).customer_id == logged.customer.id
        assert logged.customer_created and logged.customer.code == "C202611001"


def test_invalid_log_reports_every_field_and_writes_nothing(db):
    with pytest.raises(FieldErrors) as caught:
        with transaction(db) as s:
            _log(s, summary="", action_title="x" * 301, due_at=NOW - timedelta(minutes=1), way="fax",
                 occurred_on=date(2026, 12, 30))
    assert {e.field for e in caught.value.errors} == {"summary", "action", "due", "way", "date"}
    too_long = next(e for e in caught.value.errors if e.field == "action")
    assert too_long.params == {"limit": 300, "length": 301}
    with transaction(db) as s:
        assert s.exec(select(Customer)).all() == [] and s.exec(select(NextAction)).all() == []


def test_unknown_customer_id_is_refused_without_a_half_write(db):
    with pytest.raises(DomainError) as caught:
        with transaction(db) as s:
            _log(s, customer_id=999_999, new_customer_name=None)
    assert caught.value.key == "err_unknown_customer"
    with transaction(db) as s:
        assert s.exec(select(Interaction)).all() == []


def test_control_and_bidi_characters_are_stripped(db):
    with transaction(db) as s:
        logged = _log(s, new_customer_name="  Acme\u202e\x00 Corp  ", summary="ok\x07 👍 <b>")
    assert logged.customer.name == "Acme Corp"
    assert logged.interaction.summary == "ok 👍 <b>"


def test_announce_done_and_snooze(db):
    with transaction(db) as s:
        action_id = _log(s).action.id
    due = NOW + timedelta(days=1)
    with transaction(db) as s:
        assert to_announce(session=s, now=due - timedelta(seconds=1)) == []
        assert [a.id for a in to_announce(session=s, now=due)] == [action_id]
    with transaction(db) as s:
        moved = reschedule(session=s, action_id=action_id, user_id="U1", due_at=due + timedelta(hours=1), now=due, snooze=True)
        assert (moved.status, moved.announce_at) == ("snoozed", due + timedelta(hours=1))
    with pytest.raises(DomainError) as caught:
        with transaction(db) as s:
            complete(session=s, action_id=action_id, user_id="U_SOMEONE_ELSE", now=due)
    assert caught.value.key == "err_not_your_action"
    with transaction(db) as s:
        done = complete(session=s, action_id=action_id, user_id="U1", now=due)
        assert (done.status, done.announce_at, done.done_by) == ("done", None, "U1")
    with pytest.raises(DomainError) as caught:
        with transaction(db) as s:
            complete(session=s, action_id=action_id, user_id="U1", now=due)
    assert caught.value.key == "err_action_closed" and caught.value.params == {"status": "done", "why": ""}  # no close reason: done by a person


def test_outbox_key_queues_once_and_claims_are_exclusive(db):
    with transaction(db) as s:
        assert outbox.enqueue(session=s, kind="k", subject="s:1", due_key="t1", recipient="U1", now=NOW) is True
        assert outbox.enqueue(session=s, kind="k", subject="s:1", due_key="t1", recipient="U1", now=NOW) is False
        assert outbox.enqueue(session=s, kind="k", subject="s:1", due_key="t2", recipient="U1", now=NOW) is True
    with transaction(db) as s:
        first = outbox.claim(session=s, now=NOW)
    with transaction(db) as s:
        second = outbox.claim(session=s, now=NOW)
    assert len(first) == 2 and second == []
    with transaction(db) as s:
        outbox.mark_retry(session=s, outbox_id=first[0].id, at=NOW + timedelta(minutes=5), error="ratelimited")
        outbox.mark_sent(session=s, outbox_id=first[1].id, channel="D1", ts="1.2", now=NOW)
    with transaction(db) as s:
        assert outbox.claim(session=s, now=NOW + timedelta(minutes=4)) == []
        again = outbox.claim(session=s, now=NOW + timedelta(minutes=5))
    assert [r.id for r in again] == [first[0].id] and again[0].attempts == 2
    with transaction(db) as s:
        rows = {r.id: r for r in s.exec(select(Outbox))}
    assert rows[first[1].id].status == "sent" and rows[first[1].id].ts == "1.2"


def test_a_claim_whose_process_died_is_taken_over_after_the_lease(db):
    with transaction(db) as s:
        outbox.enqueue(session=s, kind="k", subject="s:1", due_key="t", recipient="U1", now=NOW)
    with transaction(db) as s:
        assert len(outbox.claim(session=s, now=NOW)) == 1  # ... and the process dies here
    with transaction(db) as s:
        assert outbox.claim(session=s, now=NOW + outbox.LEASE - timedelta(seconds=1)) == []
        taken = outbox.claim(session=s, now=NOW + outbox.LEASE + timedelta(seconds=1))
    assert len(taken) == 1 and taken[0].attempts == 2


def test_concurrent_claimers_never_share_a_row(db):
    with transaction(db) as s:
        for i in range(60):
            outbox.enqueue(session=s, kind="k", subject=f"s:{i}", due_key="t", recipient="U1", now=NOW)
    got: list[list[int]] = [[], [], []]

    def claimer(n: int) -> None:
        while True:
            with transaction(db) as s:
                rows = outbox.claim(session=s, now=NOW, limit=7)
            if not rows:
                return
            got[n].extend(r.id for r in rows)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    everything = got[0] + got[1] + got[2]
    assert len(everything) == 60 and len(set(everything)) == 60
