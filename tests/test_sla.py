"""store.sla and store.sla_clock: SLA clocks over business hours, checked against hand-computed instants.

Every case names its start and expects one exact UTC instant (Shanghai is UTC+8, no DST).
"""
from __future__ import annotations

import random
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from holidays.registry import COUNTRIES, FINANCIAL

from store.sla import Calendar, add_business, add_calendar, business_minutes, deadline, elapsed, has_holidays, is_working_day
from store.sla_clock import Clock, due_at, pause, remaining_minutes, resume, state, used_minutes, warn_at

UTC = timezone.utc
SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
CN = Calendar()  # Shanghai, 09:00-18:00, Monday-Friday, mainland China's holidays
US = Calendar.parse(tz="America/New_York", country="US")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Friday 2026-11-20 and the weekend after it: no holiday anywhere near.
FRI_1730 = sh(2026, 11, 20, 17, 30)


# ---------------------------------------------------------------------------------------------
# Business-time arithmetic, Shanghai
# ---------------------------------------------------------------------------------------------

def test_friday_evening_ticket_is_due_monday_morning():
    got = add_business(CN, FRI_1730, 120)
    assert got == utc(2026, 11, 23, 2, 30)  # Monday 10:30 Shanghai
    assert got.tzinfo is UTC


def test_saturday_ticket_starts_at_monday_opening():
    assert add_business(CN, sh(2026, 11, 21, 10, 0), 120) == utc(2026, 11, 23, 3, 0)  # Mon 11:00
    assert add_business(CN, sh(2026, 11, 21, 23, 59), 1) == utc(2026, 11, 23, 1, 1)  # Mon 09:01


def test_night_and_early_morning_starts():
    assert add_business(CN, sh(2026, 11, 24, 22, 0), 30) == utc(2026, 11, 25, 1, 30)  # Wed 09:30
    assert add_business(CN, sh(2026, 11, 24, 7, 0), 30) == utc(2026, 11, 24, 1, 30)  # Tue 09:30


def test_target_used_up_at_closing_falls_due_at_closing():
    assert add_business(CN, sh(2026, 11, 20, 17, 0), 60) == utc(2026, 11, 20, 10, 0)  # Fri 18:00
    assert add_business(CN, sh(2026, 11, 20, 17, 0), 61) == utc(2026, 11, 23, 1, 1)  # Mon 09:01


def test_zero_minutes_is_the_start_itself():
    assert add_business(CN, sh(2026, 11, 21, 10, 0), 0) == utc(2026, 11, 21, 2, 0)


def test_seconds_are_kept():
    assert add_business(CN, sh(2026, 11, 24, 17, 59, 30), 1) == utc(2026, 11, 25, 1, 0, 30)


def test_ten_thousand_minutes_over_weeks():
    # 18 working days of 540 min = 9,720 (Nov 2-25), then 280 min on Thu Nov 26: 13:40.
    start = sh(2026, 11, 2, 9, 0)
    got = add_business(CN, start, 10_000)
    assert got == utc(2026, 11, 26, 5, 40)
    assert business_minutes(CN, start, got) == 10_000


def test_business_minutes_counts_only_working_hours():
    assert business_minutes(CN, FRI_1730, sh(2026, 11, 23, 10, 30)) == 120
    assert business_minutes(CN, sh(2026, 11, 21, 0, 0), sh(2026, 11, 22, 23, 59)) == 0
    assert business_minutes(CN, sh(2026, 11, 23, 0, 0), sh(2026, 11, 28, 0, 0)) == 5 * 540
    assert business_minutes(CN, sh(2026, 11, 23, 12, 0), sh(2026, 11, 23, 11, 0)) == 0
    assert business_minutes(CN, sh(2026, 11, 23, 9, 0), sh(2026, 11, 23, 9, 0, 59)) == 0


# ---------------------------------------------------------------------------------------------
# Chinese holidays and make-up working days (调休), as the holidays package knows them
# ---------------------------------------------------------------------------------------------

def test_the_holidays_package_knows_2026_national_day_and_its_make_up_days():
    cn = holidays.China(years=2026)
    assert [d for d in cn if d.month == 10] == [
        date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3),
        date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7),
    ]
    assert sorted(d for d in cn.weekend_workdays if d.year == 2026) == [
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
        date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
    ]


