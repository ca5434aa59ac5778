"""The upcoming dates of each schedule, computed once and extended, not recomputed each pass.

A scheduler pass asks every active schedule for its next dates (up to 100). With 10,000
deployments on a 1-minute cron that is a million cron steps a pass for, in the steady state,
one new date per schedule a minute. This keeps each schedule's future dates from the last pass
(as epoch microseconds, in an ``array``: 8 bytes a date), drops the past ones, and asks the
schedule only for the dates after the last one it already gave. The key holds the schedule's
definition, so an edited schedule starts afresh.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable
from datetime import datetime

from riverrun._internal.clock import from_us

# (start, end, n) -> dates on or after start, before end, at most n.
DatesFn = Callable[[datetime, datetime, int], list[datetime]]

_MAX_CACHED = 50_000  # schedules; past it, the cache starts again (a bound on memory)


class FutureDates:
    """Per-process cache of each schedule's upcoming dates (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dates: dict[tuple[str, str], array[int]] = {}

    def upcoming(
        self, key: tuple[str, str], dates: DatesFn, now_us: int, end_us: int, limit: int
    ) -> list[int]:
        """At most ``limit`` dates of the schedule ``key`` in ``[now, end)``, in order."""
        with self._lock:
            cached = self._dates.get(key)
        kept = array("q") if cached is None else array("q", (d for d in cached if d >= now_us))
        if len(kept) < limit:
            start = kept[-1] + 1 if kept else now_us
            more = dates(from_us(start), from_us(end_us), limit - len(kept))
            kept.extend(int(d.timestamp() * 1_000_000) for d in more)
        with self._lock:
            if len(self._dates) >= _MAX_CACHED and key not in self._dates:
                self._dates.clear()
            self._dates[key] = kept
        return [d for d in kept if d < end_us][:limit]
