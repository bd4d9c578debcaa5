"""Heap pages the process has freed handed back to the system, after each tick (issue 14).

Loading the app, the first tick and any burst of requests free C-heap memory again (what large
Python objects and the libraries' own allocations used), but glibc's malloc returns to the system
only what is freed at the top of its heap: the rest stays resident for the process's life, about
1.1 MB once a bot on PostgreSQL has started (0.3 MB on SQLite). `malloc_trim(0)` gives back every
whole free page (about 0.03 ms on this heap, so it runs after every tick); nothing else changes.
A C library other than glibc (musl's, macOS's, Windows') has none: then `trim_heap` does nothing.
"""
from __future__ import annotations

import ctypes
from functools import cache


@cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # the process's own symbols: the C library's
    except (OSError, AttributeError, TypeError):  # TypeError: Windows has no process handle to open by None
        return None


def trim_heap() -> bool:
    """Free heap pages back to the system; False where the C library cannot."""
    malloc_trim = _malloc_trim()
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
