"""The gate over the date corpus: at least 97 % exact and not one confidently wrong instant
(None where an instant was expected is a miss, an instant other than the expected one is wrong)."""
from __future__ import annotations

from collections import Counter

from handlers.dates import parse_when, read_when
from tests.date_cases import load

CASES = load()


def _run():
    exact, missed, wrong = [], [], []
    for case in CASES:
        got = parse_when(case.text, now=case.now, tz=case.tz, locale=case.locale)
        if got == case.expected or (got and case.expected and got.timestamp() == case.expected.timestamp()):
            exact.append(case)
        elif got is None:
            missed.append(case)
        else:
            wrong.append((case, got))
    return exact, missed, wrong


def test_the_corpus_is_big_and_varied():
    assert len(CASES) >= 600
    zones = Counter(case.tz for case in CASES)
    for tz in ("Asia/Shanghai", "Asia/Hong_Kong", "America/New_York", "Europe/London"):
        assert zones[tz] >= 30, (tz, zones)
    assert sum(case.expected is None for case in CASES) >= 30   # refusals are measured too


def test_gate_97_percent_exact_and_zero_wrong():
    exact, missed, wrong = _run()
    lines = [f"{c.where} {c.text!r} now={c.now:%a %Y-%m-%d %H:%M} {c.tz}: got {g:%a %Y-%m-%d %H:%M %z}, "
             f"expected {'None' if c.expected is None else format(c.expected, '%a %Y-%m-%d %H:%M %z')}"
             for c, g in wrong]
    assert not wrong, "confidently wrong:\n" + "\n".join(lines)
    share = len(exact) / len(CASES)
    misses = "\n".join(f"{c.where} {c.text!r}" for c in missed)
    assert share >= 0.97, f"{share:.1%} exact; missed:\n{misses}"


def test_the_other_readings_are_the_ones_listed():
    """Every case's other readings (what a form offers beside the first) are exactly those its line
    lists after a second tab: none where it lists none."""
    off = []
    for case in CASES:
        when = read_when(case.text, now=case.now, tz=case.tz, locale=case.locale)
        got = tuple(d.timestamp() for d in when.others) if when is not None else ()
        if got != tuple(d.timestamp() for d in case.others):
            shown = [format(d.astimezone(case.now.tzinfo), "%Y-%m-%d %H:%M") for d in (when.others if when else ())]
            off.append(f"{case.where} {case.text!r}: others {shown}")
    assert not off, "\n".join(off)
    assert sum(bool(case.others) for case in CASES) >= 40
