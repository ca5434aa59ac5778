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

# The text of the latest millisecond's IDs is made once: within it, IDs differ by the 12-bit
# counter and share 62 random bits, which keep two processes' IDs of the same millisecond
# apart as well as fresh bits per ID would (both must match for a collision). A task run
# takes four IDs, and making each one's text from scratch was a quarter of the engine's
# time per task run. All four below change together, under the lock.
_ms = -1
_counter = 0
_head = ""  # "xxxxxxxx-xxxx-7": the millisecond and the version digit
_tail = ""  # "-vxxx-xxxxxxxxxxxx": the variant and the random bits
_COUNTER_TEXT = [f"{i:03x}" for i in range(0x1000)]


def _millisecond_text(ms: int) -> tuple[str, str]:
    h = f"{ms:012x}"
    r = f"{_random.getrandbits(62) | 0x8000000000000000:016x}"
    return f"{h[:8]}-{h[8:]}-7", f"-{r[:4]}-{r[4:]}"


def new_id() -> str:
    """Return a new UUIDv7 as its canonical string, the form every store column holds.

    48 bits of Unix milliseconds, a 12-bit counter that keeps IDs made by this process
    strictly increasing within a millisecond, then 62 random bits.
    """
    global _ms, _counter, _head, _tail
    ms = _time_ns() // 1_000_000
    with _lock:
        if ms > _ms:
            _ms, _counter = ms, 0
            _head, _tail = _millisecond_text(ms)
        elif _counter < 0xFFF:
            _counter += 1
        else:
            # 4,096 IDs in one millisecond: borrow the next one.
            _ms, _counter = _ms + 1, 0
            _head, _tail = _millisecond_text(_ms)
        return _head + _COUNTER_TEXT[_counter] + _tail


def uuid7() -> uuid.UUID:
    """Return a new UUIDv7, from the same sequence as ``new_id``."""
    return uuid.UUID(new_id())


_FLOW_NAMESPACE = uuid.UUID("6f1c1d2e-5b7a-4c1e-9d3a-2b8f0e4a7c61")


def flow_id_for(name: str) -> str:
    """Flow IDs derive from the name, so every process agrees on them without asking."""
    return str(uuid.uuid5(_FLOW_NAMESPACE, name))
