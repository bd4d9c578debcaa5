"""A whole process at a stated instant: libfaketime (Debian's `faketime`) preloaded into a
`python -m bot ...` child, so a CLI test states its own `now` as in-process tests pass `now=`."""
from __future__ import annotations

import glob
from datetime import datetime, timezone

import pytest

_CANDIDATES = ("/usr/lib/*/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1",
               "/usr/local/lib/faketime/libfaketime.so.1")


def libfaketime() -> str | None:
    for pattern in _CANDIDATES:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def process_at(at: datetime) -> dict[str, str]:
    """Environment variables that start a child process's clock at `at` (it then runs on)."""
    library = libfaketime()
    if library is None:
        pytest.skip("libfaketime is not installed (Debian: apt-get install faketime; bash .ci/run installs it)")
    stamp = at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return {"LD_PRELOAD": library, "FAKETIME": f"@{stamp}", "TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "DONT_FAKE_MONOTONIC": "1"}