def test_working_days_around_national_day_2026():
    days = [date(2026, 9, 19) + timedelta(days=i) for i in range(23)]  # Sep 19 - Oct 11
    assert [d for d in days if is_working_day(CN, d)] == [
        date(2026, 9, 20),  # Sunday, make-up day
        date(2026, 9, 21), date(2026, 9, 22), date(2026, 9, 23), date(2026, 9, 24),
        # Fri Sep 25: Mid-Autumn Festival
        date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30),
        # Oct 1-7: National Day week
        date(2026, 10, 8), date(2026, 10, 9),
        date(2026, 10, 10),  # Saturday, make-up day
    ]


def test_a_day_long_target_across_national_day_2026():
    # Wed Sep 30 17:00-18:00 = 60; Oct 1-7 off; Thu Oct 8 = 600; Fri Oct 9 = 1140;
    # Sat Oct 10 is a make-up working day: 300 more minutes -> 14:00.
    start = sh(2026, 9, 30, 17, 0)
    got = add_business(CN, start, 1440)
    assert got == utc(2026, 10, 10, 6, 0)
    assert business_minutes(CN, start, got) == 1440
    assert business_minutes(CN, sh(2026, 9, 30, 18, 0), sh(2026, 10, 8, 9, 0)) == 0


def test_spring_festival_2026():
    # Fri Feb 13 17:00: 60 min that day, then Sat Feb 14 is a make-up working day.
    assert add_business(CN, sh(2026, 2, 13, 17, 0), 120) == utc(2026, 2, 14, 2, 0)  # 10:00
    # Opened on Sunday Feb 15: off through Mon Feb 23, back on Tue Feb 24.
    assert add_business(CN, sh(2026, 2, 15, 12, 0), 120) == utc(2026, 2, 24, 3, 0)  # 11:00
    assert is_working_day(CN, date(2026, 2, 28))  # Saturday, make-up day


def test_make_up_sunday_counts():
    assert add_business(CN, sh(2026, 9, 19, 10, 0), 120) == utc(2026, 9, 20, 3, 0)  # Sun 11:00


def test_calendar_without_country_has_no_holidays_and_no_make_up_days():
    plain = Calendar(country=None)
    assert is_working_day(plain, date(2026, 10, 1))
    assert not is_working_day(plain, date(2026, 10, 10))
    # Wed 60, Thu Oct 1 600, Fri Oct 2 1140, the weekend off, Mon Oct 5 at 14:00.
    assert add_business(plain, sh(2026, 9, 30, 17, 0), 1440) == utc(2026, 10, 5, 6, 0)


def test_extra_holidays_and_workdays():
    cal = Calendar(extra_holidays={date(2026, 11, 23)}, extra_workdays={date(2026, 11, 21)})
    assert cal.extra_holidays == frozenset({date(2026, 11, 23)})
    assert add_business(cal, FRI_1730, 120) == utc(2026, 11, 21, 2, 30)  # Sat 10:30
    assert add_business(cal, sh(2026, 11, 21, 18, 0), 60) == utc(2026, 11, 24, 2, 0)  # Tue 10:00
    assert is_working_day(Calendar(extra_workdays={date(2026, 10, 1)}), date(2026, 10, 1))


# ---------------------------------------------------------------------------------------------
# Other zones: New York with US holidays, over DST changes
# ---------------------------------------------------------------------------------------------

def test_new_york_over_spring_forward():
    # Fri 2026-03-06 17:00 EST; clocks jump on Sun Mar 8; Mon 10:00 EDT is 14:00 UTC.
    start = ny(2026, 3, 6, 17, 0)
    assert add_business(US, start, 120) == utc(2026, 3, 9, 14, 0)
    assert business_minutes(US, ny(2026, 3, 6, 9, 0), ny(2026, 3, 9, 18, 0)) == 1080


def test_new_york_over_fall_back():
    # Fri 2026-10-30 17:30 EDT; clocks fall back on Sun Nov 1; Mon 10:30 EST is 15:30 UTC.
    assert add_business(US, ny(2026, 10, 30, 17, 30), 120) == utc(2026, 11, 2, 15, 30)


