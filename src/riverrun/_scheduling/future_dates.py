"""The upcoming dates of each schedule, computed once and extended, not recomputed each pass.

A scheduler pass asks every active schedule for its next dates (up to 100). With 10,000
deployments on a 1-minute cron that is a million cron steps a pass for, in the steady state,
one new date per schedule a minute. This keeps each schedule's future dates from the last pass
(as epoch microseconds, in an ``array``: 8 bytes a date, up to twice the dates asked for), drops the past ones, and asks the
schedule only for the dates after the last one it already gave. The key holds the schedule's
definition, so an edited schedule starts afresh.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
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
        kept = array("q") if cached is None else cached[bisect_left(cached, now_us) :]
        if len(kept) < limit:
            # Once a schedule has been asked before (the steady state), twice what is needed:
            # it is then asked again only after ``limit`` of its dates have passed, not at
            # every pass (a cron's set-up costs more than the one date a pass needs).
            start = kept[-1] + 1 if kept else now_us
            wanted = limit if cached is None else 2 * limit
            more = dates(from_us(start), from_us(end_us), wanted - len(kept))
            kept.extend(int(d.timestamp() * 1_000_000) for d in more)
        with self._lock:
            if len(self._dates) >= _MAX_CACHED and key not in self._dates:
                self._dates.clear()
            self._dates[key] = kept
        return [d for d in kept if d < end_us][:limit]
