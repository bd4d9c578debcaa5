"""store.holiday_days: the `holidays` package's answers from a short-lived child process (issue 14)
are the ones the package gives in this process, and a child that fails costs nothing but memory.

This module imports the package (through the in-process answers), so `entity_names()` and
`country_days()` would compute here: the child's own answers are asked for directly, and the
fall-back is seen in a fresh interpreter whose child cannot start."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from store.holiday_days import (country_days, days_from_child, days_here, entity_names, names_from_child, names_from_source,
                                 names_here)


def test_the_child_and_the_registrys_source_know_the_codes_this_process_knows():
    names = names_from_child()
    assert names == names_from_source() == names_here() == entity_names()
    assert {"CN", "US", "NYSE", "XSHG"} <= names and "XX" not in names


@pytest.mark.parametrize(("country", "year"), [
    ("CN", 2026),   # make-up working days (调休) as well as days off
    ("CN", 2001),   # make-up days announced with the next year's holidays (2001-12-29, -30)
    ("US", 2026),   # days off, no make-up days
    ("NYSE", 2026),  # a market
    ("CN", 1900),   # a year the package has no holidays for
])
def test_the_childs_days_are_this_process_days(country, year):
    assert days_from_child(country, year) == days_here(country, year) == country_days(country, year)


def test_the_child_gives_china_2026_with_its_make_up_days():
    off, on = days_from_child("CN", 2026)
    assert {date(2026, 1, 1), date(2026, 2, 17), date(2026, 10, 1), date(2026, 10, 7)} <= off
    assert on == {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
                  date(2026, 10, 10)}


def test_an_unknown_code_is_refused_by_the_child_as_in_this_process():
    with pytest.raises(NotImplementedError, match="XX"):
        days_here("XX", 2026)
    with pytest.raises(NotImplementedError, match="XX"):
        days_from_child("XX", 2026)


def test_the_child_prints_json_on_its_stdout():
    """`python -m store.holiday_days` answers as the child does."""
    done = subprocess.run([sys.executable, "-m", "store.holiday_days", "days", "CN", "2026"], capture_output=True,
                          text=True, timeout=120, check=True)
    assert "2026-10-10" in json.loads(done.stdout)["on"]


CHECK = """
import json, sys
from datetime import date
from store.holiday_days import country_days, entity_names
{setup}
(off, on), names = country_days("CN", 2026), entity_names()
print(json.dumps([date(2026, 10, 1) in off, date(2026, 10, 10) in on, "CN" in names, "holidays" in sys.modules]))
"""


def _run(setup: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CHECK.format(setup=setup)], capture_output=True, text=True, timeout=120,
                          check=True)


def test_a_process_without_the_package_asks_the_child_and_does_not_load_it():
    done = _run()
    assert json.loads(done.stdout) == [True, True, True, False]
    assert "failed" not in done.stderr


@pytest.mark.parametrize("setup", ["sys.executable = '/nonexistent/python'",   # the child cannot start
                                   "import store.holiday_days as h; h.CHILD_TIMEOUT = 0.001"])  # or answers too late
def test_a_failing_child_falls_back_to_this_process_with_a_warning(setup):
    done = _run(setup)
    assert json.loads(done.stdout) == [True, True, True, True]  # the same answers, computed here
    # once: the days fell back, and loaded the package here, so the names are read here without a child
    assert done.stderr.count("the holidays child process failed") == 1, done.stderr
    assert "computing days CN 2026 in this process instead" in done.stderr