def test_new_york_thanksgiving():
    # Wed Nov 25 17:00-18:00, Thanksgiving Thursday off, Friday Nov 27 is a working day.
    assert add_business(US, ny(2026, 11, 25, 17, 0), 120) == utc(2026, 11, 27, 15, 0)


def test_round_the_clock_calendar_counts_real_time_on_dst_days():
    cal = Calendar.parse(tz="America/New_York", hours="00:00-24:00", days="1-7", country=None)
    assert cal.end == time(0, 0)
    assert business_minutes(cal, ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0)) == 23 * 60
    assert business_minutes(cal, ny(2026, 11, 1, 0, 0), ny(2026, 11, 2, 0, 0)) == 25 * 60
    assert add_business(cal, ny(2026, 3, 7, 12, 0), 1440) == utc(2026, 3, 8, 17, 0)


def test_evening_hours_ending_at_midnight():
    cal = Calendar.parse(tz="Asia/Shanghai", hours="20:00-24:00", days="1-5", country=None)
    assert add_business(cal, sh(2026, 11, 20, 23, 0), 120) == utc(2026, 11, 23, 13, 0)  # Mon 21:00
    assert business_minutes(cal, sh(2026, 11, 23, 0, 0), sh(2026, 11, 24, 0, 0)) == 240


# ---------------------------------------------------------------------------------------------
# Calendar-time targets
# ---------------------------------------------------------------------------------------------

def test_calendar_time_targets():
    assert add_calendar(FRI_1730, 120) == utc(2026, 11, 20, 11, 30)
    assert deadline(CN, FRI_1730, 120, business=False) == utc(2026, 11, 20, 11, 30)
    assert deadline(CN, FRI_1730, 120, business=True) == utc(2026, 11, 23, 2, 30)
    assert elapsed(CN, FRI_1730, sh(2026, 11, 23, 10, 30), business=False) == 3900
    assert elapsed(CN, FRI_1730, sh(2026, 11, 23, 10, 30), business=True) == 120
    assert elapsed(CN, FRI_1730, sh(2026, 11, 20, 17, 0), business=False) == 0
    # A day of calendar time over New York's spring-forward is 24 real hours: 13:00 EDT.
    assert add_calendar(ny(2026, 3, 7, 12, 0), 1440) == utc(2026, 3, 8, 17, 0)


# ---------------------------------------------------------------------------------------------
# Clocks: pauses, warnings, states
# ---------------------------------------------------------------------------------------------

def test_pause_over_the_weekend_in_business_time():
    clock = Clock(started_at=sh(2026, 11, 20, 14, 0), target_minutes=480, business=True)
    assert due_at(CN, clock) == utc(2026, 11, 23, 5, 0)  # Mon 13:00 without a pause
    paused = pause(CN, clock, sh(2026, 11, 20, 16, 0))
    assert paused.paused_since == utc(2026, 11, 20, 8, 0)
    assert due_at(CN, paused) is None
    assert warn_at(CN, paused, 75) is None
    assert state(CN, paused, sh(2026, 11, 21, 12, 0)) == "paused"
    assert used_minutes(CN, paused, sh(2026, 11, 23, 9, 30)) == 120
    resumed = resume(CN, paused, sh(2026, 11, 23, 10, 0))
    # Fri 16:00-18:00 and Mon 09:00-10:00 were paused business time.
    assert resumed == Clock(
        started_at=sh(2026, 11, 20, 14, 0), target_minutes=480, business=True, paused_minutes=180
    )
    assert used_minutes(CN, resumed, sh(2026, 11, 23, 10, 0)) == 120
    assert due_at(CN, resumed) == utc(2026, 11, 23, 8, 0)  # Mon 16:00: 360 left from 10:00
    assert remaining_minutes(CN, resumed, sh(2026, 11, 23, 10, 0)) == 360


def test_pause_over_the_weekend_in_calendar_time():
    clock = Clock(started_at=sh(2026, 11, 20, 14, 0), target_minutes=480, business=False)
    resumed = resume(CN, pause(CN, clock, sh(2026, 11, 20, 16, 0)), sh(2026, 11, 23, 10, 0))
    assert resumed.paused_minutes == 66 * 60
    assert resumed.paused_since is None
    assert used_minutes(CN, resumed, sh(2026, 11, 23, 10, 0)) == 120
    assert due_at(CN, resumed) == utc(2026, 11, 23, 8, 0)  # Mon 16:00
    assert state(CN, resumed, sh(2026, 11, 23, 15, 59)) == "running"


