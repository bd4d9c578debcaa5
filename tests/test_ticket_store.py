"""Tickets in the store, on SQLite and (with TEST_DATABASE_URL) PostgreSQL: codes, SLA targets,
clocks over the business calendar, transitions and the SLA sweep. No Slack here.

Every due time is hand-computed: Shanghai is UTC+8, the team works 09:00-18:00 Monday-Friday,
and no Chinese holiday falls in late November 2026.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from store.customers import create_customer
from store.db import transaction
from store.errors import DomainError, FieldErrors
from store.migrate import upgrade
from store.models import CodeCounter, Customer, Outbox, SlaPolicy, Ticket
from store.sla import Calendar
from store.sla_clock import used_minutes
from store.ticket_sla import DEFAULT_TARGETS, Targets, clocks, subject, sweep_sla
from store.tickets import act, create_ticket, events_of, open_tickets
from store.users import set_manager, set_role

SH = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
CN = Calendar()
MANAGER, ADMIN, ENV_ADMIN = "U0MANAGER1", "U0ADMIN002", "U0ADMIN001"
REP, OTHER = "U0REP00001", "U0OTHER004"


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


FRI_1730 = sh(2026, 11, 20, 17, 30)
MON_0900 = sh(2026, 11, 23, 9, 0)


def _new(session, *, now=MON_0900, priority="P2", assignee=REP, created_by=REP, customer="星河科技", **kw) -> Ticket:
    fields = dict(customer_id=None, new_customer_name=customer, ticket_type="complaint", description="打印机无法启动")
    fields.update(kw)
    return create_ticket(session=session, created_by=created_by, priority=priority, assignee_id=assignee, calendar=CN, now=now, **fields)


def _ticket(db, **kw) -> Ticket:
    with transaction(db) as s:
        return _new(s, **kw)


def _act(db, ticket_id: int, action: str, at: datetime, user: str = REP) -> Ticket:
    with transaction(db) as s:
        return act(session=s, ticket_id=ticket_id, action=action, user_id=user, calendar=CN, now=at)


def _get(db, ticket_id: int) -> Ticket:
    with transaction(db) as s:
        return s.get(Ticket, ticket_id)


def _sweep(db, now: datetime, admins=frozenset()) -> int:
    return sweep_sla(db=db, calendar=CN, now=now, admins=admins)


def _outbox(db) -> list[tuple[str, str, str, str]]:
    with transaction(db) as s:
        return [(r.kind, r.subject, r.due_key, r.recipient) for r in s.exec(select(Outbox).order_by(Outbox.id))]


# -- codes and targets ----------------------------------------------------------------------------

def test_ticket_codes_count_by_month_apart_from_customer_codes(db):
    with transaction(db) as s:
        first = _new(s, now=utc(2026, 11, 2, 1))
        second = _new(s, now=utc(2026, 11, 30, 15))
        december = _new(s, now=utc(2026, 12, 1, 1))
        customers = s.exec(select(Customer.code).order_by(Customer.id)).all()
        counters = {c.period: c.value for c in s.exec(select(CodeCounter))}
    assert [first.code, second.code, december.code] == ["T202611001", "T202611002", "T202612001"]
    assert customers == ["C202611001", "C202611002", "C202612001"]
    assert counters == {"202611": 2, "202612": 1, "T202611": 2, "T202612": 1}


def test_the_migration_seeds_exactly_the_default_targets(empty_database):
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        rows = conn.execute(text("SELECT priority, response_minutes, resolution_minutes, business, warn_pct, "
                                 "escalate_after_minutes FROM sla_policy ORDER BY priority")).all()
    assert {r[0]: Targets(r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows} == DEFAULT_TARGETS


def test_targets_come_from_the_policy_row_else_the_defaults(db):
    with transaction(db) as s:
        s.add(SlaPolicy(priority="P2", response_minutes=30, resolution_minutes=480, business=False, warn_pct=50,
                        escalate_after_minutes=15))
    with transaction(db) as s:
        p2, p3 = _new(s, priority="P2"), _new(s, priority="P3")
    fields = lambda t: (t.response_minutes, t.resolution_minutes, t.sla_business, t.warn_pct, t.escalate_after_minutes)  # noqa: E731
    assert fields(p2) == (30, 480, False, 50, 15)
    assert fields(p3) == (120, 1440, True, 75, 120)
    assert p2.response_due_at == utc(2026, 11, 23, 1, 30)  # 09:30 on the clock
    assert p2.sla_next_at == utc(2026, 11, 23, 1, 15)       # half the target: 09:15


# -- clocks -----------------------------------------------------------------------------------------

def test_a_p2_ticket_opened_friday_evening_is_due_monday_morning(db):
    ticket = _ticket(db, now=FRI_1730)
    saved = _get(db, ticket.id)
    assert (saved.status, saved.created_at, saved.sla_business) == ("new", utc(2026, 11, 20, 9, 30), True)
    assert saved.response_due_at == utc(2026, 11, 23, 2, 30)    # Mon 10:30: 30 min on Friday, 90 on Monday
    assert saved.resolution_due_at == utc(2026, 11, 25, 6, 30)  # Wed 14:30: 30 + 540 + 540 + 330
    assert saved.sla_next_at == utc(2026, 11, 23, 2, 0)         # the warning at 75%: Mon 10:00
    with transaction(db) as s:
        assert [(e.kind, e.by, e.at, e.from_status, e.to_status) for e in events_of(session=s, ticket_id=ticket.id)] == [
            ("created", REP, utc(2026, 11, 20, 9, 30), None, "new")]


def test_a_pending_span_over_the_weekend_moves_nothing_in_business_time(db):
    ticket = _ticket(db, now=FRI_1730)
    paused = _act(db, ticket.id, "pending", sh(2026, 11, 20, 19, 0))
    assert (paused.status, paused.pending_since) == ("pending", utc(2026, 11, 20, 11, 0))
    assert (paused.response_due_at, paused.resolution_due_at, paused.sla_next_at) == (None, None, None)
    resumed = _act(db, ticket.id, "resume", sh(2026, 11, 23, 8, 30))
    assert (resumed.status, resumed.pending_since) == ("open", None)
    assert (resumed.response_paused_minutes, resumed.resolution_paused_minutes) == (0, 0)
    assert resumed.response_due_at == utc(2026, 11, 23, 2, 30)
    assert resumed.resolution_due_at == utc(2026, 11, 25, 6, 30)
    assert resumed.sla_next_at == utc(2026, 11, 23, 2, 0)


def test_a_pending_span_in_working_hours_moves_both_due_times(db):
    ticket = _ticket(db)  # Monday 09:00: due 11:00, solved by Wednesday 15:00
    assert (ticket.response_due_at, ticket.resolution_due_at) == (utc(2026, 11, 23, 3, 0), utc(2026, 11, 25, 7, 0))
    _act(db, ticket.id, "pending", sh(2026, 11, 23, 9, 30))
    resumed = _act(db, ticket.id, "resume", sh(2026, 11, 23, 10, 15))
    assert (resumed.response_paused_minutes, resumed.resolution_paused_minutes) == (45, 45)
    assert resumed.response_due_at == utc(2026, 11, 23, 3, 45)    # 11:45
    assert resumed.resolution_due_at == utc(2026, 11, 25, 7, 45)  # Wed 15:45


def test_p1_runs_around_the_clock(db):
    ticket = _ticket(db, priority="P1", now=sh(2026, 11, 21, 22, 0))  # a Saturday night
    assert (ticket.sla_business, ticket.escalate_after_minutes) == (False, 30)
    assert ticket.response_due_at == utc(2026, 11, 21, 16, 0)    # Sunday 00:00
    assert ticket.resolution_due_at == utc(2026, 11, 22, 14, 0)  # Sunday 22:00
    _act(db, ticket.id, "pending", sh(2026, 11, 21, 22, 30))
    resumed = _act(db, ticket.id, "resume", sh(2026, 11, 22, 0, 30))
    assert resumed.response_due_at == utc(2026, 11, 21, 18, 0)   # two hours later
    assert resumed.response_paused_minutes == 120


# -- transitions ------------------------------------------------------------------------------------

def test_each_button_records_its_time_and_event(db):
    ticket = _ticket(db, assignee=None)
    t0 = MON_0900
    taken = _act(db, ticket.id, "take", t0 + timedelta(minutes=5), user=OTHER)
    assert (taken.status, taken.assignee_id, taken.taken_at) == ("open", OTHER, utc(2026, 11, 23, 1, 5))
    replied = _act(db, ticket.id, "replied", t0 + timedelta(minutes=20), user=OTHER)
    assert (replied.first_response_at, replied.response_due_at) == (utc(2026, 11, 23, 1, 20), None)
    pending = _act(db, ticket.id, "pending", t0 + timedelta(minutes=30), user=OTHER)
    assert (pending.status, pending.pending_since, pending.resolution_due_at, pending.sla_next_at) == (
        "pending", utc(2026, 11, 23, 1, 30), None, None)
    resumed = _act(db, ticket.id, "resume", t0 + timedelta(minutes=90), user=OTHER)
    assert (resumed.status, resumed.resolution_paused_minutes, resumed.response_paused_minutes) == ("open", 60, 0)
    assert resumed.resolution_due_at == utc(2026, 11, 25, 8, 0)  # Wed 16:00: an hour later
    solved = _act(db, ticket.id, "solved", t0 + timedelta(minutes=120), user=OTHER)
    assert (solved.status, solved.solved_at, solved.resolution_due_at, solved.sla_next_at) == (
        "solved", utc(2026, 11, 23, 3, 0), None, None)
    closed = _act(db, ticket.id, "close", t0 + timedelta(minutes=130), user=REP)
    assert (closed.status, closed.closed_at) == ("closed", utc(2026, 11, 23, 3, 10))
    with transaction(db) as s:
        events = [(e.kind, e.by, e.at.astimezone(SH).strftime("%H:%M"), e.from_status, e.to_status, e.detail)
                  for e in events_of(session=s, ticket_id=ticket.id)]
    assert events == [
        ("created", REP, "09:00", None, "new", ""),
        ("take", OTHER, "09:05", "new", "open", ""),
        ("replied", OTHER, "09:20", "open", "open", ""),
        ("pending", OTHER, "09:30", "open", "pending", ""),
        ("resume", OTHER, "10:30", "pending", "open", ""),
        ("solved", OTHER, "11:00", "open", "solved", ""),
        ("close", REP, "11:10", "solved", "closed", ""),
    ]


def _refused(db, ticket_id, action, user=REP) -> DomainError:
    with pytest.raises(DomainError) as caught:
        _act(db, ticket_id, action, MON_0900 + timedelta(hours=1), user=user)
    return caught.value


def test_invalid_transitions_are_refused_and_change_nothing(db):
    ticket = _ticket(db)
    _act(db, ticket.id, "take", MON_0900 + timedelta(minutes=1))
    for action in ("close", "resume"):
        e = _refused(db, ticket.id, action)
        assert (e.key, e.params) == ("ticket_err_transition", {"code": ticket.code, "status": "open", "action": action})
    e = _refused(db, ticket.id, "take")
    assert (e.key, e.params) == ("ticket_err_yours", {"code": ticket.code})
    _act(db, ticket.id, "replied", MON_0900 + timedelta(minutes=2))
    e = _refused(db, ticket.id, "replied", user=OTHER)
    assert (e.key, e.params) == ("ticket_err_replied", {"code": ticket.code})
    _act(db, ticket.id, "solved", MON_0900 + timedelta(minutes=3))
    e = _refused(db, ticket.id, "pending")
    assert (e.key, e.params["status"]) == ("ticket_err_transition", "solved")
    assert _refused(db, 424242, "take").key == "ticket_err_missing"
    saved = _get(db, ticket.id)
    assert (saved.status, saved.closed_at, saved.solved_at) == ("solved", None, utc(2026, 11, 23, 1, 3))
    with transaction(db) as s:
        assert [e.kind for e in events_of(session=s, ticket_id=ticket.id)] == ["created", "take", "replied", "solved"]


def test_a_reply_while_waiting_on_the_customer_does_not_count_the_wait(db):
    ticket = _ticket(db)
    _act(db, ticket.id, "pending", sh(2026, 11, 23, 9, 30))
    replied = _act(db, ticket.id, "replied", sh(2026, 11, 23, 10, 0))
    assert (replied.status, replied.response_paused_minutes, replied.first_response_at) == ("pending", 30, utc(2026, 11, 23, 2, 0))
    assert used_minutes(CN, clocks(replied)["response"], sh(2026, 11, 23, 12, 0)) == 30
    resumed = _act(db, ticket.id, "resume", sh(2026, 11, 23, 11, 0))
    assert (resumed.response_paused_minutes, resumed.resolution_paused_minutes) == (30, 90)
    assert used_minutes(CN, clocks(resumed)["resolution"], sh(2026, 11, 23, 12, 0)) == 90


def test_solving_before_any_reply_counts_as_the_first_reply(db):
    ticket = _ticket(db, assignee=None)
    _act(db, ticket.id, "pending", sh(2026, 11, 23, 9, 10))
    solved = _act(db, ticket.id, "solved", sh(2026, 11, 23, 9, 40), user=OTHER)
    assert (solved.first_response_at, solved.solved_at, solved.assignee_id, solved.pending_since) == (
        utc(2026, 11, 23, 1, 40), utc(2026, 11, 23, 1, 40), OTHER, None)
    assert (solved.response_paused_minutes, solved.resolution_paused_minutes) == (30, 30)


def test_bad_input_names_every_field_and_writes_nothing(db):
    with pytest.raises(FieldErrors) as caught:
        with transaction(db) as s:
            _new(s, priority="P9", ticket_type="fax", description=" \x07 ", new_customer_name=None)
    assert [(e.field, e.key) for e in caught.value.errors] == [
        ("priority", "ticket_err_priority"), ("type", "ticket_err_type"), ("description", "err_required"), ("customer", "err_required")]
    with pytest.raises(FieldErrors) as caught:
        with transaction(db) as s:
            _new(s, description="长" * 3001)
    assert [(e.field, e.key, e.params) for e in caught.value.errors] == [("description", "err_too_long", {"limit": 3000, "length": 3001})]
    with pytest.raises(DomainError) as caught:
        with transaction(db) as s:
            _new(s, customer_id=424242, new_customer_name=None)
    assert (caught.value.key, caught.value.field) == ("err_unknown_customer", "customer")
    with transaction(db) as s:
        assert (s.exec(select(Ticket)).all(), s.exec(select(CodeCounter)).all(), s.exec(select(Customer)).all()) == ([], [], [])


def test_emoji_and_markup_are_kept_as_typed_control_characters_dropped(db):
    with transaction(db) as s:
        galaxy = create_customer(session=s, name="Galaxy Tech", owner_id=REP, created_by=REP, now=MON_0900)
    ticket = _ticket(db, customer_id=galaxy.id, new_customer_name=None, description="🔥 <!channel> *紧急*\x07\n第二行\u202e ")
    assert (ticket.description, ticket.customer_id) == ("🔥 <!channel> *紧急*\n第二行", galaxy.id)


def test_open_tickets_lists_the_assignees_unfinished_ones_by_priority(db):
    made = {}
    with transaction(db) as s:
        for name, priority, at in (("a", "P3", 0), ("b", "P1", 1), ("c", "P3", 2), ("d", "P2", 3)):
            made[name] = _new(s, priority=priority, now=MON_0900 + timedelta(minutes=at)).id
        _new(s, assignee=OTHER)
    _act(db, made["d"], "solved", MON_0900 + timedelta(minutes=9))
    with transaction(db) as s:
        shown, total = open_tickets(session=s, assignee_id=REP, limit=2)
    assert ([t.id for t, _ in shown], total) == ([made["b"], made["a"]], 3)


# -- the sweep --------------------------------------------------------------------------------------

def test_warning_breach_and_escalation_each_once_to_the_right_people(db):
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=MANAGER)
    ticket = _ticket(db)  # Monday 09:00: response due 11:00
    due = "2026-11-23T03:00:00+00:00"
    key = lambda who: subject(ticket.id, "response", who)  # noqa: E731
    assert _sweep(db, sh(2026, 11, 23, 10, 29, 59)) == 0
    assert _sweep(db, sh(2026, 11, 23, 10, 30)) == 1  # 75% of 120 minutes
    assert _outbox(db) == [("sla_warn", key(REP), due, REP)]
    assert _get(db, ticket.id).sla_next_at == utc(2026, 11, 23, 3, 1)  # the breach, a minute past due
    assert _sweep(db, sh(2026, 11, 23, 10, 30)) == 0
    assert _sweep(db, sh(2026, 11, 23, 11, 0, 59)) == 0
    assert _sweep(db, sh(2026, 11, 23, 11, 1)) == 2
    assert _outbox(db)[1:] == [("sla_breach", key(REP), due, REP), ("sla_breach", key(MANAGER), due, MANAGER)]
    assert _get(db, ticket.id).sla_next_at == utc(2026, 11, 23, 4, 0)  # escalation: 60 min past due
    assert _sweep(db, sh(2026, 11, 23, 12, 0)) == 1
    assert _outbox(db)[3:] == [("sla_escalate", key(MANAGER), due, MANAGER)]
    # next: the resolution warning, 75% of 1440 working minutes = Tuesday 18:00
    assert _get(db, ticket.id).sla_next_at == utc(2026, 11, 24, 10, 0)
    for later in (sh(2026, 11, 23, 12, 0), sh(2026, 11, 23, 17, 0)):
        assert _sweep(db, later) == 0
    assert len(_outbox(db)) == 4


def test_no_escalation_when_someone_acted_after_the_breach(db):
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=MANAGER)
    ticket = _ticket(db)
    assert _sweep(db, sh(2026, 11, 23, 11, 1)) == 2  # straight to the breach: no warning after it
    _act(db, ticket.id, "take", sh(2026, 11, 23, 11, 30))
    assert _sweep(db, sh(2026, 11, 23, 12, 0)) == 0
    assert [row[0] for row in _outbox(db)] == ["sla_breach", "sla_breach"]


def test_without_a_manager_the_admins_hear_and_an_unassigned_ticket_warns_its_creator(db):
    with transaction(db) as s:
        set_role(session=s, user_id=ADMIN, role="admin")
    ticket = _ticket(db, assignee=None, created_by=OTHER)
    _sweep(db, sh(2026, 11, 23, 10, 30), admins=frozenset({ENV_ADMIN}))
    _sweep(db, sh(2026, 11, 23, 12, 0), admins=frozenset({ENV_ADMIN}))
    assert [(kind, who) for kind, _, _, who in _outbox(db)] == [
        ("sla_warn", OTHER),
        ("sla_breach", OTHER), ("sla_breach", ENV_ADMIN), ("sla_breach", ADMIN),
        ("sla_escalate", ENV_ADMIN), ("sla_escalate", ADMIN),
    ]
    assert {s for _, s, _, _ in _outbox(db)} == {subject(ticket.id, "response", u) for u in (OTHER, ENV_ADMIN, ADMIN)}


def test_an_admin_without_a_manager_hears_of_a_breach_once_and_is_not_escalated_to(db):
    ticket = _ticket(db, assignee=ENV_ADMIN)
    _sweep(db, sh(2026, 11, 23, 12, 0), admins=frozenset({ENV_ADMIN, ADMIN}))
    assert [(kind, who) for kind, _, _, who in _outbox(db)] == [
        ("sla_breach", ENV_ADMIN), ("sla_breach", ADMIN), ("sla_escalate", ADMIN)]
    assert _outbox(db)[2][1] == subject(ticket.id, "response", ADMIN)


def test_paused_and_finished_tickets_are_not_swept(db):
    paused, solved = _ticket(db), _ticket(db)
    _act(db, paused.id, "pending", sh(2026, 11, 23, 10, 0))
    _act(db, solved.id, "solved", sh(2026, 11, 23, 10, 0))
    assert _sweep(db, sh(2026, 11, 30, 12, 0)) == 0
    assert _outbox(db) == []


def test_a_pause_that_moves_the_due_time_makes_new_alerts(db):
    ticket = _ticket(db)
    assert _sweep(db, sh(2026, 11, 23, 10, 30)) == 1
    _act(db, ticket.id, "pending", sh(2026, 11, 23, 10, 40))
    _act(db, ticket.id, "resume", sh(2026, 11, 23, 11, 40))
    assert _get(db, ticket.id).sla_next_at == utc(2026, 11, 23, 3, 30)  # the new warning: 11:30, already past
    assert _sweep(db, sh(2026, 11, 23, 11, 40)) == 1
    assert [row[2] for row in _outbox(db)] == ["2026-11-23T03:00:00+00:00", "2026-11-23T04:00:00+00:00"]
    assert _get(db, ticket.id).sla_next_at == utc(2026, 11, 23, 4, 1)


def test_two_sweeps_at_once_queue_each_alert_once(db):
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=MANAGER)
        made = [_new(s, customer=f"客户{i}").id for i in range(12)]
    results: list[int] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        try:
            results.append(_sweep(db, sh(2026, 11, 23, 11, 1)))
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=sweeper) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and sum(results) == 24
    assert sorted(_outbox(db)) == sorted((kind, subject(i, "response", who), "2026-11-23T03:00:00+00:00", who)
                                         for i in made for kind, who in (("sla_breach", REP), ("sla_breach", MANAGER)))
    assert _sweep(db, sh(2026, 11, 23, 11, 1)) == 0
    with transaction(db) as s:
        assert set(s.exec(select(Ticket.sla_next_at))) == {utc(2026, 11, 23, 4, 0)}


def test_subjects_fit_the_outbox_column():
    longest = subject(9_999_999_999, "resolution", "W" + "X" * 31)
    assert (len(longest), longest.split(":")[:3]) == (61, ["ticket", "9999999999", "resolution"])
