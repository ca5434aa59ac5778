"""Automations in the server: evaluate new events, claim firings, deliver their actions.

Each pass reads the events received since the last one (reaching back ``_OVERLAP_US``, since
another replica's transaction may commit an event stamped a little earlier; events already
seen are skipped), feeds them to the triggers, lets time pass for proactive triggers, and
delivers every due action. Safe with several replicas: a firing's ID comes from the
automation, its bucket and the triggering event, so replicas that see the same events make
the same firings and the claim (a keyed insert) lets only one act; delivery takes a lease.
A claimed action survives a restart: it is a pending row until delivered.
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


class AutomationService:
    """Evaluates automations over the events the server receives."""

    name = "automations"

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.first_delay_s = 0.0
        self._runner: AutomationRunner | None = None
        self._cursor = now_us()
        self._seen: OrderedDict[str, None] = OrderedDict()

    def run_once(self, store: Store) -> float | None:
        """One pass: evaluate new events, then deliver what is due."""
        from riverrun._automations.runner import AutomationRunner

        if self._runner is None or self._runner.store is not store:
            self._runner = AutomationRunner(store)
        runner = self._runner
        runner.set_automations(store.read_automations())
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