def test_pause_and_resume_are_idempotent():
    clock = Clock(started_at=FRI_1730, target_minutes=120, business=True)
    assert resume(CN, clock, sh(2026, 11, 23, 9, 0)) is clock
    paused = pause(CN, clock, sh(2026, 11, 20, 17, 45))
    assert pause(CN, paused, sh(2026, 11, 23, 9, 0)) is paused
    stopped = Clock(started_at=FRI_1730, target_minutes=120, business=True, stopped_at=FRI_1730)
    assert pause(CN, stopped, sh(2026, 11, 23, 9, 0)) is stopped
    with pytest.raises(ValueError, match="before it started"):
        pause(CN, clock, sh(2026, 11, 20, 17, 0))
    with pytest.raises(ValueError, match="before it was paused"):
        resume(CN, paused, sh(2026, 11, 20, 17, 40))


def test_warn_at_75_percent():
    clock = Clock(started_at=FRI_1730, target_minutes=120, business=True)
    assert warn_at(CN, clock, 75) == utc(2026, 11, 23, 2, 0)  # 30 on Friday + 60: Mon 10:00
    assert warn_at(CN, clock, 100) == due_at(CN, clock)
    calendar = Clock(started_at=FRI_1730, target_minutes=120, business=False)
    assert warn_at(CN, calendar, 75) == utc(2026, 11, 20, 11, 0)  # Fri 19:00
    short = Clock(started_at=FRI_1730, target_minutes=10, business=False)
    assert warn_at(CN, short, 75) == utc(2026, 11, 20, 9, 37, 30)  # 7.5 minutes
    after_pause = Clock(started_at=FRI_1730, target_minutes=120, business=True, paused_minutes=30)
    assert warn_at(CN, after_pause, 75) == utc(2026, 11, 23, 2, 30)  # Mon 10:30
    with pytest.raises(ValueError, match="negative"):
        warn_at(CN, clock, -1)


def test_state_transitions_and_remaining():
    clock = Clock(started_at=FRI_1730, target_minutes=120, business=True)
    assert due_at(CN, clock) == utc(2026, 11, 23, 2, 30)  # Mon 10:30
    assert state(CN, clock, sh(2026, 11, 20, 17, 30)) == "running"
    assert remaining_minutes(CN, clock, sh(2026, 11, 20, 17, 30)) == 120
    assert remaining_minutes(CN, clock, sh(2026, 11, 22, 12, 0)) == 90  # the weekend is free
    assert state(CN, clock, sh(2026, 11, 23, 10, 30)) == "running"
    assert remaining_minutes(CN, clock, sh(2026, 11, 23, 10, 30)) == 0
    assert state(CN, clock, sh(2026, 11, 23, 10, 30, 1)) == "breached"
    assert remaining_minutes(CN, clock, sh(2026, 11, 23, 10, 30, 1)) == -1
    assert remaining_minutes(CN, clock, sh(2026, 11, 23, 12, 0)) == -90
    assert used_minutes(CN, clock, sh(2026, 11, 23, 12, 0)) == 210
    # Paused after the breach: still breached, the overrun frozen.
    late = pause(CN, clock, sh(2026, 11, 23, 12, 0))
    assert state(CN, late, sh(2026, 11, 24, 12, 0)) == "breached"
    assert remaining_minutes(CN, late, sh(2026, 11, 24, 12, 0)) == -90


def test_due_at_closing_breaches_only_when_business_time_moves_on():
    clock = Clock(started_at=sh(2026, 11, 20, 17, 0), target_minutes=60, business=True)
    assert due_at(CN, clock) == utc(2026, 11, 20, 10, 0)  # Fri 18:00
    assert state(CN, clock, sh(2026, 11, 21, 12, 0)) == "running"
    assert remaining_minutes(CN, clock, sh(2026, 11, 21, 12, 0)) == 0
    assert state(CN, clock, sh(2026, 11, 23, 9, 1)) == "breached"
    assert remaining_minutes(CN, clock, sh(2026, 11, 23, 9, 1)) == -1


