"""Time-ordered UUIDs (version 7), so that recent runs are neighbours in every index."""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

_lock = threading.Lock()
# os.urandom costs a system call (~5 µs here) per ID; a generator seeded from it, and
# re-seeded in forked children so two processes never share a sequence, costs ~0.2 µs.
_random = random.Random(os.urandom(32))
_time_ns = time.time_ns
os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))

# The latest millisecond as (Unix ms, counter, "xxxxxxxx-xxxx-7", "-vxxx-xxxxxxxxxxxx"):
# one tuple, read and replaced whole under the lock. A task run takes four IDs, and making
# each one's text from scratch was a quarter of the engine's time per task run. So the
# text is made once per millisecond: within it, IDs differ by the 12-bit counter and share
# 62 random bits, which keep two processes' IDs of the same millisecond apart as well as
# fresh bits per ID would (both must match for a collision).
_latest: tuple[int, int, str, str] = (-1, 0, "", "")


def _millisecond_text(ms: int) -> tuple[int, int, str, str]:
    h = f"{ms:012x}"
    r = f"{_random.getrandbits(62) | 0x8000000000000000:016x}"
    return ms, 0, f"{h[:8]}-{h[8:]}-7", f"-{r[:4]}-{r[4:]}"


def _next() -> tuple[int, int, str, str]:
    """The next (ms, counter, head, tail), strictly increasing in this process."""
    global _latest
    ms = _time_ns() // 1_000_000
    with _lock:
        last = _latest
        if ms > last[0]:
            latest = _millisecond_text(ms)
        elif last[1] < 0xFFF:
            latest = (last[0], last[1] + 1, last[2], last[3])
        else:
            # 4,096 IDs in one millisecond: borrow the next one.
            latest = _millisecond_text(last[0] + 1)
        _latest = latest
        return latest


def new_id() -> str:
    """Return a new UUIDv7 as its canonical string, the form every store column holds.

    48 bits of Unix milliseconds, a 12-bit counter that keeps IDs made by this process
    strictly increasing within a millisecond, then 62 random bits.
    """
    _, counter, head, tail = _next()
    return f"{head}{counter:03x}{tail}"


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7, from the same sequence as ``new_id``."""
    return uuid.UUID(new_id())
