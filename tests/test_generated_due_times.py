"""Due times of generated next actions (issue 12): the first contact is one working day of the
OWNER's working hours in the owner's zone, on the owner's country's working days; time-limit
actions fall on the owner's working day at the start of their working hours (the lifecycle UI
tests show the needs-research and satisfaction-check cases through /crm stage).  Through the Bolt
app (/crm new) and the store, on SQLite and PostgreSQL, in zh-CN and en."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from store.customers import create_customer, create_lead
from store.db import transaction
from store.lifecycle import TimeLimits, change_stage
from store.models import NextAction
from store.permissions import Viewer
from store.sla import Calendar
from store.users import save_user
from tests.conftest import BOSS, REP, REP_EN
from tests.record_flows import customer
from tests.test_customers_ui import _sections, _submit_new, _team

UTC = timezone.utc
SH, NY, LONDON = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
CAL = Calendar()  # the team's: Asia/Shanghai, 09:00-18:00, Monday-Friday, mainland China's holidays


def _first_contact(db) -> NextAction:
    with transaction(db) as s:
        return s.exec(select(NextAction).where(NextAction.origin == "lifecycle:first_contact")).one()


def _dm_to(fake, user: str) -> dict:
    return next(c.params for c in fake.wait_for("chat.postMessage") if c.params["channel"] == user)


@pytest.mark.parametrize("created, due, shown", [
    # Friday 15:00 in New York -> Monday 15:00 there (the team's Shanghai calendar said Monday 05:00)
    (datetime(2026, 11, 20, 15, 0, tzinfo=NY), datetime(2026, 11, 23, 15, 0, tzinfo=NY), "Mon, Nov 23, 2026, 3:00\u202fPM"),
    # Wednesday before Thanksgiving: the US holiday is skipped (a working day in Shanghai)
    (datetime(2026, 11, 25, 15, 0, tzinfo=NY), datetime(2026, 11, 27, 15, 0, tzinfo=NY), "Fri, Nov 27, 2026, 3:00\u202fPM"),
    # 01:28 on a Tuesday: that day's whole working day, 09:00-18:00 New York time
    (datetime(2026, 12, 1, 1, 28, tzinfo=NY), datetime(2026, 12, 1, 18, 0, tzinfo=NY), "Tue, Dec 1, 2026, 6:00\u202fPM"),
    # China's National Day (1-7 October) is not a New York holiday
    (datetime(2026, 9, 30, 15, 0, tzinfo=NY), datetime(2026, 10, 1, 15, 0, tzinfo=NY), "Thu, Oct 1, 2026, 3:00\u202fPM"),
    # clocks go forward on Sunday 8 March: still 15:00 on the New York wall clock (19:00 UTC, not 20:00)
    (datetime(2026, 3, 6, 15, 0, tzinfo=NY), datetime(2026, 3, 9, 15, 0, tzinfo=NY), "Mon, Mar 9, 2026, 3:00\u202fPM"),
    # and back on Sunday 1 November, at 01:30 (the hour that happens twice): Monday's whole working day
    (datetime(2026, 11, 1, 1, 30, tzinfo=NY), datetime(2026, 11, 2, 18, 0, tzinfo=NY), "Mon, Nov 2, 2026, 6:00\u202fPM"),
    # Christmas Eve: Christmas (Friday) and the weekend skipped
    (datetime(2026, 12, 24, 15, 0, tzinfo=NY), datetime(2026, 12, 28, 15, 0, tzinfo=NY), "Mon, Dec 28, 2026, 3:00\u202fPM"),
])
def test_a_new_york_owners_first_contact_counts_new_york_working_days(bolt, fake, db, remember, created, due, shown):
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = created.astimezone(UTC)
    assert _submit_new(bolt, user=REP_EN, name="Galaxy Tech", owner=REP_EN) == (200, b"")
    assert _first_contact(db).due_at == due
    assert _sections(_dm_to(fake, REP_EN)["blocks"])[0].endswith(f"*First contact due:* {shown}")


@pytest.mark.parametrize("created, shown", [
    # National Day, 1-7 October, then Thursday 8 October
    (datetime(2026, 9, 30, 15, 0, tzinfo=SH), "2026年10月8日周四 15:00"),
    # Friday 9 October -> Saturday 10 October, a make-up working day (调休)
    (datetime(2026, 10, 9, 15, 0, tzinfo=SH), "2026年10月10日周六 15:00"),
])
def test_a_shanghai_owners_first_contact_keeps_the_mainland_calendar(bolt, fake, db, remember, created, shown):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = created.astimezone(UTC)
    assert _submit_new(bolt, user=REP, name="星河科技", owner=REP) == (200, b"")
    assert _sections(_dm_to(fake, REP)["blocks"])[0].endswith(f"*首次联系截止：* {shown}")


def test_a_shanghai_manager_giving_a_lead_to_a_new_york_rep_gets_the_reps_working_day(bolt, fake, db, remember):
    _team(db)
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = datetime(2026, 11, 20, 15, 0, tzinfo=NY).astimezone(UTC)   # Saturday 04:00 in Shanghai
    assert _submit_new(bolt, user=BOSS, name="月光传媒", owner=REP_EN) == (200, b"")
    assert _first_contact(db).due_at == datetime(2026, 11, 23, 15, 0, tzinfo=NY)
    # the manager reads it on their own clock
    assert _sections(_dm_to(fake, BOSS)["blocks"])[0].endswith("*首次联系截止：* 2026年11月24日周二 04:00")


def test_a_new_york_owners_nps_loop_counts_two_new_york_working_days(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = datetime(2026, 11, 20, 15, 0, tzinfo=NY).astimezone(UTC)   # Friday 15:00 in New York
    with transaction(db) as s:
        create_customer(session=s, name="Galaxy Tech", owner_id=REP_EN, created_by=REP_EN, now=bolt.now)
    bolt.command("nps Galaxy Tech 3 still slow", user=REP_EN)
    reply = fake.wait_for("response_url:cmd")[0].params["text"]
    with transaction(db) as s:
        loop = s.exec(select(NextAction)).one()
    # Monday and Tuesday until 15:00, New York hours (the Shanghai calendar said Tuesday 05:00 New York)
    assert loop.due_at == datetime(2026, 11, 24, 15, 0, tzinfo=NY)
    assert reply.endswith("and created a close-the-loop action due Tue, Nov 24, 2026, 3:00\u202fPM.")


def _known(db, user: str, tz: str) -> None:
    with transaction(db) as s:
        save_user(session=s, user_id=user, name=user, email="", tz=tz, locale="en-GB", now=datetime(2026, 1, 1, tzinfo=UTC))


def _satisfaction_due(db, name: str, owner: str, delivered: datetime) -> datetime:
    limits = TimeLimits(calendar=CAL)
    with transaction(db) as s:
        customer, _ = create_lead(session=s, name=name, owner_id=owner, created_by=owner, now=delivered.astimezone(UTC),
                                  calendar=CAL, limits=limits)
        change_stage(session=s, viewer=Viewer(id=owner), customer_id=customer.id, stage="converted", status="delivered",
                     now=delivered.astimezone(UTC), limits=limits)
        return s.exec(select(NextAction).where(NextAction.customer_id == customer.id,
                                               NextAction.origin == "lifecycle:satisfaction_check")).one().due_at


def test_time_limits_fall_on_the_owners_working_day_at_the_start_of_their_hours(db):
    _known(db, "U_LDN", "Europe/London")
    with transaction(db) as s:
        _, first = create_lead(session=s, name="Thames Ltd", owner_id="U_LDN", created_by="U_LDN", calendar=CAL,
                               now=datetime(2026, 12, 18, 1, 28, tzinfo=LONDON).astimezone(UTC))
    assert first.due_at == datetime(2026, 12, 18, 18, 0, tzinfo=LONDON)   # Friday's working day, London hours
    # a week after Fri 11 Dec 23:00 London (Saturday 07:00 in Shanghai) is Fri 18 Dec: 09:00 London
    assert _satisfaction_due(db, "Avon Ltd", "U_LDN", datetime(2026, 12, 11, 23, 0, tzinfo=LONDON)) == (
        datetime(2026, 12, 18, 9, 0, tzinfo=LONDON))
    # a week after Fri 18 Dec is Christmas; Boxing Day is a Saturday, observed Monday 28th: Tue 29 Dec
    assert _satisfaction_due(db, "Severn Ltd", "U_LDN", datetime(2026, 12, 18, 12, 0, tzinfo=LONDON)) == (
        datetime(2026, 12, 29, 9, 0, tzinfo=LONDON))
    # an owner Slack never described works the team's calendar: Shanghai, mainland holidays
    assert _satisfaction_due(db, "黄河科技", "U_NEW", datetime(2026, 9, 24, 1, 28, tzinfo=SH)) == (
        datetime(2026, 10, 8, 9, 0, tzinfo=SH))   # Thu 1 Oct is National Day: Thursday 8 October


@pytest.mark.parametrize("user, tz, locale, moved, name, command, line", [
    # Saturday 5 December, 10:00 in Shanghai: two weeks later is a Saturday, so Monday 21 December 09:00
    (REP, "Asia/Shanghai", "zh-CN", datetime(2026, 12, 5, 10, 0, tzinfo=SH), "星河科技", "stage 星河科技 nurturing 意向明确 周末加班确认",
     "⏰ 已自动创建下一步：*完成需求调研*，截止 2026年12月21日周一 09:00，负责人 <@U0REP00001>"),
    # delivered Friday 18 December, 16:00 in New York: a week later is Christmas, then the weekend:
    # Monday 28 December, 9:00 New York time
    (REP_EN, "America/New_York", "en-US", datetime(2026, 12, 18, 16, 0, tzinfo=NY), "Galaxy Tech",
     "stage Galaxy Tech converted delivered went live",
     "⏰ Next action created: *Satisfaction check after delivery*, due Mon, Dec 28, 2026, 9:00\u202fAM, owner <@U0REPEN002>"),
])
def test_a_time_limit_reached_on_a_weekend_or_holiday_moves_to_the_next_working_day_through_crm_stage(
        bolt, fake, db, remember, user, tz, locale, moved, name, command, line):
    remember(user, tz, locale)
    bolt.now = moved.astimezone(UTC)
    stage = ("converted", "signed") if locale == "en-US" else (None, None)
    made = customer(db, name, owner=user, stage=stage[0], status=stage[1], now=bolt.now)
    bolt.command(command, user=user)
    reply = fake.wait_for("response_url:cmd")[0].params["text"]
    assert reply.splitlines()[-1] == line
    with transaction(db) as s:
        [action] = s.exec(select(NextAction).where(NextAction.customer_id == made.id, NextAction.origin.startswith("lifecycle:"),
                                                   NextAction.origin != "lifecycle:first_contact")).all()
    assert action.due_at.astimezone(ZoneInfo(tz)).strftime("%a %d %H:%M") == ("Mon 21 09:00" if locale == "zh-CN" else "Mon 28 09:00")