def test_met_and_met_late():
    on_time = Clock(
        started_at=FRI_1730, target_minutes=120, business=True, stopped_at=sh(2026, 11, 23, 10, 0)
    )
    assert state(CN, on_time, sh(2026, 12, 31, 12, 0)) == "met"
    assert used_minutes(CN, on_time, sh(2026, 12, 31, 12, 0)) == 90
    assert remaining_minutes(CN, on_time, sh(2026, 12, 31, 12, 0)) == 30
    assert due_at(CN, on_time) is None
    assert warn_at(CN, on_time, 75) is None
    late = Clock(
        started_at=FRI_1730, target_minutes=120, business=True, stopped_at=sh(2026, 11, 23, 11, 0)
    )
    assert state(CN, late, sh(2026, 12, 31, 12, 0)) == "breached"
    assert remaining_minutes(CN, late, sh(2026, 12, 31, 12, 0)) == -30


def test_clock_refuses_naive_times_and_negative_minutes():
    with pytest.raises(ValueError, match="naive"):
        Clock(started_at=datetime(2026, 11, 20, 9, 0), target_minutes=60, business=True)
    with pytest.raises(ValueError, match="negative"):
        Clock(started_at=FRI_1730, target_minutes=-1, business=True)
    with pytest.raises(ValueError, match="naive"):
        add_business(CN, datetime(2026, 11, 20, 9, 0), 60)


# ---------------------------------------------------------------------------------------------
# Properties over many random starts
# ---------------------------------------------------------------------------------------------

CALENDARS = [
    CN,
    US,
    Calendar.parse(tz="Asia/Shanghai", hours="08:30-20:00", days="1-6"),
    Calendar.parse(tz="Europe/London", hours="00:00-24:00", days="1-7", country=None),
]


def test_business_minutes_inverts_add_business():
    rng = random.Random(20260930)
    base = utc(2025, 12, 1)
    for _ in range(400):
        cal = rng.choice(CALENDARS)
        start = base + timedelta(seconds=rng.randrange(400 * 86400))
        minutes = rng.randrange(0, 6000)
        due = add_business(cal, start, minutes)
        assert due.tzinfo is UTC
        assert business_minutes(cal, start, due) == minutes, (cal, start, minutes)
        if minutes:
            # The earliest such instant: a minute earlier, one minute less has passed.
            assert business_minutes(cal, start, due - timedelta(minutes=1)) == minutes - 1


def _count_minutes(cal: Calendar, start: datetime, end: datetime) -> int:
    """Brute force: walk minute by minute, keep those on a working day within hours."""
    zone = ZoneInfo(cal.tz)
    n, t = 0, start
    while t < end:
        local = t.astimezone(zone)
        if is_working_day(cal, local.date()) and cal.start <= local.time() < cal.end:
            n += 1
        t += timedelta(minutes=1)
    return n


def test_business_minutes_agrees_with_a_minute_by_minute_walk():
    rng = random.Random(7)
    base = utc(2026, 1, 1)
    for _ in range(40):
        cal = rng.choice([CN, US])
        start = base + timedelta(minutes=rng.randrange(365 * 1440))
        end = start + timedelta(minutes=rng.randrange(4 * 1440))
        assert business_minutes(cal, start, end) == _count_minutes(cal, start, end), (cal, start)


def test_huge_targets_are_bounded():
    assert add_business(CN, sh(2026, 1, 5, 9, 0), 1_000_000) > utc(2032, 1, 1)
    with pytest.raises(ValueError, match="3653 days"):
        add_business(CN, sh(2026, 1, 5, 9, 0), 10**9)
    with pytest.raises(ValueError, match="3653 days"):
        business_minutes(CN, sh(2026, 1, 5, 9, 0), sh(2046, 1, 5, 9, 0))


# ---------------------------------------------------------------------------------------------
# Calendar.parse
# ---------------------------------------------------------------------------------------------

