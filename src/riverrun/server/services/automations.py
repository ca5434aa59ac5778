"""Automations in the server: evaluate new events, claim firings, deliver their actions.

Each pass reads the events received since the last one (reaching back ``_OVERLAP_US``, since
another replica's transaction may commit an event stamped a little earlier; events already
seen are skipped), feeds them to the triggers, lets time pass for proactive triggers, and
delivers every due action. Safe with several replicas: a firing's ID comes from the
automation, its bucket and the triggering event, so replicas that see the same events make
the same firings and the claim (a keyed insert) lets only one act; delivery takes a lease.
A claimed action survives a restart: it is a pending row until delivered; and what the
triggers were counting is rebuilt at start from the stored events (back as far as the longest
``within``, at least five minutes), so a firing in progress survives a restart too.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

from riverrun._internal.clock import from_us, now_us
from riverrun.schemas.automations import EventFilter

if TYPE_CHECKING:
    from riverrun._automations.runner import AutomationRunner
    from riverrun._store.service import Store

logger = logging.getLogger("riverrun.server.automations")

_OVERLAP_US = 5_000_000
_BATCH = 5_000
_SEEN = 200_000
# After a start, events of at least this long ago are evaluated again (those received while
# the server was down or restarting; claims already made are not made twice).
_DOWNTIME_S = 300.0


class AutomationService:
    """Evaluates automations over the events the server receives."""

    name = "automations"

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.first_delay_s = 0.0
        self._runner: AutomationRunner | None = None
        self._cursor = now_us()
        self._started = False
        self._seen: OrderedDict[str, None] = OrderedDict()

    def run_once(self, store: Store) -> float | None:
        """One pass: evaluate new events, then deliver what is due."""
        from riverrun._automations.runner import AutomationRunner

        if self._runner is None or self._runner.store is not store:
            self._runner = AutomationRunner(store)
        runner = self._runner
        runner.set_automations(store.read_automations())
        if not self._started:
            # What the triggers remembered (counts, open proactive windows) is rebuilt from
            # the stored events, as far back as the longest window needs: the same events
            # make the same firings, whose claims exist already, so nothing fires twice.
            self._started = True
            back = max(runner.lookback().total_seconds(), _DOWNTIME_S)
            self._cursor = now_us() - int(back * 1_000_000)
        since = from_us(self._cursor - _OVERLAP_US)
        events = store.read_events(filter=EventFilter(received_after=since), limit=_BATCH)
        if runner.task_run_events:
            # Derived from task-run states when read: asked for by name, merged in order.
            names = ["riverrun.task-run.*"]
            events = sorted(
                [*events, *store.read_events(
                    filter=EventFilter(received_after=since, event_names=names), limit=_BATCH
                )],
                key=lambda e: (e.occurred, str(e.id)),
            )  # fmt: skip
        fresh = [e for e in events if str(e.id) not in self._seen]
        for event in fresh:
            self._seen[str(event.id)] = None
            self._cursor = max(self._cursor, int(event.received.timestamp() * 1_000_000))
        while len(self._seen) > _SEEN:
            self._seen.popitem(last=False)
        if runner.automations:
            runner.observe(fresh)
            runner.tick()
        for key, next_attempt in runner.due():
            runner.deliver(key, next_attempt)
        # A full page means more are waiting: come back at once.
        return 0.0 if len(events) >= _BATCH else None
