"""The `holidays` package's answers without keeping the package in this process (issue 14): importing
it holds about 4.6 MB for a process's life (3.8 MB its `__init__`, which any `holidays.registry`
import runs first, 0.8 MB China's module), and the long-running bot needs only two small answers:
the codes it knows (`entity_names()`: read from the registry's source, with no import) and a
country's days off and make-up working days of a year (`country_days()`: asked of a short-lived
child process running this file, `python -P store/holiday_days.py days CN 2026`, which answers on
its stdout in JSON; `python -m store.holiday_days ...` prints the same).

Computed in this process instead, with the same answers, when the package is already imported here
(a test, or `handlers.dates.festivals` for a 节后-style date), or when the child fails (logged: a
working day must be right before it is cheap). This file imports nothing of the project, so the
child runs it by path without loading `store`.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import logging
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# the child imports the package and one country's module: about 0.15 s on an idle machine
CHILD_TIMEOUT = 60.0
Days = tuple[frozenset[date], frozenset[date]]


def entity_names() -> frozenset[str]:
    """Every code `holidays.country_holidays` (or `financial_holidays`) knows: read from the registry's
    source without importing the package (a few milliseconds: the settings ask it before the port
    opens), else from a child, else here."""
    if "holidays" not in sys.modules:
        if (names := names_from_source()) is not None or (names := names_from_child()) is not None:
            return names
    return names_here()


def names_from_source() -> frozenset[str] | None:
    """`names_here()`, read from holidays/registry.py's two dict literals (COUNTRIES, FINANCIAL:
    module -> names) without running it; None when the package or those literals are not found."""
    try:
        spec = importlib.util.find_spec("holidays")  # finds the package's folder, imports nothing
        if spec is None or not spec.submodule_search_locations:
            return None
        source = (Path(spec.submodule_search_locations[0]) / "registry.py").read_text(encoding="utf-8")
        registries = {node.target.id: ast.literal_eval(node.value) for node in ast.parse(source).body
                      if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                      and node.target.id in ("COUNTRIES", "FINANCIAL") and node.value is not None}
        if set(registries) != {"COUNTRIES", "FINANCIAL"}:
            return None
        return frozenset(name for registry in registries.values() for names in registry.values() for name in names)
    except (OSError, ValueError, SyntaxError, TypeError, AttributeError) as e:
        logger.warning("could not read the holidays registry's source (%s)", e)
        return None


def country_days(country: str, year: int) -> Days:
    """(public holidays, make-up working days) of one country (or market) in one year.
    NotImplementedError for a code the package does not know, as `country_holidays` raises."""
    if "holidays" not in sys.modules and (days := days_from_child(country, year)) is not None:
        return days
    return days_here(country, year)


def names_from_child() -> frozenset[str] | None:
    """`names_here()`, answered by a child process; None (logged) when it fails."""
    answer = _ask("names")
    return None if answer is None else frozenset(answer["names"])


def days_from_child(country: str, year: int) -> Days | None:
    """`days_here()`, answered by a child process; None (logged) when it fails."""
    answer = _ask("days", country, str(year))
    if answer is None:
        return None
    if "unknown" in answer:
        raise NotImplementedError(f"Country {country} not available")
    return frozenset(map(date.fromisoformat, answer["off"])), frozenset(map(date.fromisoformat, answer["on"]))


def _ask(*request: str) -> dict | None:
    """The child's JSON answer, or None (logged) when it fails: the caller computes it here then."""
    # -P: the script's folder (store/, which has a `types.py`) is not put on sys.path
    argv = [sys.executable, "-P", str(Path(__file__).resolve()), *request]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CHILD_TIMEOUT, check=True)
        return json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        stderr = getattr(e, "stderr", None) or ""
        logger.warning("the holidays child process failed (%s), computing %s in this process instead%s",
                       e, " ".join(request), f": {stderr.strip()[-500:]}" if stderr else "")
        return None


def names_here() -> frozenset[str]:
    from holidays.registry import COUNTRIES, FINANCIAL  # heavy (about 4 MB): a child's, or loaded already

    return frozenset(name for names in (*COUNTRIES.values(), *FINANCIAL.values()) for name in names)


def days_here(country: str, year: int) -> Days:
    """The next year is loaded too: a make-up day can be announced with the next year's holidays
    (China's 2002 New Year moved 2001-12-29 and -30 to working days)."""
    h = _entity(country)(years=(year, year + 1))
    off = frozenset(d for d in h if d.year == year)
    on = frozenset(d for d in getattr(h, "weekend_workdays", ()) if d.year == year)
    return off, on


def _entity(code: str) -> Any:
    """The class `holidays.country_holidays(code)` instantiates, loading that country's (or market's)
    one module. `country_holidays` imports it as `holidays.countries.<name>`, which first runs the
    `holidays.countries` package, and that imports all its ~250 modules (about 8 MB) to give one.
    Once that package is loaded (a test, `festivals`), it is used."""
    from holidays.registry import COUNTRIES, FINANCIAL  # the same

    for prefix, registry in (("countries", COUNTRIES), ("financial", FINANCIAL)):
        for module, names in registry.items():
            if code in names:
                return getattr(_one_module(prefix, module), code)
    raise NotImplementedError(f"Country {code} not available")


def _one_module(prefix: str, module: str) -> Any:
    from holidays.registry import IMPORT_LOCK  # the same

    name = f"holidays.{prefix}.{module}"
    with IMPORT_LOCK:  # the package's own lock for its lazy imports
        if name not in sys.modules:
            package = Path(sys.modules["holidays"].__file__).parent
            spec = importlib.util.spec_from_file_location(name, package / prefix / f"{module}.py")
            loaded = importlib.util.module_from_spec(spec)
            sys.modules[name] = loaded
            try:
                spec.loader.exec_module(loaded)
            except BaseException:
                del sys.modules[name]
                raise
        return sys.modules[name]


def answer(argv: list[str]) -> dict:
    """What the child prints: {"names": [...]}, {"off": [...], "on": [...]} (ISO dates) or {"unknown": code}."""
    if argv == ["names"]:
        return {"names": sorted(names_here())}
    if len(argv) == 3 and argv[0] == "days":
        try:
            off, on = days_here(argv[1], int(argv[2]))
        except NotImplementedError:
            return {"unknown": argv[1]}
        return {"off": sorted(d.isoformat() for d in off), "on": sorted(d.isoformat() for d in on)}
    raise SystemExit("usage: holiday_days.py names | days COUNTRY YEAR")


if __name__ == "__main__":
    print(json.dumps(answer(sys.argv[1:])))
