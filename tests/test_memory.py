"""bot/memory.py (issue 14): after each tick the heap pages the process freed go back to the system."""
from __future__ import annotations

import platform

from bot.memory import trim_heap


def test_the_heap_is_trimmed_where_the_c_library_is_glibc():
    """glibc has malloc_trim; another C library (musl, macOS) has none, and then nothing is done."""
    assert trim_heap() is (platform.libc_ver()[0] == "glibc")
    assert trim_heap() is (platform.libc_ver()[0] == "glibc")  # again: the function is looked up once
