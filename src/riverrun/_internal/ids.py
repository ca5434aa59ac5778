"""Time-ordered UUIDs (version 7), so that recent runs are neighbours in every index."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0
# os.urandom costs a system call (~5 µs here) per ID; a generator seeded from it, and
# re-seeded in forked children so two processes never share a sequence, costs ~0.2 µs.
_random = random.Random(os.urandom(32))
_time_ns = time.time_ns
os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))


def _tick() -> tuple[int, int]:
    """The next (Unix milliseconds, counter) pair, strictly increasing in this process."""
    global _last_ms, _counter
    ms = _time_ns() // 1_000_000
    with _lock:
        if ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
        else:
            _last_ms = ms
            _counter = 0
        return _last_ms, _counter


def _uuid7_int() -> int:
    ms, counter = _tick()
    return (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | _random.getrandbits(62)


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7: 48 bits of Unix milliseconds, then a counter and random bits.

    Within one millisecond a 12-bit counter keeps IDs made by this process strictly increasing.
    """
    return uuid.UUID(int=_uuid7_int())


# (milliseconds, "xxxxxxxx-xxxx-7") for the latest millisecond: one tuple, read and replaced
# whole, so a thread never pairs one millisecond's text with another's.
_prefix: tuple[int, str] = (-1, "")


def new_id() -> str:
    """Return a new UUIDv7 as its canonical string, the form every store column holds."""
    global _prefix
    ms, counter = _tick()
    cached = _prefix
    if cached[0] != ms:
        h = f"{ms:012x}"
        cached = _prefix = (ms, f"{h[:8]}-{h[8:]}-7")
    r = f"{_random.getrandbits(62) | 0x8000000000000000:016x}"
    return f"{cached[1]}{counter:03x}-{r[:4]}-{r[4:]}"
