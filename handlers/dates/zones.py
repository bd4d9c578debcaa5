"""Time zones named in the text ("9am PST", "4pm CET", "10:00 GMT+8", "下午3点 北京时间"): the
expression is read on that zone's wall clock and converted to the user's zone.

Abbreviations name the region's zone, not a fixed offset: "9am PST" said in July is 9am on the
Pacific wall clock (PDT), as people mean it.  "CST" (China or US Central?) and "IST" are ambiguous
and not read.  "GMT+8" / "UTC-5" are fixed offsets."""
from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from .common import alt

_NAMED = {
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "cdt": "America/Chicago", "ct": "America/Chicago", "central": "America/Chicago",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "eastern": "America/New_York", "eastern time": "America/New_York", "new york time": "America/New_York",
    "gmt": "UTC", "utc": "UTC", "z": "UTC",
    "bst": "Europe/London", "uk time": "Europe/London", "london time": "Europe/London",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "eet": "Europe/Athens", "eest": "Europe/Athens",
    "hkt": "Asia/Hong_Kong", "hong kong time": "Asia/Hong_Kong", "sgt": "Asia/Singapore",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "beijing time": "Asia/Shanghai",
    "北京时间": "Asia/Shanghai", "上海时间": "Asia/Shanghai", "香港时间": "Asia/Hong_Kong",
    "港时": "Asia/Hong_Kong", "纽约时间": "America/New_York", "伦敦时间": "Europe/London",
    "美东时间": "America/New_York", "美西时间": "America/Los_Angeles", "东京时间": "Asia/Tokyo",
    "新加坡时间": "Asia/Singapore",
}
_OFFSET = r"(?:gmt|utc)\s*([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?|东八区"
_RX_ZONE = re.compile(r"\s*[(（]?\s*(?<![a-z])(" + _OFFSET + "|" + alt(_NAMED) + r")(?![a-z0-9])\s*[)）]?")
_RX_CLOCK_BEFORE = re.compile(r"(?:[0-9]|am|pm|noon|midnight|[点时])\s*$")
_RX_HEAD = re.compile(r"^(" + alt(k for k in _NAMED if not k.isascii()) + r")\s*")


def _zone(word: str, m: re.Match[str]) -> tzinfo | None:
    if word == "东八区":
        return timezone(timedelta(hours=8))
    if word in _NAMED:
        return ZoneInfo(_NAMED[word])
    sign = -1 if m.group(2) == "-" else 1
    hours, minutes = int(m.group(3)), int(m.group(4) or 0)
    if hours > 14 or minutes >= 60:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def find_zone(s: str) -> tuple[tzinfo, int, int] | None:
    """A zone named right after a clock time ("4pm CET monday", "下午3点 北京时间") or, for Chinese
    names, at the start: (the zone, where its words start and end in `s`); None when there is none
    or it cannot be read (an offset past 14 hours)."""
    for m in _RX_ZONE.finditer(s):
        if m.start() == 0 or not _RX_CLOCK_BEFORE.search(s[: m.start()]):
            continue
        word = m.group(1)
        if word == "z" and not s[m.start(1) - 1].isdigit():
            continue
        zone = _zone(word, m)
        return None if zone is None else (zone, m.start(), m.end())
    m = _RX_HEAD.match(s)
    if m and m.end() < len(s):
        return ZoneInfo(_NAMED[m.group(1)]), 0, m.end()
    return None
