"""节后第一天 / 国庆后 / 春节后: the first working day after the next public holiday, from the
mainland calendar of the ``holidays`` package (its weekend make-up working days included)."""
from __future__ import annotations

import importlib.util
import sys
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

# Chinese word -> a piece of the holiday's name in the package's calendar (None: any holiday)
FESTIVALS = {
    "节": None, "假": None, "假期": None, "长假": None, "国庆": "National Day", "国庆节": "National Day",
    "十一": "National Day", "春节": "Spring Festival", "过年": "Spring Festival", "新年": "Spring Festival",
    "元旦": "New Year's Day", "五一": "Labor Day", "劳动节": "Labor Day", "清明": "Tomb-Sweeping",
    "清明节": "Tomb-Sweeping", "端午": "Dragon Boat", "端午节": "Dragon Boat", "中秋": "Mid-Autumn",
    "中秋节": "Mid-Autumn",
}


@lru_cache(maxsize=8)
def _calendar(year: int) -> Any:
    import holidays  # imported on first use
    from holidays.registry import IMPORT_LOCK

    name = "holidays.countries.china"
    with IMPORT_LOCK:  # `country_holidays("CN")` would import all ~250 country modules (8 MB) to give this one
        if name not in sys.modules:
            spec = importlib.util.spec_from_file_location(name, Path(holidays.__file__).parent / "countries" / "china.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
    return sys.modules[name].China(years=[year, year + 1])


def after_holiday(today: date, word: str) -> date | None:
    """The first working day after the next holiday called `word` (today's, if it is one)."""
    if word not in FESTIVALS:
        return None
    cal = _calendar(today.year)
    piece = FESTIVALS[word]
    found = next((d for d, name in sorted(cal.items())
                  if d >= today and (piece is None or piece in name)), None)
    if found is None:
        return None
    day = found
    while not cal.is_working_day(day):
        day += timedelta(days=1)
        if (day - found).days > 20:
            return None
    return day
