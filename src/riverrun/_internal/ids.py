"""Time-ordered UUIDs (version 7), so that recent runs are neighbours in every index."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7: 48 bits of Unix milliseconds, then a counter and random bits.

    Within one millisecond a 12-bit counter keeps IDs made by this process strictly increasing.
    """
    global _last_ms, _counter
    ms = time.time_ns() // 1_000_000
    with _lock:
        if ms <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        else:
            _last_ms = ms
            _counter = 0
        counter = _counter
    rand = int.from_bytes(os.urandom(8), "big") & 0x3FFFFFFFFFFFFFFF
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | rand
    return uuid.UUID(int=value)


def new_id() -> str:
    """Return a new UUIDv7 as its canonical string, the form every store column holds."""
    return str(uuid7())