def test_parse_good_inputs():
    assert Calendar.parse(tz="Asia/Shanghai") == Calendar()
    assert Calendar.parse(
        tz="America/New_York", hours=" 8:30 - 17:30 ", days="1-3,6", country="us"
    ) == Calendar(
        tz="America/New_York", start=time(8, 30), end=time(17, 30),
        workdays=frozenset({0, 1, 2, 5}), country="US",
    )
    assert Calendar.parse(tz="UTC", days="1,2,3,4,5,6", country="").workdays == frozenset(range(6))
    assert Calendar.parse(tz="UTC", days="7", country=None).workdays == frozenset({6})
    assert Calendar.parse(tz="UTC", country=None).country is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hours": "9-18"}, "must look like 09:00-18:00"),
        ({"hours": ""}, "must look like 09:00-18:00"),
        ({"hours": "18:00-09:00"}, "must end after they start"),
        ({"hours": "09:00-09:00"}, "must end after they start"),
        ({"hours": "25:00-26:00"}, "not a time of day"),
        ({"hours": "09:60-18:00"}, "not a time of day"),
        ({"hours": "09:00-24:30"}, "not a time of day"),
        ({"days": ""}, "must look like 1-5"),
        ({"days": "0-4"}, "must look like 1-5"),
        ({"days": "1-8"}, "must look like 1-5"),
        ({"days": "mon-fri"}, "must look like 1-5"),
        ({"days": "1,,2"}, "must look like 1-5"),
        ({"days": "5-1"}, "runs backwards"),
        ({"tz": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"country": "XX"}, "no public holidays known"),
    ],
)
def test_parse_bad_inputs(kwargs, message):
    args = {"tz": "Asia/Shanghai", **kwargs}
    with pytest.raises(ValueError, match=message):
        Calendar.parse(**args)


def test_a_country_is_known_exactly_when_the_holidays_package_has_it():
    """has_holidays reads the package's registry; country_holidays is what a calendar then calls."""
    names = {name for names in (*COUNTRIES.values(), *FINANCIAL.values()) for name in names}
    for name in sorted(names | {"XX", "ZZZ", "cn", "Narnia"}):
        try:
            holidays.country_holidays(name)
            known = True
        except NotImplementedError:
            known = False
        assert has_holidays(name) == known, name
    assert has_holidays("CN") and has_holidays("US") and not has_holidays("XX")


def test_a_calendar_and_its_working_days_leave_the_holidays_package_out_of_the_process():
    """The registry and the days are asked of a child process (store/holiday_days.py): 4.6 MB kept out."""
    code = ("import sys; from datetime import date; from store.sla import Calendar, is_working_day; "
            "cal = Calendar.parse(tz='America/New_York', country='US'); print(is_working_day(cal, date(2026, 7, 3))); "
            "print(sorted(m for m in sys.modules if m.startswith('holidays')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split("\n")[:2] == ["False", "[]"]  # July 4th observed on the 3rd


def test_the_days_of_a_country_load_only_its_own_country_module():
    """Where the package is imported (the child), one country's days load that country's module, not the
    package's ~250 (8 MB)."""
    code = ("import sys; from datetime import date; from store.holiday_days import days_here; "
            "print(date(2026, 7, 3) in days_here('US', 2026)[0]); "
            "print(sorted(m for m in sys.modules if m.startswith(('holidays.countries', 'holidays.financial'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split("\n")[:2] == ["True", "['holidays.countries.united_states']"]


@pytest.mark.parametrize("country", ["CN", "US", "DE", "JP", "GB", "NYSE", "CHN"])
def test_working_days_are_the_holidays_packages_own(country):
    """Loading one module gives what `holidays.country_holidays` gives: every day of two years."""
    cal = Calendar(tz="UTC", country=country)
    h = holidays.country_holidays(country, years=range(2025, 2028))
    made_up = set(getattr(h, "weekend_workdays", ()))
    day = date(2025, 1, 1)
    while day.year < 2027:
        assert is_working_day(cal, day) == (day in made_up or (day not in h and day.weekday() < 5)), (country, day)
        day += timedelta(days=1)


def test_calendar_with_no_working_days_is_refused():
    with pytest.raises(ValueError, match="at least one working day"):
        Calendar(workdays=frozenset())
    with pytest.raises(ValueError, match="workdays are 0"):
        Calendar(workdays=frozenset({7}))
    with pytest.raises(ValueError, match="both extra holidays and extra workdays"):
        Calendar(extra_holidays={date(2026, 1, 1)}, extra_workdays={date(2026, 1, 1)})
