"""The date corpus (tests/date_corpus/*.tsv): every case states its `now`, zone, text and the
instant a person means (or None), written by reasoning from the README's rules.

File format: ``# comment``; ``@ 2026-11-24 04:30 America/New_York [en-GB]`` starts a block (now as
the wall clock of that zone, and optionally the user's locale); then ``text<TAB>expected`` lines,
expected being ``None`` or the wall clock ``2026-11-24 20:00`` in the block's zone, with an offset
(`` -04:00``) only where the wall clock happens twice.  Words with other readings (read_when's
``others``, which a form offers beside the first) list them after a second tab, in order, separated
by ``;`` (``下周三<TAB>2026-12-09 09:00<TAB>2026-12-16 09:00``); no second tab: there is none."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

CORPUS = Path(__file__).resolve().parent / "date_corpus"


@dataclass(frozen=True)
class Case:
    where: str          # file:line
    now: datetime       # aware
    tz: str
    locale: str | None
    text: str
    expected: datetime | None
    others: tuple[datetime, ...] = ()


def _instant(raw: str, zone: ZoneInfo) -> datetime | None:
    raw = raw.strip()
    if raw == "None":
        return None
    parts = raw.split()
    wall = datetime.strptime(" ".join(parts[:2]), "%Y-%m-%d %H:%M")
    if len(parts) == 3:
        sign = -1 if parts[2][0] == "-" else 1
        hh, mm = parts[2][1:].split(":")
        offset = timezone(sign * timedelta(hours=int(hh), minutes=int(mm)))
        return wall.replace(tzinfo=offset)
    return wall.replace(tzinfo=zone)


def load() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CORPUS.glob("*.tsv")):
        now = tz = locale = None
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{path.name}:{n}"
            if line.startswith("@ "):
                bits = line[2:].split()
                tz, locale = bits[2], (bits[3] if len(bits) > 3 else None)
                now = datetime.strptime(" ".join(bits[:2]), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(tz))
                continue
            text, _, expected = line.partition("\t")
            if now is None or not _:
                raise ValueError(f"{where}: a case needs an @ line before it and a tab")
            expected, _, others = expected.partition("\t")
            alts = tuple(_instant(o, ZoneInfo(tz)) for o in others.split(";") if o.strip())
            if None in alts:
                raise ValueError(f"{where}: another reading is an instant, never None")
            cases.append(Case(where, now, tz, locale, text, _instant(expected, ZoneInfo(tz)), alts))
    return cases
